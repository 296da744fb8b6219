"""A ticket's SLA due times: its policy's targets counted on its business calendar, with the
time spent paused left out. All the calendar arithmetic is ``samphan.service.sla.clock``'s;
this module only says which policy, which calendar and which pauses apply to a ticket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from samphan.service.models import ACTIVE_STATUSES, Ticket, TicketStatus
from samphan.service.sla.clock import Calendar, due_with_pauses, is_open
from samphan.service.sla.selectors import calendar_for, sla_for

Pauses = list[tuple[dt.datetime, dt.datetime | None]]


@dataclass(frozen=True)
class Targets:
    first_response_minutes: int | None
    resolution_minutes: int | None
    calendar: Calendar
    escalate: bool = True


def ticket_targets(ticket: Ticket) -> Targets | None:
    """The ticket's policy (by type and priority) on its calendar; None without a policy."""
    terms = sla_for(
        workspace=ticket.workspace,
        ticket_type=ticket.type,
        priority=ticket.priority,
        branch=ticket.branch_id,
    )
    if terms is None:
        return None
    return Targets(
        first_response_minutes=terms.first_response_minutes,
        resolution_minutes=terms.resolution_minutes,
        calendar=terms.calendar,
        escalate=terms.escalate,
    )


def ticket_calendar(ticket: Ticket) -> Calendar:
    targets = ticket_targets(ticket)
    if targets is not None:
        return targets.calendar
    return calendar_for(workspace=ticket.workspace, branch=ticket.branch_id)


def ticket_pauses(ticket: Ticket) -> Pauses:
    return [(p.paused_at, p.resumed_at) for p in ticket.pauses.order_by("paused_at", "pk")]


def ticket_dues_refresh(ticket: Ticket, *, pauses: Pauses | None = None) -> None:
    """Set (not save) ``first_response_due`` and ``resolution_due``. While the clocks are
    paused a due time that was not already reached before the pause is unknown (None); the
    first-response clock ignores pauses that began after the first answer."""
    targets = ticket_targets(ticket)
    if targets is None:
        ticket.first_response_due = ticket.resolution_due = None
        return
    if pauses is None:
        pauses = ticket_pauses(ticket)
    cal = targets.calendar
    if targets.first_response_minutes is None:
        ticket.first_response_due = None
    else:
        answered = ticket.first_responded_at
        before = [p for p in pauses if answered is None or p[0] < answered]
        ticket.first_response_due = due_with_pauses(
            cal, ticket.opened_at, targets.first_response_minutes, before
        )
    if targets.resolution_minutes is None:
        ticket.resolution_due = None
    else:
        ticket.resolution_due = due_with_pauses(
            cal, ticket.opened_at, targets.resolution_minutes, pauses
        )


def open_now(ticket: Ticket, now: dt.datetime) -> bool:
    """Whether the ticket's business calendar is open at ``now`` (escalations wait for it)."""
    return is_open(ticket_calendar(ticket), now)


def clocks_running(ticket: Ticket) -> bool:
    return ticket.status in ACTIVE_STATUSES and ticket.status != TicketStatus.WAITING
