from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "samphan.analytics"
    label = "analytics"

    def ready(self) -> None:
        # The customer page's panel (customers.panels registry).
        from samphan.analytics import panels  # noqa: F401
