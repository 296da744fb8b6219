"""API: thai text analysis."""

from samphan.core.api_schema import ApiRouter

router = ApiRouter(tags=["text"])
