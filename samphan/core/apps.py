from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "samphan.core"
    label = "core"
    verbose_name = "Samphan core"

    def ready(self) -> None:
        from samphan.core import receivers  # noqa: F401  (audit of allauth/auth events)
