"""The timeline's part of a person's data (the data-subject registry, ``core.datasubject``):
every event about them. Erasure keeps each event's type, time and amounts (the history of
orders stays true) and blanks the text of its payload; events elsewhere that name the person
(a merge recorded on another customer) and failed deliveries have the person's identifiers
swept out.

Also :func:`timeline_values_mask`, which hides a removed contact's value on its customer's
timeline (called by the privacy app's subscriber to contact removals)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    ERASED_MARK,
    SCRUBBED,
    Holding,
    Subject,
    Sweeper,
    blank_free_text,
    combined,
    register_part,
    scrub_json,
)
from samphan.timeline.models import SubscriberFailure, TimelineEvent

# Top-level payload keys whose values are codes (a status, a stage, an order number), kept
# when an event about an erased person is blanked, unless the value names them.
CODE_KEYS = frozenset(
    {"source", "section", "kind", "purpose", "status", "from", "to", "role", "channel",
     "number", "notice_version"}
)  # fmt: skip
BATCH = 500


def events_export(subject: Subject) -> list[dict[str, Any]]:
    rows = TimelineEvent.objects.filter(
        workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
    ).order_by("occurred_at", "pk")
    # Who on the staff recorded each event is left out: it is about them, not the person.
    return [
        {
            "type": e.type,
            "label": e.label,
            "occurred_at": e.occurred_at.isoformat(),
            "payload": e.payload,
        }
        for e in rows.iterator(chunk_size=BATCH)
    ]


def _save(rows: list[TimelineEvent]) -> None:
    TimelineEvent.objects.bulk_update(rows, ["payload"], batch_size=BATCH)


def events_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    for subject in (combined(subjects),):
        sweeper = Sweeper.of(subject.identifiers)
        own = TimelineEvent.objects.filter(
            workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
        )
        pending: list[TimelineEvent] = []
        for event in own.iterator(chunk_size=BATCH):
            blanked = blank_free_text(event.payload, sweeper, keep_keys=CODE_KEYS)
            if blanked != event.payload:
                event.payload = blanked
                pending.append(event)
        # Events on other records that name them: a merge or an undone merge.
        naming = TimelineEvent.objects.filter(
            workspace_id=subject.workspace_id, links__customer__in=list(subject.customer_ids)
        ).exclude(customer_id__in=subject.customer_ids)
        for event in naming.iterator(chunk_size=BATCH):
            payload, did = scrub_json(event.payload, sweeper)
            if did:
                event.payload = payload
                pending.append(event)
        _save(pending)
        changed += len(pending)
        changed += _failures_erase(subject, sweeper)
    return changed


def _failures_erase(subject: Subject, sweeper: Sweeper) -> int:
    changed = 0
    failures = SubscriberFailure.objects.filter(workspace_id=subject.workspace_id)
    ids = set(subject.customer_ids)
    for failure in failures.iterator(chunk_size=BATCH):
        messages: list[Any] = []
        did_any = False
        for message in failure.messages or []:
            if isinstance(message, dict) and message.get("customer_id") in ids:
                message = {**message, "payload": blank_free_text(message.get("payload") or {},
                                                                 sweeper, keep_keys=CODE_KEYS)}  # fmt: skip
                did_any = True
            else:
                message, did = scrub_json(message, sweeper)
                did_any |= did
            messages.append(message)
        error, did = scrub_json(failure.error, sweeper)
        if did_any or did:
            failure.messages = messages
            failure.error = error
            failure.save(update_fields=["messages", "error"])
            changed += 1
    return changed


def timeline_values_mask(*, workspace_id: int, customer_id: int, values: Iterable[str]) -> int:
    """Hide ``values`` (a removed phone, email or ID) wherever the customer's timeline shows
    them: the value becomes ``•••``. Returns the number of events changed."""
    sweeper = Sweeper.of(values)
    if not sweeper:
        return 0
    pending: list[TimelineEvent] = []
    rows = TimelineEvent.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
    for event in rows.iterator(chunk_size=BATCH):
        payload, did = scrub_json(event.payload, sweeper, mark=ERASED_MARK)
        if did:
            event.payload = payload
            pending.append(event)
    _save(pending)
    return len(pending)


register_part(
    key="timeline.events",
    label=gettext_lazy("Timeline"),
    holds=[
        Holding(
            "timeline.TimelineEvent",
            personal=("payload",),
            kept=("customer", "order", "type", "occurred_at", "actor", "actor_label", "links"),
            how=SCRUBBED,
        ),
        Holding(
            "timeline.SubscriberFailure",
            personal=("messages", "error"),
            kept=("subscriber", "event_types", "attempts", "failed_at", "resolved_at"),
            how=SCRUBBED,
        ),
    ],
    export=events_export,
    erase=events_erase,
    order=30,
)
