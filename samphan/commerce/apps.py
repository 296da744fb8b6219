from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "samphan.commerce"
    label = "commerce"

    def ready(self) -> None:
        # The customer page's panel (customers.panels registry).
        from samphan.commerce import panels  # noqa: F401
