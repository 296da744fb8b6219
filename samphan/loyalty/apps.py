from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "samphan.loyalty"
    label = "loyalty"
