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


def customer_updated_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    changes: dict[str, dict[str, Any]],
    section: str = "profile",
) -> TimelineEvent:
    """``changes`` is ``{field: {"from": old, "to": new}}``; ``section`` says what was edited:
    profile, tags, contacts (a removal) or address."""
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.CUSTOMER_UPDATED,
        actor=actor,
        payload={"section": section, "changes": changes},
    )


def contact_added_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    contact_id: int,
    kind: str,
    value: str,
) -> TimelineEvent:
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.CONTACT_ADDED,
        actor=actor,
        payload={"kind": kind, "value": value},
        links={"contact": contact_id},
    )


def consent_changed_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    consent_id: int,
    purpose: str,
    granted: bool,
    source: str,
    notice_version: str,
    occurred_at: dt.datetime,
) -> TimelineEvent:
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.CONSENT_CHANGED,
        actor=actor,
        payload={
            "purpose": purpose,
            "granted": granted,
            "source": source,
            "notice_version": notice_version,
        },
        links={"consent": consent_id},
        occurred_at=occurred_at,
    )


def note_added_event(
    *, workspace_id: int, customer_id: int, actor: Actor | None, text: str, pinned: bool
) -> TimelineEvent:
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.NOTE_ADDED,
        actor=actor,
        payload={"text": text, "pinned": pinned},
    )


def order_status_changed_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    order_id: int,
    number: str,
    old_status: str,
    new_status: str,
    total_satang: int,
    reason: str = "",
) -> TimelineEvent:
    """A refund, return or cancellation of an order (with the reason a person gave; imports,
    which copy a marketplace's status, give none)."""
    payload: dict[str, Any] = {
        "number": number,
        "from": old_status,
        "to": new_status,
        "total_satang": total_satang,
    }
    if reason:
        payload["reason"] = reason
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.ORDER_STATUS_CHANGED,
        actor=actor,
        payload=payload,
        links={"order": order_id},
    )


def interaction_logged_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    interaction_id: int,
    kind: str,
    summary: str,
    outcome: str,
    pain_points: str,
    next_step: str,
    occurred_at: dt.datetime,
) -> TimelineEvent:
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.INTERACTION_LOGGED,
        actor=actor,
        payload={
            "kind": kind,
            "summary": summary,
            "outcome": outcome,
            "pain_points": pain_points,
            "next_step": next_step,
        },
        links={"interaction": interaction_id},
        occurred_at=occurred_at,
    )


def followup_created_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    followup_id: int,
    title: str,
    due_at: dt.datetime,
    assignee: str,
) -> TimelineEvent:
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.FOLLOWUP_CREATED,
        actor=actor,
        payload={"title": title, "due_at": due_at.isoformat(), "assignee": assignee},
        links={"followup": followup_id},
    )


def followup_done_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    followup_id: int,
    title: str,
    status: str,
    note: str = "",
) -> TimelineEvent:
    """The follow-up is closed: ``status`` is ``done`` or ``cancelled``."""
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.FOLLOWUP_DONE,
        actor=actor,
        payload={"title": title, "status": status, "note": note},
        links={"followup": followup_id},
    )


def customer_merge_recorded_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    merged_customer_id: int,
    merged_name: str,
    merge_log_id: int,
    moved: dict[str, int],
    fields_from_merged: list[str],
) -> TimelineEvent:
    """``customer.merged`` on the surviving customer, with what moved over (rows per relation,
    ``{"commerce.Order.customer": 3, …}``) and which profile fields were taken from the merged
    record."""
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.CUSTOMER_MERGED,
        actor=actor,
        payload={
            "merged_customer_id": merged_customer_id,
            "merged_name": merged_name,
            "moved": moved,
            "fields_from_merged": fields_from_merged,
        },
        links={"customer": merged_customer_id, "merge_log": merge_log_id},
    )


def customer_merge_undone_event(
    *,
    workspace_id: int,
    customer_id: int,
    actor: Actor | None,
    other_customer_id: int,
    other_name: str,
    merge_log_id: int,
    role: str,
    moved_back: dict[str, int],
) -> TimelineEvent:
    """``customer.unmerged``, written on both customers of the undone merge. ``role`` is
    ``survivor`` or ``restored`` (the record that is a separate customer again); the payload's
    ``restored_customer_id``/``restored_name`` name the *other* customer."""
    return _event(
        workspace_id=workspace_id,
        customer_id=customer_id,
        type=EventType.CUSTOMER_UNMERGED,
        actor=actor,
        payload={
            "restored_customer_id": other_customer_id,
            "restored_name": other_name,
            "role": role,
            "moved_back": moved_back,
        },
        links={"customer": other_customer_id, "merge_log": merge_log_id},
    )
