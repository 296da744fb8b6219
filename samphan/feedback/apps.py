from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "samphan.feedback"
    label = "feedback"
    verbose_name = "Surveys and feedback"

    def ready(self) -> None:
        # The customer page's relationship panel (the customers app's registry).
        from samphan.feedback import panels  # noqa: F401
