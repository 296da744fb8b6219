"""API: business calendars and sla policies."""

from samphan.core.api_schema import ApiRouter

router = ApiRouter(tags=["sla"])
