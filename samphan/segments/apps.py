from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "samphan.segments"
    label = "segments"
