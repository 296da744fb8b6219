"""Reads for coupons, workspace-scoped: another workspace's campaign is a 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.loyalty.coupons.checks import CouponRefused, code_find, coupon_check
from samphan.loyalty.coupons.models import CouponCampaign, CouponCode, CouponRedemption


def campaign_list(*, actor: Actor) -> QuerySet[CouponCampaign]:
    """The workspace's campaigns, newest first, each with ``code_total`` and ``first_code``
    (a shared campaign's code)."""
    require(actor, Perm.COUPON_MANAGE)
    return (
        CouponCampaign.objects.filter(workspace=actor.workspace)
        .select_related("segment")
        .annotate(
            code_total=Count("codes"),
            first_code=Subquery(
                CouponCode.objects.filter(campaign=OuterRef("pk")).order_by("id").values("code")[:1]
            ),
        )
        .order_by("-created_at", "-id")
    )


def campaign_get(*, actor: Actor, campaign_id: int) -> CouponCampaign:
    campaign = campaign_list(actor=actor).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("campaign_not_found", _("Coupon campaign not found."))
    return campaign


def campaign_codes(*, actor: Actor, campaign_id: int) -> QuerySet[CouponCode]:
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    return CouponCode.objects.filter(campaign=campaign).select_related("customer").order_by("id")


def campaign_redemptions(*, actor: Actor, campaign_id: int) -> QuerySet[CouponRedemption]:
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    return (
        CouponRedemption.objects.filter(campaign=campaign)
        .select_related("code", "customer", "order")
        .order_by("-created_at", "-id")
    )


def remaining_uses(campaign: CouponCampaign) -> int | None:
    """Uses left under the total limit (None: no limit)."""
    if campaign.total_limit is None:
        return None
    return max(campaign.total_limit - campaign.redeemed_count, 0)


@dataclass(frozen=True)
class Quote:
    """The answer to "may this code be used on this basket?": the discount, or why not."""

    valid: bool
    code: str
    discount_satang: int
    reason: str = ""
    message: str = ""
    details: dict | None = None
    campaign: CouponCampaign | None = None


def coupon_quote(
    *,
    actor: Actor,
    code: str,
    subtotal_satang: int,
    customer_id: int | None = None,
    at: dt.datetime | None = None,
) -> Quote:
    """Check ``code`` on a basket of ``subtotal_satang`` for ``customer_id`` (or a walk-in
    customer) at ``at`` (now). Nothing is reserved: ``coupon_redeem`` decides under the limits.
    An unknown customer is a 404 ``customer_not_found``."""
    require(actor, Perm.COUPON_REDEEM)
    customer = None
    if customer_id is not None:
        customer = Customer.objects.filter(
            workspace=actor.workspace, pk=customer_id, merged_into__isnull=True
        ).first()
        if customer is None:
            raise NotFound("customer_not_found", _("Customer not found."), {"field": "customer_id"})
    try:
        found = code_find(workspace_id=actor.workspace.pk, code=code)
        checked = coupon_check(
            code=found, basket_satang=subtotal_satang, customer=customer, at=at or timezone.now()
        )
    except CouponRefused as refused:
        return _refused(code, refused)
    return Quote(
        valid=True,
        code=found.code,
        discount_satang=checked.discount_satang,
        campaign=checked.campaign,
    )


def _refused(code: str, refused: ApplicationError) -> Quote:
    details = {k: v for k, v in refused.details.items() if k != "field"}
    return Quote(
        valid=False,
        code=code,
        discount_satang=0,
        reason=refused.code,
        message=refused.message,
        details=details,
    )
