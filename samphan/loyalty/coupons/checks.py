"""Whether a code may be used on a basket, and what it takes off: one set of rules, read by the
validation (``selectors.coupon_quote``) and enforced again by the redemption
(``services.coupon_redeem``), whose counters then hold the limits under concurrency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from samphan.core.errors import ApplicationError
from samphan.core.money import format_baht
from samphan.customers.models import Customer
from samphan.loyalty.coupons.codes import code_normalise
from samphan.loyalty.coupons.models import (
    PERCENT_BP_MAX,
    CodeMode,
    CouponCampaign,
    CouponCode,
    CouponCustomerUsage,
    CouponKind,
    Targeting,
)
from samphan.loyalty.coupons.tiers import customer_tier, tier_code_normalise
from samphan.segments.models import Segment
from samphan.segments.services import segment_live_queryset

# Reasons a code is refused (the error codes of validate and redeem). Limits are 409 (the
# code was fine and ran out), the rest 422.
UNKNOWN = "coupon_unknown"
INACTIVE = "coupon_inactive"
NOT_STARTED = "coupon_not_started"
EXPIRED = "coupon_expired"
MIN_SPEND = "coupon_min_spend"
CUSTOMER_REQUIRED = "coupon_customer_required"
NOT_FOR_CUSTOMER = "coupon_not_for_customer"
NOT_IN_SEGMENT = "coupon_not_in_segment"
TIER_UNKNOWN = "coupon_tier_unknown"
NOT_IN_TIER = "coupon_not_in_tier"
LIMIT_REACHED = "coupon_limit_reached"
CODE_USED = "coupon_used"
CUSTOMER_LIMIT_REACHED = "coupon_customer_limit_reached"

REASONS = (
    UNKNOWN, INACTIVE, NOT_STARTED, EXPIRED, MIN_SPEND, CUSTOMER_REQUIRED, NOT_FOR_CUSTOMER,
    NOT_IN_SEGMENT, TIER_UNKNOWN, NOT_IN_TIER, LIMIT_REACHED, CODE_USED, CUSTOMER_LIMIT_REACHED,
)  # fmt: skip
LIMIT_REASONS = frozenset({LIMIT_REACHED, CODE_USED, CUSTOMER_LIMIT_REACHED})


class CouponRefused(ApplicationError):
    """A code that can't be used on this basket, for ``code`` (one of ``REASONS``)."""

    def __init__(self, code: str, message: str, details: dict | None = None) -> None:
        super().__init__(
            code,
            message,
            {"field": "code", **(details or {})},
            status=409 if code in LIMIT_REASONS else 422,
        )


def discount_for(campaign: CouponCampaign, basket_satang: int) -> int:
    """What the campaign takes off a basket: the amount, or the percentage rounded down to the
    satang, at most ``max_discount_satang``, and never more than the basket."""
    basket = max(basket_satang, 0)
    if campaign.kind == CouponKind.PERCENT:
        computed = basket * min(campaign.percent_bp, PERCENT_BP_MAX) // PERCENT_BP_MAX
    else:
        computed = campaign.value_satang
    if campaign.max_discount_satang is not None:
        computed = min(computed, campaign.max_discount_satang)
    return max(0, min(computed, basket))


def code_find(*, workspace_id: int, code: str) -> CouponCode:
    found = (
        CouponCode.objects.filter(workspace_id=workspace_id, code=code_normalise(code)[:64])
        .select_related("campaign", "campaign__segment")
        .first()
    )
    if found is None:
        raise CouponRefused(UNKNOWN, _("No coupon has this code. Check the spelling."))
    return found


@dataclass(frozen=True)
class Checked:
    code: CouponCode
    campaign: CouponCampaign
    discount_satang: int


