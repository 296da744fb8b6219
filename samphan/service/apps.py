from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "samphan.service"
    label = "service"
    verbose_name = "Service desk"

    def ready(self) -> None:
        # The customer page's tickets panel (a registry of the customers app).
        from samphan.service import panels  # noqa: F401
