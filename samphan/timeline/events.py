"""One writer per event type (after Saleor's order/events.py). Call inside the service's
transaction so the event commits, or rolls back, with the change it describes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from samphan.timeline.models import EventType, TimelineEvent

if TYPE_CHECKING:
    from samphan.core.access import Actor


def _event(
    *,
    workspace_id: int,
    customer_id: int,
    type: str,
    actor: Actor | None,
    payload: dict[str, Any] | None = None,
    links: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=type,
        occurred_at=occurred_at or timezone.now(),
        actor=actor.user if actor is not None else None,
        actor_label=actor.label if actor is not None else "",
        payload=payload or {},
        links=links or {},
    )


def customer_created_event(
    *, workspace_id: int, customer_id: int, actor: Actor | None, source: str
) -> TimelineEvent:
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.CUSTOMER_CREATED,
        actor=actor,
        payload={"source": source},
    )


def order_placed_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    order_id: int,
    number: str,
    total_satang: int,
    channel: str,
    occurred_at: dt.datetime,
) -> TimelineEvent:
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.ORDER_PLACED,
        actor=actor,
        payload={"number": number, "total_satang": total_satang, "channel": channel},
        links={"order": order_id},
        occurred_at=occurred_at,
    )
