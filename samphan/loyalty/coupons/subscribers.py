"""Coupons reacting to other apps' events (discovered by the timeline app)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F

from samphan.customers.events import CustomerMerged
from samphan.loyalty.coupons.models import CouponCustomerUsage
from samphan.timeline.registry import DomainEvent, Phase, subscriber


@subscriber(CustomerMerged, phase=Phase.IN_TRANSACTION)
def coupon_uses_follow_merge(events: Sequence[DomainEvent]) -> None:
    """A merge moves the merged record's uses of a campaign to the survivor, except where the
    survivor already has uses of that campaign (one row per campaign and customer): those are
    added to the survivor's, so that two records of one person can't use a per-customer coupon
    more often than one could. An undo moves the rows back and leaves the added uses on the
    survivor (it errs towards fewer uses, never more)."""
    for event in events:
        assert isinstance(event, CustomerMerged) and event.customer_id is not None
        left = CouponCustomerUsage.objects.filter(
            workspace_id=event.workspace_id, customer_id=event.merged_customer_id, used__gt=0
        )
        for campaign_id, used in left.values_list("campaign_id", "used"):
            CouponCustomerUsage.objects.filter(
                campaign_id=campaign_id, customer_id=event.customer_id
            ).update(used=F("used") + used)
