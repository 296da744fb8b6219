from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "samphan.loyalty"
    label = "loyalty"

    def ready(self) -> None:
        # The customer page's panel and the segment builder's fields (registries of the
        # customers and segments apps).
        from samphan.loyalty import fields, panels  # noqa: F401
        from samphan.loyalty.coupons.tiers import tier_resolver_set
        from samphan.loyalty.tiers import tier_code_of

        # The coupons app asks which tier a customer is in (tier-only campaigns).
        tier_resolver_set(tier_code_of)
