"""The coupons domain's events: a code used on an order (on the customer's timeline when the
order has a customer, and on the order's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.money import format_baht
from samphan.timeline.registry import (
    DescribeContext,
    Description,
    DomainEvent,
    StrOrPromise,
    Subject,
)


@dataclass(frozen=True, kw_only=True)
class CouponRedeemed(DomainEvent):
    """A coupon code took ``discount_satang`` off an order; ``campaign`` is the campaign's name
    at the time (the link keeps its id)."""

    type: ClassVar[str] = "coupon.redeemed"
    subject: ClassVar[Subject] = Subject.ORDER
    label: ClassVar[StrOrPromise] = gettext_lazy("Coupon redeemed")

    code: str
    campaign: str
    discount_satang: int
    number: str
    campaign_id: int = field(metadata={"link": "coupon_campaign"})
    redemption_id: int = field(metadata={"link": "coupon_redemption"})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        return Description(
            title=_("Coupon %(code)s") % {"code": payload.get("code", "")},
            lines=[
                _("%(discount)s off order %(number)s · %(campaign)s")
                % {
                    "discount": format_baht(payload.get("discount_satang")),
                    "number": payload.get("number", ""),
                    "campaign": payload.get("campaign", ""),
                }
            ],
            tone="ok",
        )
