"""Writes for sales channels (orders and products arrive with the Customer 360 work)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from samphan.commerce.models import ChannelKind, Order, OrderStatus, SalesChannel
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.customers.models import Customer


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
        raise ApplicationError(
            "invalid_channel_kind", _("Unknown channel kind."), {"field": "kind"}
        )
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


def customer_summaries_refresh(
    *, workspace: Workspace, customer_ids: list[int] | None = None
) -> int:
    """Recompute the cached purchase summary on customers from their paid orders.

    One set-based UPDATE (no per-customer round trips). Returns the number of customers updated.
    """
    paid = Order.objects.filter(customer=OuterRef("pk"), status=OrderStatus.PAID)
    customers = Customer.objects.filter(workspace=workspace)
    if customer_ids is not None:
        customers = customers.filter(pk__in=customer_ids)

    def agg(expr: Any) -> Subquery:
        return Subquery(paid.values("customer").annotate(v=expr).values("v")[:1])

    return customers.update(
        orders_count=Coalesce(agg(Count("pk")), 0),
        total_spent_satang=Coalesce(agg(Sum("total_satang")), 0),
        first_order_at=agg(Min("placed_at")),
        last_order_at=agg(Max("placed_at")),
    )
