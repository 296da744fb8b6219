"""API: service desk."""

from samphan.core.api_schema import ApiRouter

router = ApiRouter(tags=["service"])