def coupon_check(
    *,
    code: CouponCode,
    basket_satang: int,
    customer: Customer | None,
    at: dt.datetime,
    counters: bool = True,
) -> Checked:
    """The discount ``code`` gives on the basket, or ``CouponRefused`` saying why not. With
    ``counters``, the limits are read from the counters too (the redemption enforces them
    again, atomically)."""
    campaign = code.campaign
    if not campaign.is_active:
        raise CouponRefused(INACTIVE, _("This coupon campaign has been switched off."))
    if campaign.starts_at is not None and at < campaign.starts_at:
        raise CouponRefused(
            NOT_STARTED,
            _("This coupon can't be used yet."),
            {"starts_at": campaign.starts_at.isoformat()},
        )
    if campaign.ends_at is not None and at >= campaign.ends_at:
        raise CouponRefused(
            EXPIRED, _("This coupon has expired."), {"ends_at": campaign.ends_at.isoformat()}
        )
    if basket_satang < campaign.min_spend_satang:
        raise CouponRefused(
            MIN_SPEND,
            _("This coupon needs a spend of at least %(amount)s.")
            % {"amount": format_baht(campaign.min_spend_satang)},
            {
                "min_spend_satang": campaign.min_spend_satang,
                "short_by_satang": campaign.min_spend_satang - basket_satang,
            },
        )
    needs_customer = (
        code.customer_id is not None
        or campaign.per_customer_limit is not None
        or campaign.targeting != Targeting.NONE
    )
    if needs_customer and customer is None:
        raise CouponRefused(
            CUSTOMER_REQUIRED, _("This coupon is for members: choose the customer first.")
        )
    if code.customer_id is not None and customer is not None and code.customer_id != customer.pk:
        raise CouponRefused(NOT_FOR_CUSTOMER, _("This code belongs to another customer."))
    if customer is not None:
        _check_target(campaign, customer)
    if counters:
        _check_counters(campaign, code, customer)
    return Checked(
        code=code, campaign=campaign, discount_satang=discount_for(campaign, basket_satang)
    )


def _check_target(campaign: CouponCampaign, customer: Customer) -> None:
    if campaign.targeting == Targeting.SEGMENT:
        segment: Segment | None = campaign.segment
        member = segment is not None and (_segment_members(segment).filter(pk=customer.pk).exists())
        if not member:
            raise CouponRefused(NOT_IN_SEGMENT, _("This coupon is for another group of customers."))
    elif campaign.targeting == Targeting.TIER:
        tier = customer_tier(workspace_id=campaign.workspace_id, customer_id=customer.pk)
        if tier is None:
            raise CouponRefused(
                TIER_UNKNOWN,
                _("This coupon is for a loyalty tier, and the customer's tier is not known yet."),
            )
        if tier_code_normalise(tier) != campaign.tier_code:
            raise CouponRefused(NOT_IN_TIER, _("This coupon is for members of another tier."))


def _segment_members(segment: Segment) -> QuerySet[Customer]:
    # The segment's rules, live, over the workspace's customers, without an actor: counter
    # staff may use a coupon for a segment they cannot open.
    return segment_live_queryset(workspace=segment.workspace, rules=segment.rules)


def _check_counters(campaign: CouponCampaign, code: CouponCode, customer: Customer | None) -> None:
    if campaign.total_limit is not None and campaign.redeemed_count >= campaign.total_limit:
        raise CouponRefused(LIMIT_REACHED, _("This coupon has been used up."))
    if campaign.code_mode == CodeMode.UNIQUE and code.redeemed_count >= 1:
        raise CouponRefused(CODE_USED, _("This code has already been used."))
    if customer is not None and campaign.per_customer_limit is not None:
        used = (
            CouponCustomerUsage.objects.filter(campaign=campaign, customer=customer)
            .values_list("used", flat=True)
            .first()
        ) or 0
        if used >= campaign.per_customer_limit:
            raise CouponRefused(
                CUSTOMER_LIMIT_REACHED,
                _("This customer has already used this coupon as often as allowed."),
                {"per_customer_limit": campaign.per_customer_limit},
            )
