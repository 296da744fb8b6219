from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "samphan.privacy"
    label = "privacy"

    def ready(self) -> None:
        # Every app's part of a person's data (samphan.core.datasubject): each app's own
        # ``privacy.py``, found like the admin finds ``admin`` modules; an import error is
        # raised, never swallowed. Then this app's own part and its customer-page panel.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("privacy")
        from samphan.privacy import panels, parts  # noqa: F401
