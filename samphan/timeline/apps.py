from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "samphan.timeline"
    label = "timeline"
