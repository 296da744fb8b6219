from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "samphan.loyalty"
    label = "loyalty"

    def ready(self) -> None:
        # The customer page's panel and the segment builder's fields (registries of the
        # customers and segments apps).
        from samphan.loyalty import fields, panels  # noqa: F401
