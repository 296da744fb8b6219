"""Publishing domain events: write their timeline rows, run the in-transaction subscribers,
and hand the after-commit ones to Celery once the transaction commits.

Call :func:`publish` inside the service's transaction, after the change it describes, so the
rows commit, or roll back, with the change. A bulk path (an import, the seeder) passes all its
events in one call, optionally with its own row writer (``COPY`` on PostgreSQL).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from samphan.core.bulk import BulkTable, RowSink
from samphan.timeline.models import SubscriberFailure, TimelineEvent
from samphan.timeline.registry import SUBSCRIBERS, DomainEvent, Phase, subscribers_for

logger = logging.getLogger(__name__)

# Writes the timeline rows of some events (a bulk path's own writer: ``sink_writer``).
RowWriter = Callable[[Sequence[DomainEvent]], None]
# Events per Celery message for an after-commit subscriber (an import may publish 100,000).
MESSAGE_EVENTS = 5000
# In-process (eager) deliveries are tried this many times before they are recorded as failed.
EAGER_ATTEMPTS = 3


@dataclass
class _Gathered:
    in_transaction: dict[tuple[str, int], list[DomainEvent]] = field(
        default_factory=lambda: defaultdict(list)
    )
    after_commit: dict[tuple[str, int], list[DomainEvent]] = field(
        default_factory=lambda: defaultdict(list)
    )


# The row writer of the publication being dispatched: events that its in-transaction
# subscribers publish in turn (a lifecycle change after an order) are written the same way.
_row_writer: ContextVar[RowWriter | None] = ContextVar("timeline_row_writer", default=None)
# Inside ``deliveries_gathered``: the events waiting for the end of the bulk write, per phase
# and (subscriber, workspace).
_gathered: ContextVar[_Gathered | None] = ContextVar("timeline_gathered", default=None)


@dataclass
class _Deferred:
    """After-commit deliveries held by ``deliveries_deferred``: those of the transactions that
    committed inside the block, per (subscriber, workspace), in commit order."""

    held: dict[tuple[str, int], list[DomainEvent]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def hold(self, name: str, group: list[DomainEvent]) -> None:
        if group:
            self.held[(name, group[0].workspace_id)].extend(group)

    def release(self) -> None:
        held, self.held = self.held, defaultdict(list)
        for (name, _workspace), group in held.items():
            _on_commit(name, group)


# Inside ``deliveries_deferred``: where committed transactions leave their after-commit
# deliveries until the block ends.
_deferred: ContextVar[_Deferred | None] = ContextVar("timeline_deferred", default=None)


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


_SINK_COLUMNS = (
    "workspace_id", "customer_id", "order_id", "type", "occurred_at", "actor_id", "actor_label",
    "payload", "links",
)  # fmt: skip


def sink_writer(sink: RowSink) -> RowWriter:
    """A row writer for bulk paths: the rows ``timeline_row`` would make, as plain tuples
    through ``sink`` (``executemany`` or ``COPY``), without a model instance each."""

    def write(events: Sequence[DomainEvent]) -> None:
        table = BulkTable(sink, TimelineEvent, _SINK_COLUMNS)
        now = timezone.now()
        for e in events:
            actor = e.event_actor
            table.add(
                e.workspace_id, e.customer_id, e.order_id, e.type,
                sink.datetime(e.occurred_at or now),
                actor.user_id if actor is not None else None,
                actor.label if actor is not None else "",
                sink.json(e.payload()), sink.json(e.links()),
            )  # fmt: skip
        table.flush()

    return write


def publish(
    events: Sequence[DomainEvent] | DomainEvent, *, write_rows: RowWriter | None = None
) -> list[TimelineEvent]:
    """Record ``events`` on the timeline and notify their subscribers. Returns the rows written
    by the default writer (with ids on a database that returns them); none with ``write_rows``
    (which the events that the subscribers publish in turn are written with too)."""
    batch = [events] if isinstance(events, DomainEvent) else list(events)
    if not batch:
        return []
    write_rows = write_rows or _row_writer.get()
    if write_rows is None:
        rows = [timeline_row(e) for e in batch]
        if len(rows) == 1:
            rows[0].save(force_insert=True)
        else:
            _bulk_create(rows)
        _dispatch(batch)
        return rows
    write_rows(batch)
    token = _row_writer.set(write_rows)
    try:
        _dispatch(batch)
    finally:
        _row_writer.reset(token)
    return []


@contextmanager
def deliveries_gathered(*, write_rows: RowWriter | None = None) -> Iterator[None]:
    """For a bulk write that publishes many batches (an import, a seed chunk): its timeline
    rows are written as they are published (with ``write_rows``, also those that subscribers
    publish in turn), but each subscriber gets all of its events together at the end: the
    in-transaction ones before the block ends, still inside the caller's transaction, and the
    after-commit ones after the commit (25,000 new customers: one purchase summary refresh and
    one duplicate rescan, not fifty). If the block raises, no subscriber runs."""
    if _gathered.get() is not None:
        yield
        return
    gathered = _Gathered()
    writer_token = _row_writer.set(write_rows) if write_rows is not None else None
    try:
        token = _gathered.set(gathered)
        try:
            yield
        finally:
            _gathered.reset(token)
        # What these subscribers publish in turn is dispatched at once.
        for (name, _workspace), group in gathered.in_transaction.items():
            SUBSCRIBERS[name].handler(group)
    finally:
        if writer_token is not None:
            _row_writer.reset(writer_token)
    for (name, _workspace), group in gathered.after_commit.items():
        _on_commit(name, group)


@contextmanager
def deliveries_deferred() -> Iterator[None]:
    """For a bulk write made of many transactions (a seed in chunks, an import in parts): the
    after-commit subscribers get, once when the block ends, the events of every transaction
    that committed inside it, instead of once per transaction. A subscriber whose work grows
    with the workspace, not with its events (the duplicate rescan blocks on every customer's
    keys once it is handed more than a thousand), then runs once for the whole write on the
    final data. In-transaction subscribers are not affected: they run in their transaction.

    A transaction rolled back inside the block delivers nothing; one that committed delivers
    even if the block then raises (its changes are there). Opened inside a transaction, the
    block's deliveries wait for that transaction's commit. The held events stay in memory
    until the block ends (about 200 bytes an event: 1,000,000 new customers ≈ 200 MB). With a
    broker they are sent as any bulk publication's are, ``MESSAGE_EVENTS`` to a message."""
    if _deferred.get() is not None:
        yield
        return
    deferred = _Deferred()
    token = _deferred.set(deferred)
    try:
        yield
    finally:
        _deferred.reset(token)
        if transaction.get_connection().in_atomic_block:
            # Nothing inside has committed yet: the holds run at the outer commit, in the order
            # they were registered, and this release after them.
            transaction.on_commit(deferred.release)
        else:
            deferred.release()


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
    gathered = _gathered.get()
    for key, group in _groups(events, Phase.IN_TRANSACTION).items():
        if gathered is not None:
            gathered.in_transaction[key].extend(group)
        else:
            SUBSCRIBERS[key[0]].handler(group)
    for key, group in _groups(events, Phase.AFTER_COMMIT).items():
        if gathered is not None:
            gathered.after_commit[key].extend(group)
        else:
            _on_commit(key[0], group)


