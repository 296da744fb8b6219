"""Reads for channels and orders, workspace-scoped (and branch-scoped for limited staff)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from samphan.commerce.models import Order, OrderStatus, SalesChannel
from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.models import AuditLog
from samphan.core.roles import Perm
from samphan.timeline.models import EventType, TimelineEvent


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
    order = order_list(actor=actor).prefetch_related("lines").filter(pk=order_id).first()
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
    """The order's status changes, oldest first: from the customer's timeline (which also holds
    the changes imports made), or from the audit log for an order without a customer."""
    if order.customer_id is not None:
        events = TimelineEvent.objects.filter(
            workspace=actor.workspace,
            customer_id=order.customer_id,
            type=EventType.ORDER_STATUS_CHANGED,
            links__order=order.pk,
        ).select_related("actor")
        return [
            StatusChange(
                at=e.occurred_at,
                old=_status_label(str(e.payload.get("from", ""))),
                new=_status_label(str(e.payload.get("to", ""))),
                reason=str(e.payload.get("reason", "")),
                by=_by(e.actor, e.actor_label),
            )
            for e in events.order_by("occurred_at", "id")
        ]
    entries = AuditLog.objects.filter(
        workspace=actor.workspace, action="order.status_changed", data__order_id=order.pk
    ).select_related("actor")
    return [
        StatusChange(
            at=a.created_at,
            old=_status_label(str(a.data.get("from", ""))),
            new=_status_label(str(a.data.get("to", ""))),
            reason=str(a.data.get("reason", "")),
            by=_by(a.actor, a.actor_label),
        )
        for a in entries.order_by("created_at", "id")
    ]
