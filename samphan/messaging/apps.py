from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "samphan.messaging"
    label = "messaging"

    def ready(self) -> None:
        # The customer page's LINE panel (customers.panels registry).
        from samphan.messaging import panels  # noqa: F401
