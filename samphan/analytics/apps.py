from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "samphan.analytics"
    label = "analytics"
