from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "samphan.feedback"
    label = "feedback"
    verbose_name = "Surveys and feedback"
