"""API: surveys and feedback."""

from samphan.core.api_schema import ApiRouter

router = ApiRouter(tags=["feedback"])
