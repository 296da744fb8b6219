"""Coupons' part of a person's data (the data-subject registry, ``core.datasubject``): the codes
given to them, how often they used each campaign, and their redemptions. None of these rows
holds a personal field: codes, amounts, dates and counts identify nobody once the customer
record is anonymous, and the campaigns' limits and totals must stay true, so erasure keeps
them, linked to the anonymised record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.datasubject import Holding, Subject, register_part, register_unrelated
from samphan.loyalty.coupons.models import CouponCode, CouponCustomerUsage, CouponRedemption

REDEMPTION_KEPT = (
    "campaign", "code", "customer", "order", "basket_satang", "discount_satang",
    "idempotency_key", "actor", "actor_label", "created_at",
)  # fmt: skip


def coupons_export(subject: Subject) -> dict[str, Any]:
    ids = subject.customer_ids
    codes = (
        CouponCode.objects.filter(workspace_id=subject.workspace_id, customer_id__in=ids)
        .select_related("campaign")
        .order_by("created_at", "pk")
    )
    redemptions = (
        CouponRedemption.objects.filter(workspace_id=subject.workspace_id, customer_id__in=ids)
        .select_related("campaign", "code", "order")
        .order_by("created_at", "pk")
    )
    usage = CouponCustomerUsage.objects.filter(
        workspace_id=subject.workspace_id, customer_id__in=ids
    ).select_related("campaign")
    return {
        "codes": [
            {
                "code": c.code,
                "campaign": c.campaign.name,
                "used": c.redeemed_count,
                "created_at": c.created_at.isoformat(),
            }
            for c in codes
        ],
        "redemptions": [
            {
                "code": r.code.code,
                "campaign": r.campaign.name,
                "order": r.order.number,
                "basket_satang": r.basket_satang,
                "discount_satang": r.discount_satang,
                "at": r.created_at.isoformat(),
            }
            for r in redemptions
        ],
        "uses_per_campaign": [{"campaign": u.campaign.name, "used": u.used} for u in usage],
    }


def coupons_erase(subjects: Sequence[Subject]) -> int:
    """Nothing here identifies the person by itself: the rows stay with the anonymised record."""
    return 0


register_part(
    key="coupons.coupons",
    label=gettext_lazy("Coupons"),
    holds=[
        Holding(
            "coupons.CouponCode",
            personal=(),
            kept=("campaign", "code", "customer", "redeemed_count", "created_at"),
        ),
        Holding("coupons.CouponCustomerUsage", personal=(), kept=("campaign", "customer", "used")),
        Holding(
            "coupons.CouponRedemption",
            personal=(),
            kept=REDEMPTION_KEPT,
        ),
    ],
    export=coupons_export,
    erase=coupons_erase,
    order=30,
)

register_unrelated("coupons.CouponCampaign", "the shop's coupon campaigns")
