"""The seam to loyalty tiers (built by the loyalty programme, not yet there).

A campaign can be for one tier (``CouponCampaign.tier_code``). Which tier a customer is in is
answered by a resolver the loyalty app registers when it has tiers (``tier_resolver_set`` from
its ``AppConfig.ready``); until then every customer's tier is unknown, and a tier campaign
answers ``coupon_tier_unknown`` rather than guessing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.text import slugify

# (workspace_id, customer_id) -> the customer's tier code, or None when unknown.
TierResolver = Callable[[int, int], str | None]

_resolver: TierResolver | None = None


def tier_resolver_set(resolver: TierResolver | None) -> None:
    global _resolver
    _resolver = resolver


def tier_resolver_get() -> TierResolver | None:
    return _resolver


def tier_code_normalise(code: str) -> str:
    """A tier code as loyalty makes them (``slugify``: ``Gold Plus`` → ``gold-plus``), or the
    text in lower case when it has no Latin letters or digits."""
    return slugify(code)[:32] or code.strip().lower()[:32]


def customer_tier(*, workspace_id: int, customer_id: int) -> str | None:
    """The customer's tier code, or None when tiers are unknown."""
    if _resolver is None:
        return None
    return _resolver(workspace_id, customer_id)
