"""Reads for channels and orders, workspace-scoped (and branch-scoped for limited staff)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from samphan.commerce.events import OrderStatusChanged
from samphan.commerce.models import Order, OrderLine, OrderStatus, Refund, SalesChannel
from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.timeline.models import TimelineEvent


def channel_list(*, actor: Actor) -> QuerySet[SalesChannel]:
    return SalesChannel.objects.filter(workspace=actor.workspace)


def channel_get(*, actor: Actor, channel_id: int) -> SalesChannel:
    channel = channel_list(actor=actor).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("channel_not_found", _("Channel not found."))
    return channel


def order_list(*, actor: Actor) -> QuerySet[Order]:
    require(actor, Perm.ORDER_VIEW)
    qs = Order.objects.filter(workspace=actor.workspace)
    if actor.branch_limited():
        qs = qs.filter(branch_id__in=actor.branch_ids)
    return qs.select_related("channel", "branch", "customer")


def order_get(*, actor: Actor, order_id: int) -> Order:
    order = (
        order_list(actor=actor)
        .prefetch_related("lines", "refunds__lines", "refunds__created_by")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound("order_not_found", _("Order not found."))
    return order


@dataclass(frozen=True)
class StatusChange:
    """One line of the order's status history."""

    at: dt.datetime
    old: str
    new: str
    reason: str
    by: str


def _status_label(value: str) -> str:
    return str(OrderStatus(value).label) if value in OrderStatus.values else value


def _by(user: Any, label: str) -> str:
    if user is not None:
        return str(user.get_full_name() or user.email)
    return _("API") if label.startswith("api-key:") else label


def order_status_history(*, actor: Actor, order: Order) -> list[StatusChange]:
    """The order's status changes, newest first (as every timeline reads), from the one log of
    what happened to it (the timeline; an order without a customer has its events there too)."""
    events = TimelineEvent.objects.filter(
        workspace=actor.workspace, order=order, type=OrderStatusChanged.type
    ).select_related("actor")
    return [
        StatusChange(
            at=e.occurred_at,
            old=_status_label(str(e.payload.get("from", ""))),
            new=_status_label(str(e.payload.get("to", ""))),
            reason=str(e.payload.get("reason", "")),
            by=_by(e.actor, e.actor_label),
        )
        for e in events.order_by("-occurred_at", "-id")
    ]


def refund_list(*, actor: Actor, order: Order) -> QuerySet[Refund]:
    """The order's refunds, oldest first, with their lines and who made them (``order`` comes
    from ``order_get``, which scoped it to the actor)."""
    require(actor, Perm.ORDER_VIEW)
    return (
        Refund.objects.filter(workspace=actor.workspace, order=order)
        .select_related("created_by")
        .prefetch_related("lines__order_line")
        .order_by("created_at", "pk")
    )


def refund_get(*, actor: Actor, refund_id: int) -> Refund:
    """One refund, with its order (scoped like ``order_list``), lines and who made it."""
    refund = (
        Refund.objects.filter(pk=refund_id, order__in=order_list(actor=actor).values("pk"))
        .select_related("order", "created_by")
        .prefetch_related("lines")
        .first()
    )
    if refund is None:
        raise NotFound("refund_not_found", _("Refund not found."))
    return refund


def refund_by(refund: Refund) -> str:
    """Who made a refund, as a page or the API shows it."""
    return _by(refund.created_by, refund.created_by_label)


def refundable_lines(*, order: Order) -> list[tuple[OrderLine, int]]:
    """The order's lines, as entered, with the units each still has to refund."""
    return [
        (line, line.quantity - line.refunded_quantity)
        for line in OrderLine.objects.filter(order=order).order_by("pk")
    ]
