from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class TimelineConfig(AppConfig):
    name = "samphan.timeline"
    label = "timeline"

    def ready(self) -> None:
        # Every app's ``events`` (declarations) and ``subscribers`` (reactions) modules, as
        # Django's admin finds ``admin`` modules: an error inside one is raised, not swallowed.
        from django.utils.module_loading import autodiscover_modules

        from samphan.timeline.registry import registry_problems

        autodiscover_modules("events", "subscribers")
        problems = registry_problems()
        if problems:
            raise ImproperlyConfigured("; ".join(problems))
