"""Coupon campaigns made through ``coupons.services.campaign_create``, as the pages and the API
make them."""

from __future__ import annotations

from typing import Any

from samphan.core.access import Actor
from samphan.loyalty.coupons.models import CouponCampaign
from samphan.loyalty.coupons.services import campaign_create


def campaign(actor: Actor, **kw: Any) -> CouponCampaign:
    """A ฿50-off campaign with the shared code SAVE50 unless ``kw`` says otherwise."""
    kw.setdefault("name", "ลด 50 บาท")
    kw.setdefault("kind", "value")
    kw.setdefault("value_satang", 5000)
    kw.setdefault("code_mode", "shared")
    if kw["code_mode"] == "shared":
        kw.setdefault("code", "SAVE50")
    return campaign_create(actor=actor, **kw)