def _on_commit(name: str, group: list[DomainEvent]) -> None:
    """Send ``group`` to subscriber ``name`` once the transaction commits: in one piece when
    delivered in-process, else in Celery messages of ``MESSAGE_EVENTS`` events. Inside
    ``deliveries_deferred`` the group waits, once committed, for the end of that block."""
    deferred = _deferred.get()
    if deferred is not None:
        transaction.on_commit(lambda: deferred.hold(name, group))
        return
    size = len(group) if settings.CELERY_TASK_ALWAYS_EAGER else MESSAGE_EVENTS
    for start in range(0, len(group), size):
        part = group[start : start + size]
        # Serialised now in either case: an event that cannot cross to a worker fails here,
        # in development too, not in production only.
        messages = [e.as_message() for e in part]
        transaction.on_commit(_sender(name, part, messages))


def _sender(
    name: str, events: list[DomainEvent], messages: list[dict[str, Any]]
) -> Callable[[], None]:
    def send() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            deliver_in_process(name, messages, events=events)
        else:
            from samphan.timeline.tasks import deliver_task

            deliver_task.delay(name, messages)

    return send


def deliver(
    name: str, messages: list[dict[str, Any]], *, events: Sequence[DomainEvent] | None = None
) -> None:
    """Run one after-commit subscriber on serialised events (what the Celery task does);
    in-process, on the ``events`` themselves when they are at hand."""
    subscriber = SUBSCRIBERS.get(name)
    if subscriber is None:
        raise LookupError(f"unknown subscriber {name!r}")
    if events is None:
        events = [DomainEvent.from_message(m) for m in messages]
    with transaction.atomic():
        subscriber.handler(events)


def deliver_in_process(
    name: str, messages: list[dict[str, Any]], *, events: Sequence[DomainEvent] | None = None
) -> None:
    """Eager mode: deliver now, in this process, retrying a few times; a subscriber that still
    fails is logged and recorded, and the request that committed the change goes on."""
    error: BaseException | None = None
    for _attempt in range(EAGER_ATTEMPTS):
        try:
            deliver(name, messages, events=events)
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
