"""API: the shop's LINE channel settings and its webhook address. The channel secret and the
access token are write-only: answers show only their last four characters."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut
from samphan.messaging import selectors, services
from samphan.messaging.models import LineChannel

router = ApiRouter(tags=["messaging"])


class LineChannelOut(Schema):
    configured: bool
    channel_id: str
    channel_secret: str = Field(description="Masked: the last four characters, or empty.")
    channel_access_token: str = Field(description="Masked: the last four characters, or empty.")
    webhook_url: str = Field(description="Paste into the LINE Developers console.")


class LineChannelIn(Schema):
    channel_id: str = Field("", max_length=32, description="The channel's numeric ID.")
    channel_secret: str | None = Field(
        None, max_length=64, description="32 hex digits; omit or leave empty to keep."
    )
    channel_access_token: str | None = Field(
        None, max_length=600, description="Long-lived token; omit or leave empty to keep."
    )


def _out(request: HttpRequest, channel: LineChannel | None) -> dict[str, object]:
    if channel is None:
        return {
            "configured": False,
            "channel_id": "",
            "channel_secret": "",
            "channel_access_token": "",
            "webhook_url": "",
        }
    path = reverse("messaging:line_webhook", kwargs={"token": channel.webhook_token})
    return {
        "configured": True,
        "channel_id": channel.channel_id,
        "channel_secret": services.mask(channel.channel_secret),
        "channel_access_token": services.mask(channel.channel_access_token),
        "webhook_url": request.build_absolute_uri(path),
    }


@router.get("/messaging/line", response=LineChannelOut, summary="The LINE channel's settings")
def line_channel_get(request: HttpRequest) -> object:
    return _out(request, selectors.line_channel_get(actor=actor_of(request)))


@router.put(
    "/messaging/line",
    response={200: LineChannelOut, 422: ErrorOut},
    summary="Set the LINE channel (ID, secret, access token)",
)
def line_channel_put(request: HttpRequest, payload: LineChannelIn) -> object:
    channel = services.line_channel_save(
        actor=actor_of(request),
        channel_id=payload.channel_id,
        channel_secret=payload.channel_secret,
        channel_access_token=payload.channel_access_token,
    )
    return _out(request, channel)
