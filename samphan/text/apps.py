from django.apps import AppConfig


class TextConfig(AppConfig):
    name = "samphan.text"
    label = "text"
    verbose_name = "Thai text analysis"
