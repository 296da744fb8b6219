"""Writes: business calendars (weekly slots, closed days) and SLA policies.

Owners and managers (``sla.manage``) change them; every member reads them (selectors).
Errors (``ApplicationError``):

- 422 ``invalid_calendar`` (``details.field``): a name too long or empty, a bad weekday or time;
- 422 ``slot_overlap`` (``details.weekday``): two slots of a weekday overlap;
- 422 ``too_many_slots``: more than ``MAX_SLOTS_PER_DAY`` slots on a weekday;
- 422 ``too_many_closed_days`` (``details.year``): more than ``MAX_CLOSED_PER_YEAR`` in a year;
- 422 ``invalid_closed_day``: a date outside 2000–2200, a name too long, a date given twice;
- 422 ``calendar_never_open``: no slot at all and not open 24/7;
- 422 ``branch_not_found``, ``calendar_not_found`` (a body field naming another workspace's or a
  missing branch or calendar);
- 404 ``not_found``: the calendar or policy in the path is not in the workspace;
- 409 ``branch_has_calendar``: the branch already has its own calendar;
- 409 ``default_calendar``: the workspace default calendar can't be deleted (make another the
  default first);
- 409 ``policy_exists``: a policy for that type and priority already exists;
- 422 ``invalid_policy`` (``details.field``): minutes outside 1–525,600, a bad type or priority,
  a first response not before the resolution target;
- 422 ``too_many_calendars``: more than ``MAX_CALENDARS`` in a workspace.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Branch, Workspace
from samphan.core.roles import Perm
from samphan.service.sla.clock import MINUTES_PER_DAY, WEEKDAYS
from samphan.service.sla.models import (
    ANY,
    BusinessCalendar,
    CalendarSlot,
    ClosedDay,
    Priority,
    SlaPolicy,
    TicketType,
)

NAME_MAX = 100
MAX_SLOTS_PER_DAY = 6
MAX_SLOTS = 7 * MAX_SLOTS_PER_DAY
MAX_CLOSED_PER_YEAR = 366
# All the closed days of a calendar (years ahead and behind), so a calendar stays small.
MAX_CLOSED_DAYS = 5 * MAX_CLOSED_PER_YEAR
MAX_CALENDARS = 200
MINUTES_MIN = 1
MINUTES_MAX = 525_600  # a year
FIRST_YEAR, LAST_YEAR = 2000, 2200

# The calendar a workspace starts with: Mon–Sat 09:00–12:00 and 13:00–18:00, Thai holidays.
DEFAULT_SLOTS: tuple[tuple[int, int, int], ...] = tuple(
    (day, start, end) for day in range(6) for start, end in ((540, 720), (780, 1080))
)


@dataclass(frozen=True)
class SlotIn:
    weekday: int  # 0 = Monday … 6 = Sunday
    start_minute: int  # 0–1439
    end_minute: int  # 1–1440 (1440 = 24:00)


@dataclass(frozen=True)
class ClosedDayIn:
    date: dt.date
    name: str = ""


def _invalid(field: str, message: str, code: str = "invalid_calendar") -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=422)


def _name(
    value: str, *, required: bool, field: str = "name", code: str = "invalid_calendar"
) -> str:
    name = " ".join(str(value).split())
    if required and not name:
        raise _invalid(field, _("Give a name."), code)
    if len(name) > NAME_MAX:
        raise _invalid(field, _("A name has at most %(n)s characters.") % {"n": NAME_MAX}, code)
    return name


def _check_slots(slots: Sequence[SlotIn]) -> list[SlotIn]:
    by_day: dict[int, list[SlotIn]] = {}
    for slot in slots:
        if not 0 <= slot.weekday <= 6:
            raise _invalid("slots", _("A weekday is mon, tue, wed, thu, fri, sat or sun."))
        if not (0 <= slot.start_minute < slot.end_minute <= MINUTES_PER_DAY):
            raise _invalid(
                "slots",
                _("Each slot must open before it closes, between 00:00 and 24:00."),
            )
        by_day.setdefault(slot.weekday, []).append(slot)
    for weekday, day in by_day.items():
        if len(day) > MAX_SLOTS_PER_DAY:
            raise ApplicationError(
                "too_many_slots",
                _("At most %(n)s opening periods a day.") % {"n": MAX_SLOTS_PER_DAY},
                {"weekday": WEEKDAYS[weekday]},
                status=422,
            )
        day.sort(key=lambda s: s.start_minute)
        for before, after in itertools.pairwise(day):
            if after.start_minute < before.end_minute:
                raise ApplicationError(
                    "slot_overlap",
                    _("Opening periods on the same day must not overlap."),
                    {"weekday": WEEKDAYS[weekday]},
                    status=422,
                )
    return sorted(slots, key=lambda s: (s.weekday, s.start_minute))


def _check_closed_days(days: Iterable[ClosedDayIn]) -> list[ClosedDayIn]:
    seen: set[dt.date] = set()
    per_year: dict[int, int] = {}
    out = []
    for day in days:
        if not FIRST_YEAR <= day.date.year <= LAST_YEAR:
            raise _invalid(
                "closed_days",
                _("A closed day must be from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
                "invalid_closed_day",
            )
        if day.date in seen:
            raise _invalid(
                "closed_days",
                _("%(date)s is given twice.") % {"date": day.date.isoformat()},
                "invalid_closed_day",
            )
        seen.add(day.date)
        per_year[day.date.year] = per_year.get(day.date.year, 0) + 1
        if per_year[day.date.year] > MAX_CLOSED_PER_YEAR:
            raise ApplicationError(
                "too_many_closed_days",
                _("At most %(n)s closed days a year.") % {"n": MAX_CLOSED_PER_YEAR},
                {"year": day.date.year},
                status=422,
            )
        name = _name(day.name, required=False, field="closed_days", code="invalid_closed_day")
        out.append(ClosedDayIn(date=day.date, name=name))
    if len(out) > MAX_CLOSED_DAYS:
        raise ApplicationError(
            "too_many_closed_days",
            _("At most %(n)s closed days in all.") % {"n": MAX_CLOSED_DAYS},
            {},
            status=422,
        )
    return sorted(out, key=lambda d: d.date)


def _branch(workspace: Workspace, branch_id: int | None) -> Branch | None:
    if branch_id is None:
        return None
    branch = Branch.objects.filter(workspace=workspace, pk=branch_id).first()
    if branch is None:
        raise ApplicationError(
            "branch_not_found", _("No such branch."), {"field": "branch_id"}, status=422
        )
    return branch


def _calendar(workspace: Workspace, calendar_id: int, *, lock: bool = False) -> BusinessCalendar:
    query = BusinessCalendar.objects.filter(workspace=workspace, pk=calendar_id)
    if lock:
        query = query.select_for_update()
    found = query.first()
    if found is None:
        raise NotFound("not_found", _("No such calendar."))
    return found


def _audit(actor: Actor, action: str, target: str, ip: str | None, data: dict) -> None:
    audit_record(
        action=action,
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=target,
        ip=ip,
        data=data,
    )


# ---- calendars -------------------------------------------------------------------------------


def calendar_ensure_default(*, workspace: Workspace) -> BusinessCalendar:
    """The workspace's default calendar, created the first time (Mon–Sat 09:00–12:00 and
    13:00–18:00, closed on Thai public holidays)."""
    found = BusinessCalendar.objects.filter(workspace=workspace, is_default=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            calendar = BusinessCalendar.objects.create(
                workspace=workspace,
                name=str(_("Opening hours")),
                is_default=True,
                use_thai_holidays=True,
            )
            CalendarSlot.objects.bulk_create(
                CalendarSlot(calendar=calendar, weekday=d, start_minute=s, end_minute=e)
                for d, s, e in DEFAULT_SLOTS
            )
            return calendar
    except IntegrityError:  # created by another request at the same moment
        return BusinessCalendar.objects.get(workspace=workspace, is_default=True)


def _write_calendar(
    calendar: BusinessCalendar,
    *,
    slots: Sequence[SlotIn] | None,
    closed_days: Sequence[ClosedDayIn] | None,
) -> None:
    if slots is not None:
        calendar.slots.all().delete()
        CalendarSlot.objects.bulk_create(
            CalendarSlot(
                calendar=calendar,
                weekday=s.weekday,
                start_minute=s.start_minute,
                end_minute=s.end_minute,
            )
            for s in slots
        )
    if closed_days is not None:
        calendar.closed_days.all().delete()
        ClosedDay.objects.bulk_create(
            ClosedDay(calendar=calendar, date=d.date, name=d.name) for d in closed_days
        )


def _check_open(always_open: bool, slots: Sequence[SlotIn]) -> None:
    if not always_open and not slots:
        raise ApplicationError(
            "calendar_never_open",
            _("Give at least one opening period, or make the calendar open 24 hours."),
            {"field": "slots"},
            status=422,
        )


def _branch_free(workspace: Workspace, branch: Branch | None, exclude_id: int | None) -> None:
    if branch is None:
        return
    taken = BusinessCalendar.objects.filter(workspace=workspace, branch=branch)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ApplicationError(
            "branch_has_calendar",
            _("This branch already has its own calendar; change that one."),
            {"field": "branch_id"},
            status=409,
        )


def _default_rule(is_default: bool, branch: Branch | None) -> None:
    if is_default and branch is not None:
        raise _invalid(
            "is_default",
            _("A branch's calendar can't be the workspace default."),
        )


def calendar_create(
    *,
    actor: Actor,
    name: str,
    slots: Sequence[SlotIn],
    closed_days: Sequence[ClosedDayIn] = (),
    branch_id: int | None = None,
    is_default: bool = False,
    always_open: bool = False,
    use_thai_holidays: bool = True,
    ip: str | None = None,
) -> BusinessCalendar:
    require(actor, Perm.SLA_MANAGE)
    workspace = actor.workspace
    clean_name = _name(name, required=True)
    clean_slots = _check_slots(slots)
    clean_days = _check_closed_days(closed_days)
    _check_open(always_open, clean_slots)
    branch = _branch(workspace, branch_id)
    _default_rule(is_default, branch)
    with transaction.atomic():
        if BusinessCalendar.objects.filter(workspace=workspace).count() >= MAX_CALENDARS:
            raise ApplicationError(
                "too_many_calendars",
                _("A workspace has at most %(n)s calendars.") % {"n": MAX_CALENDARS},
                {},
                status=422,
            )
        _branch_free(workspace, branch, None)
        if is_default:
            BusinessCalendar.objects.filter(workspace=workspace, is_default=True).update(
                is_default=False
            )
        else:
            # Whatever is added first, the workspace keeps the standard hours as its default.
            calendar_ensure_default(workspace=workspace)
        try:
            with transaction.atomic():
                calendar = BusinessCalendar.objects.create(
                    workspace=workspace,
                    branch=branch,
                    name=clean_name,
                    is_default=is_default,
                    always_open=always_open,
                    use_thai_holidays=use_thai_holidays,
                )
        except IntegrityError:
            _branch_free(workspace, branch, None)
            raise
        _write_calendar(calendar, slots=clean_slots, closed_days=clean_days)
        _audit(actor, "sla.calendar_created", f"calendar:{calendar.pk}", ip, {"name": clean_name})
    return calendar


def calendar_update(
    *,
    actor: Actor,
    calendar_id: int,
    name: str,
    slots: Sequence[SlotIn],
    closed_days: Sequence[ClosedDayIn] | None = None,
    branch_id: int | None = None,
    is_default: bool | None = None,
    always_open: bool = False,
    use_thai_holidays: bool = True,
    ip: str | None = None,
) -> BusinessCalendar:
    """Replaces the calendar's settings and slots (and its closed days when given).
    ``is_default`` None keeps it as it is; True makes it the workspace default (the old one
    stops being the default); False on the current default is refused (make another the
    default instead)."""
    require(actor, Perm.SLA_MANAGE)
    workspace = actor.workspace
    with transaction.atomic():
        calendar = _calendar(workspace, calendar_id, lock=True)
        clean_name = _name(name, required=True)
        clean_slots = _check_slots(slots)
        clean_days = None if closed_days is None else _check_closed_days(closed_days)
        _check_open(always_open, clean_slots)
        branch = _branch(workspace, branch_id)
        wanted_default = calendar.is_default if is_default is None else is_default
        if calendar.is_default and not wanted_default:
            raise ApplicationError(
                "default_calendar",
                _("This is the workspace default; make another calendar the default instead."),
                {"field": "is_default"},
                status=409,
            )
        _default_rule(wanted_default, branch)
        _branch_free(workspace, branch, calendar.pk)
        if wanted_default and not calendar.is_default:
            BusinessCalendar.objects.filter(workspace=workspace, is_default=True).update(
                is_default=False
            )
        calendar.name = clean_name
        calendar.branch = branch
        calendar.is_default = wanted_default
        calendar.always_open = always_open
        calendar.use_thai_holidays = use_thai_holidays
        calendar.save()
        _write_calendar(calendar, slots=clean_slots, closed_days=clean_days)
        _audit(actor, "sla.calendar_changed", f"calendar:{calendar.pk}", ip, {"name": clean_name})
    return calendar


def calendar_delete(*, actor: Actor, calendar_id: int, ip: str | None = None) -> None:
    """Deletes a calendar; policies that used it fall back to the branch or default calendar."""
    require(actor, Perm.SLA_MANAGE)
    with transaction.atomic():
        calendar = _calendar(actor.workspace, calendar_id, lock=True)
        if calendar.is_default:
            raise ApplicationError(
                "default_calendar",
                _("The workspace default calendar can't be deleted; make another the default "
                  "first."),
                {},
                status=409,
            )  # fmt: skip
        _audit(
            actor, "sla.calendar_deleted", f"calendar:{calendar.pk}", ip, {"name": calendar.name}
        )
        calendar.delete()


def closed_day_add(
    *, actor: Actor, calendar_id: int, date: dt.date, name: str = "", ip: str | None = None
) -> ClosedDay:
    """Adds one closed day (a second one on the same date renames it)."""
    require(actor, Perm.SLA_MANAGE)
    with transaction.atomic():
        calendar = _calendar(actor.workspace, calendar_id, lock=True)
        [clean] = _check_closed_days([ClosedDayIn(date=date, name=name)])
        in_year = calendar.closed_days.filter(date__year=date.year).exclude(date=date).count()
        if in_year >= MAX_CLOSED_PER_YEAR:
            raise ApplicationError(
                "too_many_closed_days",
                _("At most %(n)s closed days a year.") % {"n": MAX_CLOSED_PER_YEAR},
                {"year": date.year},
                status=422,
            )
        if calendar.closed_days.exclude(date=date).count() >= MAX_CLOSED_DAYS:
            raise ApplicationError(
                "too_many_closed_days",
                _("At most %(n)s closed days in all.") % {"n": MAX_CLOSED_DAYS},
                {},
                status=422,
            )
        day, _created = ClosedDay.objects.update_or_create(
            calendar=calendar, date=clean.date, defaults={"name": clean.name}
        )
        _audit(
            actor, "sla.closed_day_added", f"calendar:{calendar.pk}", ip, {"date": date.isoformat()}
        )
    return day


def closed_day_delete(
    *, actor: Actor, calendar_id: int, date: dt.date, ip: str | None = None
) -> None:
    require(actor, Perm.SLA_MANAGE)
    with transaction.atomic():
        calendar = _calendar(actor.workspace, calendar_id, lock=True)
        deleted, _n = calendar.closed_days.filter(date=date).delete()
        if deleted:
            _audit(
                actor,
                "sla.closed_day_removed",
                f"calendar:{calendar.pk}",
                ip,
                {"date": date.isoformat()},
            )


# ---- policies --------------------------------------------------------------------------------


def _policy_fields(
    workspace: Workspace,
    *,
    name: str,
    ticket_type: str,
    priority: str,
    first_response_minutes: int,
    resolution_minutes: int,
    calendar_id: int | None,
) -> tuple[str, BusinessCalendar | None]:
    clean_name = _name(name, required=False, code="invalid_policy")
    if ticket_type != ANY and ticket_type not in TicketType.values:
        raise _invalid("ticket_type", _("Unknown ticket type."), "invalid_policy")
    if priority != ANY and priority not in Priority.values:
        raise _invalid("priority", _("Unknown priority."), "invalid_policy")
    for field, value in (
        ("first_response_minutes", first_response_minutes),
        ("resolution_minutes", resolution_minutes),
    ):
        if isinstance(value, bool) or not MINUTES_MIN <= value <= MINUTES_MAX:
            raise _invalid(
                field,
                _("Minutes must be a whole number from %(low)s to %(high)s.")
                % {"low": MINUTES_MIN, "high": f"{MINUTES_MAX:,}"},
                "invalid_policy",
            )
    if first_response_minutes > resolution_minutes:
        raise _invalid(
            "first_response_minutes",
            _("The first response target can't be longer than the resolution target."),
            "invalid_policy",
        )
    calendar = None
    if calendar_id is not None:
        calendar = BusinessCalendar.objects.filter(workspace=workspace, pk=calendar_id).first()
        if calendar is None:
            raise ApplicationError(
                "calendar_not_found", _("No such calendar."), {"field": "calendar_id"}, status=422
            )
    return clean_name, calendar


def _policy_taken(
    workspace: Workspace, ticket_type: str, priority: str, exclude: int | None
) -> None:
    taken = SlaPolicy.objects.filter(
        workspace=workspace, ticket_type=ticket_type, priority=priority
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ApplicationError(
            "policy_exists",
            _("There is already a policy for this ticket type and priority."),
            {"ticket_type": ticket_type, "priority": priority},
            status=409,
        )


def policy_create(
    *,
    actor: Actor,
    ticket_type: str = ANY,
    priority: str = ANY,
    first_response_minutes: int,
    resolution_minutes: int,
    name: str = "",
    calendar_id: int | None = None,
    escalate: bool = True,
    ip: str | None = None,
) -> SlaPolicy:
    require(actor, Perm.SLA_MANAGE)
    workspace = actor.workspace
    clean_name, calendar = _policy_fields(
        workspace,
        name=name,
        ticket_type=ticket_type,
        priority=priority,
        first_response_minutes=first_response_minutes,
        resolution_minutes=resolution_minutes,
        calendar_id=calendar_id,
    )
    with transaction.atomic():
        _policy_taken(workspace, ticket_type, priority, None)
        try:
            with transaction.atomic():
                policy = SlaPolicy.objects.create(
                    workspace=workspace,
                    name=clean_name,
                    ticket_type=ticket_type,
                    priority=priority,
                    first_response_minutes=first_response_minutes,
                    resolution_minutes=resolution_minutes,
                    calendar=calendar,
                    escalate=escalate,
                )
        except IntegrityError:  # the same policy created at the same moment
            _policy_taken(workspace, ticket_type, priority, None)
            raise
        _audit(
            actor,
            "sla.policy_created",
            f"sla_policy:{policy.pk}",
            ip,
            {"ticket_type": ticket_type, "priority": priority},
        )
    return policy


def policy_update(
    *,
    actor: Actor,
    policy_id: int,
    ticket_type: str = ANY,
    priority: str = ANY,
    first_response_minutes: int,
    resolution_minutes: int,
    name: str = "",
    calendar_id: int | None = None,
    escalate: bool = True,
    ip: str | None = None,
) -> SlaPolicy:
    """Replaces the policy. Tickets already open keep the due times they were given."""
    require(actor, Perm.SLA_MANAGE)
    workspace = actor.workspace
    with transaction.atomic():
        policy = (
            SlaPolicy.objects.select_for_update().filter(workspace=workspace, pk=policy_id).first()
        )
        if policy is None:
            raise NotFound("not_found", _("No such SLA policy."))
        clean_name, calendar = _policy_fields(
            workspace,
            name=name,
            ticket_type=ticket_type,
            priority=priority,
            first_response_minutes=first_response_minutes,
            resolution_minutes=resolution_minutes,
            calendar_id=calendar_id,
        )
        _policy_taken(workspace, ticket_type, priority, policy.pk)
        policy.name = clean_name
        policy.ticket_type = ticket_type
        policy.priority = priority
        policy.first_response_minutes = first_response_minutes
        policy.resolution_minutes = resolution_minutes
        policy.calendar = calendar
        policy.escalate = escalate
        policy.save()
        _audit(
            actor,
            "sla.policy_changed",
            f"sla_policy:{policy.pk}",
            ip,
            {"ticket_type": ticket_type, "priority": priority},
        )
    return policy


def policy_delete(*, actor: Actor, policy_id: int, ip: str | None = None) -> None:
    require(actor, Perm.SLA_MANAGE)
    with transaction.atomic():
        policy = SlaPolicy.objects.filter(workspace=actor.workspace, pk=policy_id).first()
        if policy is None:
            raise NotFound("not_found", _("No such SLA policy."))
        _audit(
            actor,
            "sla.policy_deleted",
            f"sla_policy:{policy.pk}",
            ip,
            {"ticket_type": policy.ticket_type, "priority": policy.priority},
        )
        policy.delete()
