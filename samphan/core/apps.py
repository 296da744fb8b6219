from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "samphan.core"
    label = "core"
    verbose_name = "Samphan core"

    def ready(self) -> None:
        from samphan.core import (  # noqa: F401
            checks,  # deployment checks (samphan check --deploy)
            receivers,  # audit of allauth/auth events
        )
