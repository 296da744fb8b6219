from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "samphan.segments"
    label = "segments"

    def ready(self) -> None:
        # Fields registered with segments.fields.register_field: segments' own analytics fields.
        from samphan.segments import analytics_fields  # noqa: F401
