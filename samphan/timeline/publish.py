"""Publishing domain events: write their timeline rows, run the in-transaction subscribers,
and hand the after-commit ones to Celery once the transaction commits.

Call :func:`publish` inside the service's transaction, after the change it describes, so the
rows commit, or roll back, with the change. A bulk path (an import, the seeder) passes all its
events in one call, optionally with its own row writer (``COPY`` on PostgreSQL).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from samphan.timeline.models import SubscriberFailure, TimelineEvent
from samphan.timeline.registry import SUBSCRIBERS, DomainEvent, Phase, subscribers_for

logger = logging.getLogger(__name__)

RowWriter = Callable[[list[TimelineEvent]], None]
# Events per Celery message for an after-commit subscriber (an import may publish 100,000).
MESSAGE_EVENTS = 5000
# In-process (eager) deliveries are tried this many times before they are recorded as failed.
EAGER_ATTEMPTS = 3


def timeline_row(event: DomainEvent) -> TimelineEvent:
    """The row an event is stored as (unsaved)."""
    actor = event.event_actor
    return TimelineEvent(
        workspace_id=event.workspace_id,
        customer_id=event.customer_id,
        order_id=event.order_id,
        type=event.type,
        occurred_at=event.occurred_at or timezone.now(),
        actor_id=actor.user_id if actor is not None else None,
        actor_label=actor.label if actor is not None else "",
        payload=event.payload(),
        links=event.links(),
    )


def _bulk_create(rows: list[TimelineEvent]) -> None:
    TimelineEvent.objects.bulk_create(rows, batch_size=1000)


def publish(
    events: Sequence[DomainEvent] | DomainEvent, *, write_rows: RowWriter | None = None
) -> list[TimelineEvent]:
    """Record ``events`` on the timeline and notify their subscribers. Returns the rows (with
    ids when written by the default writer on a database that returns them)."""
    batch = [events] if isinstance(events, DomainEvent) else list(events)
    if not batch:
        return []
    rows = [timeline_row(e) for e in batch]
    if write_rows is None:
        if len(rows) == 1:
            rows[0].save(force_insert=True)
        else:
            _bulk_create(rows)
    else:
        write_rows(rows)
    _dispatch(batch)
    return rows


def _groups(
    events: Sequence[DomainEvent], phase: Phase
) -> dict[tuple[str, int], list[DomainEvent]]:
    """Events per (subscriber, workspace), in publication order."""
    groups: dict[tuple[str, int], list[DomainEvent]] = defaultdict(list)
    for event in events:
        for sub in subscribers_for(event.type, phase):
            groups[(sub.name, event.workspace_id)].append(event)
    return groups


def _dispatch(events: Sequence[DomainEvent]) -> None:
    for (name, _workspace), group in _groups(events, Phase.IN_TRANSACTION).items():
        SUBSCRIBERS[name].handler(group)
    for (name, _workspace), group in _groups(events, Phase.AFTER_COMMIT).items():
        for start in range(0, len(group), MESSAGE_EVENTS):
            messages = [e.as_message() for e in group[start : start + MESSAGE_EVENTS]]
            transaction.on_commit(_sender(name, messages))


def _sender(name: str, messages: list[dict[str, Any]]) -> Callable[[], None]:
    def send() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            deliver_in_process(name, messages)
        else:
            from samphan.timeline.tasks import deliver_task

            deliver_task.delay(name, messages)

    return send


def deliver(name: str, messages: list[dict[str, Any]]) -> None:
    """Run one after-commit subscriber on serialised events (what the Celery task does)."""
    subscriber = SUBSCRIBERS.get(name)
    if subscriber is None:
        raise LookupError(f"unknown subscriber {name!r}")
    events = [DomainEvent.from_message(m) for m in messages]
    with transaction.atomic():
        subscriber.handler(events)


def deliver_in_process(name: str, messages: list[dict[str, Any]]) -> None:
    """Eager mode: deliver now, in this process, retrying a few times; a subscriber that still
    fails is logged and recorded, and the request that committed the change goes on."""
    error: BaseException | None = None
    for _attempt in range(EAGER_ATTEMPTS):
        try:
            deliver(name, messages)
            return
        except Exception as exc:
            error = exc
            logger.warning("subscriber %s failed (attempt %s): %s", name, _attempt + 1, exc)
    assert error is not None
    failure_record(name, messages, error, attempts=EAGER_ATTEMPTS)


def failure_record(
    name: str, messages: list[dict[str, Any]], error: BaseException, *, attempts: int
) -> SubscriberFailure:
    logger.error(
        "subscriber %s failed for good after %s attempts on %s events",
        name,
        attempts,
        len(messages),
        exc_info=error,
    )
    return SubscriberFailure.objects.create(
        subscriber=name,
        workspace_id=messages[0]["workspace_id"] if messages else None,
        event_types=sorted({m["type"] for m in messages}),
        messages=messages,
        error=f"{type(error).__name__}: {error}"[:2000],
        attempts=attempts,
    )


def failures_retry(*, failure_ids: Sequence[int] | None = None) -> tuple[int, int]:
    """Deliver recorded failures again; returns (delivered, still failing)."""
    failures = SubscriberFailure.objects.filter(resolved_at__isnull=True)
    if failure_ids is not None:
        failures = failures.filter(pk__in=failure_ids)
    delivered = failing = 0
    for failure in failures.order_by("pk"):
        try:
            deliver(failure.subscriber, failure.messages)
        except Exception as exc:
            failing += 1
            failure.attempts += 1
            failure.error = f"{type(exc).__name__}: {exc}"[:2000]
            failure.save(update_fields=["attempts", "error"])
            continue
        delivered += 1
        failure.resolved_at = timezone.now()
        failure.save(update_fields=["resolved_at"])
    return delivered, failing
