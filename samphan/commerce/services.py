"""Writes for sales channels (orders and products arrive with the Customer 360 work)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.commerce.models import ChannelKind, SalesChannel


def channels_ensure_defaults(*, workspace: Workspace) -> list[SalesChannel]:
    """Every workspace starts with one channel of each kind (store, LINE, Shopee, …)."""
    existing = set(SalesChannel.objects.filter(workspace=workspace).values_list("kind", flat=True))
    SalesChannel.objects.bulk_create(
        [
            SalesChannel(workspace=workspace, kind=kind, name=str(label))
            for kind, label in ChannelKind.choices
            if kind not in existing
        ]
    )
    return list(SalesChannel.objects.filter(workspace=workspace))


def channel_create(*, actor: Actor, kind: str, name: str) -> SalesChannel:
    require(actor, Perm.CHANNEL_MANAGE)
    if kind not in ChannelKind.values:
        raise ApplicationError("invalid_channel_kind", _("Unknown channel kind."), {"field": "kind"})
    name = name.strip()
    if not name:
        raise ApplicationError("channel_name_required", _("Enter a name."), {"field": "name"})
    try:
        with transaction.atomic():
            return SalesChannel.objects.create(workspace=actor.workspace, kind=kind, name=name)
    except IntegrityError as exc:
        raise ApplicationError(
            "channel_exists",
            _("A channel named “%(name)s” already exists.") % {"name": name},
            {"field": "name"},
            status=409,
        ) from exc


def channel_set_active(*, actor: Actor, channel_id: int, is_active: bool) -> SalesChannel:
    require(actor, Perm.CHANNEL_MANAGE)
    channel = SalesChannel.objects.filter(workspace=actor.workspace, pk=channel_id).first()
    if channel is None:
        raise NotFound("channel_not_found", _("Channel not found."))
    channel.is_active = is_active
    channel.save(update_fields=["is_active"])
    return channel
