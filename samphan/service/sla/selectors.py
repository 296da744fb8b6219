"""Reads: calendars as ``clock.Calendar`` values, the SLA policy a ticket falls under.

Nothing here writes. A workspace that has never saved a calendar is on
``clock.DEFAULT_CALENDAR`` (Mon–Sat 09:00–12:00 and 13:00–18:00, Thai holidays), the same
hours ``services.calendar_ensure_default`` stores the first time the settings are opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from samphan.core.errors import NotFound
from samphan.core.models import Branch, Workspace
from samphan.service.sla.clock import DEFAULT_CALENDAR, Calendar
from samphan.service.sla.models import (
    ANY,
    BusinessCalendar,
    CalendarSlot,
    ClosedDay,
    SlaPolicy,
)


def _with_parts(query: QuerySet[BusinessCalendar]) -> QuerySet[BusinessCalendar]:
    return query.select_related("branch").prefetch_related(
        Prefetch("slots", queryset=CalendarSlot.objects.order_by("weekday", "start_minute")),
        Prefetch("closed_days", queryset=ClosedDay.objects.order_by("date")),
    )


def calendar_list(*, workspace: Workspace) -> QuerySet[BusinessCalendar]:
    """The workspace's calendars, the default first, with slots and closed days."""
    return _with_parts(BusinessCalendar.objects.filter(workspace=workspace)).order_by(
        "-is_default", "name", "pk"
    )


def calendar_get(*, workspace: Workspace, calendar_id: int) -> BusinessCalendar:
    found = _with_parts(
        BusinessCalendar.objects.filter(workspace=workspace, pk=calendar_id)
    ).first()
    if found is None:
        raise NotFound("not_found", _("No such calendar."))
    return found


def calendar_value(calendar: BusinessCalendar) -> Calendar:
    """The stored calendar as a ``clock.Calendar`` (uses prefetched slots/closed days)."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for slot in calendar.slots.all():
        days[slot.weekday].append((slot.start_minute, slot.end_minute))
    return Calendar(
        slots=tuple(tuple(d) for d in days),
        closed_dates=frozenset(d.date for d in calendar.closed_days.all()),
        use_thai_holidays=calendar.use_thai_holidays,
        always_open=calendar.always_open,
    )


def calendar_row_for(
    *, workspace: Workspace | int, branch: Branch | int | None = None
) -> BusinessCalendar | None:
    """The stored calendar for a branch (its own, else the workspace default), or None."""
    branch_id = branch.pk if isinstance(branch, Branch) else branch
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    query = BusinessCalendar.objects.filter(workspace_id=workspace_id)
    if branch_id is not None:
        own = _with_parts(query.filter(branch_id=branch_id)).first()
        if own is not None:
            return own
    return _with_parts(query.filter(is_default=True)).first()


def calendar_for(*, workspace: Workspace | int, branch: Branch | int | None = None) -> Calendar:
    """The business calendar that applies to a branch's tickets (its own calendar, else the
    workspace default, else the built-in default hours). ``branch`` may be a Branch or an id."""
    row = calendar_row_for(workspace=workspace, branch=branch)
    return DEFAULT_CALENDAR if row is None else calendar_value(row)


def policy_list(*, workspace: Workspace) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(workspace=workspace).select_related("calendar")


def policy_get(*, workspace: Workspace, policy_id: int) -> SlaPolicy:
    found = policy_list(workspace=workspace).filter(pk=policy_id).first()
    if found is None:
        raise NotFound("not_found", _("No such SLA policy."))
    return found


def _specificity(policy: SlaPolicy) -> int:
    return (2 if policy.ticket_type != ANY else 0) + (1 if policy.priority != ANY else 0)


def policy_for(*, workspace: Workspace, ticket_type: str, priority: str) -> SlaPolicy | None:
    """The policy a ticket falls under: the most specific match wins (type and priority, then
    type only, then priority only, then any/any). None when no policy matches."""
    candidates = SlaPolicy.objects.filter(
        workspace=workspace, ticket_type__in=(ticket_type, ANY), priority__in=(priority, ANY)
    ).select_related("calendar")
    return max(candidates, key=_specificity, default=None)


def calendar_for_policy(*, policy: SlaPolicy, branch: Branch | int | None = None) -> Calendar:
    """The policy's own calendar when it names one (e.g. a 24/7 calendar for urgent tickets),
    else the branch's calendar, else the workspace default."""
    if policy.calendar_id is not None:
        row = _with_parts(BusinessCalendar.objects.filter(pk=policy.calendar_id)).first()
        if row is not None:
            return calendar_value(row)
    return calendar_for(workspace=policy.workspace_id, branch=branch)


@dataclass(frozen=True)
class SlaTerms:
    """What a ticket is held to: the matched policy's targets and the calendar they run on."""

    policy_id: int
    first_response_minutes: int
    resolution_minutes: int
    escalate: bool
    calendar: Calendar


def sla_for(
    *,
    workspace: Workspace,
    ticket_type: str,
    priority: str,
    branch: Branch | int | None = None,
) -> SlaTerms | None:
    """``policy_for`` and ``calendar_for_policy`` in one call; None when no policy matches."""
    policy = policy_for(workspace=workspace, ticket_type=ticket_type, priority=priority)
    if policy is None:
        return None
    return SlaTerms(
        policy_id=policy.pk,
        first_response_minutes=policy.first_response_minutes,
        resolution_minutes=policy.resolution_minutes,
        escalate=policy.escalate,
        calendar=calendar_for_policy(policy=policy, branch=branch),
    )
