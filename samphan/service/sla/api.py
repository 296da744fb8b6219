"""API: business calendars and SLA policies.

Everyone with a key reads; writes need ``sla.manage`` (owners, managers, read-write API keys).
Times of day are "HH:MM" in Asia/Bangkok; a slot may end at "24:00".
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, DueTime, ErrorOut, Id, column
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.service.sla import selectors, services
from samphan.service.sla.clock import (
    BANGKOK,
    WEEKDAYS,
    add_business_minutes,
    format_hhmm,
    is_open,
    parse_hhmm,
)
from samphan.service.sla.models import ANY, BusinessCalendar, Priority, SlaPolicy, TicketType

router = ApiRouter(tags=["sla"])

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_START = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_END = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"

CALENDAR_ERRORS = (
    "422 `invalid_calendar` (`details.field`), `slot_overlap` (`details.weekday`), "
    "`too_many_slots` (more than 6 on a weekday), `calendar_never_open` (no slot and not "
    "`always_open`), `invalid_closed_day`, `too_many_closed_days` (more than 366 in a year), "
    "`branch_not_found`, `too_many_calendars`, `validation_error`; 409 `branch_has_calendar`, "
    "`default_calendar`; 403 `permission_denied` (a role without `sla.manage`) or "
    "`read_only_key`."
)
POLICY_ERRORS = (
    "422 `invalid_policy` (`details.field`: minutes outside 1–525,600, first response longer "
    "than resolution, a name over 100 characters), `calendar_not_found`, `validation_error`; "
    "409 `policy_exists` (one policy per type and priority); 403 `permission_denied` (a role "
    "without `sla.manage`) or `read_only_key`."
)


# ---- calendars -------------------------------------------------------------------------------


class SlotSchema(Schema):
    weekday: Weekday
    start: str = Field(pattern=_START, description="opens, HH:MM (00:00–23:59)")
    end: str = Field(pattern=_END, description="closes, HH:MM (00:01–24:00), after start")


class ClosedDaySchema(Schema):
    date: dt.date = Field(description="from 2000-01-01 to 2200-12-31")
    name: str = Field("", max_length=services.NAME_MAX)


class CalendarOut(Schema):
    id: int
    name: str
    branch_id: int | None = Field(description="set: this branch's own calendar")
    is_default: bool = Field(description="the workspace default (used where a branch has none)")
    always_open: bool = Field(description="24/7: every minute counts, holidays too")
    use_thai_holidays: bool = Field(description="closed on Thai public holidays (substitutes too)")
    timezone: str = "Asia/Bangkok"
    slots: list[SlotSchema]
    closed_days: list[ClosedDaySchema]

    @staticmethod
    def resolve_slots(obj: BusinessCalendar) -> list[dict[str, Any]]:
        return [
            {
                "weekday": WEEKDAYS[s.weekday],
                "start": format_hhmm(s.start_minute),
                "end": format_hhmm(s.end_minute),
            }
            for s in obj.slots.all()
        ]

    @staticmethod
    def resolve_closed_days(obj: BusinessCalendar) -> list[dict[str, Any]]:
        return [{"date": d.date, "name": d.name} for d in obj.closed_days.all()]


class CalendarIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Opening hours",
                    "slots": [
                        {"weekday": "mon", "start": "09:00", "end": "12:00"},
                        {"weekday": "mon", "start": "13:00", "end": "18:00"},
                        {"weekday": "sat", "start": "10:00", "end": "16:00"},
                    ],
                    "closed_days": [{"date": "2026-12-28", "name": "Stock-take"}],
                    "use_thai_holidays": True,
                },
                {"name": "Hotline 24/7", "always_open": True, "slots": []},
            ]
        }
    }

    name: str = Field(min_length=1, max_length=services.NAME_MAX)
    branch_id: Id | None = Field(None, description="a branch's own calendar; none: workspace-wide")
    is_default: bool | None = Field(
        None, description="make it the workspace default (not for a branch calendar)"
    )
    always_open: bool = False
    use_thai_holidays: bool = True
    slots: list[SlotSchema] = Field(default_factory=list, max_length=services.MAX_SLOTS)
    closed_days: list[ClosedDaySchema] | None = Field(
        None,
        max_length=services.MAX_CLOSED_DAYS,
        description="replaces every closed day; left out on PUT: kept as they are",
    )


def _slots(payload: CalendarIn) -> list[services.SlotIn]:
    out = []
    for slot in payload.slots:
        try:
            start, end = parse_hhmm(slot.start), parse_hhmm(slot.end, allow_24=True)
        except ValueError:
            raise ApplicationError(
                "invalid_calendar",
                _("Give times as HH:MM, e.g. 09:00 (24:00 for midnight at the end of a day)."),
                {"field": "slots"},
                status=422,
            ) from None
        out.append(
            services.SlotIn(
                weekday=WEEKDAYS.index(slot.weekday), start_minute=start, end_minute=end
            )
        )
    return out


def _closed(payload: CalendarIn) -> list[services.ClosedDayIn] | None:
    if payload.closed_days is None:
        return None
    return [services.ClosedDayIn(date=d.date, name=d.name) for d in payload.closed_days]


def _calendar_out(request: HttpRequest, calendar_id: int) -> BusinessCalendar:
    return selectors.calendar_get(workspace=actor_of(request).workspace, calendar_id=calendar_id)


@router.get(
    "/sla/calendars",
    response=list[CalendarOut],
    summary="List business calendars, the workspace default first",
    description=(
        "A workspace that has none gets its default calendar the first time they are listed: "
        "Monday–Saturday 09:00–12:00 and 13:00–18:00, closed on Thai public holidays. At most "
        f"{services.MAX_CALENDARS} calendars."
    ),
)
def calendar_list(request: HttpRequest) -> object:
    workspace = actor_of(request).workspace
    services.calendar_ensure_default(workspace=workspace)
    return list(selectors.calendar_list(workspace=workspace))


@router.post(
    "/sla/calendars",
    response={201: CalendarOut, 409: ErrorOut},
    summary="Create a business calendar (owners and managers)",
    description=(
        "Several slots per weekday make a lunch break or split shifts. With `branch_id` it is "
        "that branch's own calendar; otherwise workspace-wide, and with `is_default` the "
        "workspace default (the standard Monday–Saturday calendar is the default until then). "
        "Errors: " + CALENDAR_ERRORS
    ),
)
def calendar_create(request: HttpRequest, payload: CalendarIn) -> object:
    actor = actor_of(request)
    calendar = services.calendar_create(
        actor=actor,
        name=payload.name,
        slots=_slots(payload),
        closed_days=_closed(payload) or [],
        branch_id=payload.branch_id,
        is_default=bool(payload.is_default),
        always_open=payload.always_open,
        use_thai_holidays=payload.use_thai_holidays,
        ip=client_ip(request),
    )
    return Status(201, _calendar_out(request, calendar.pk))


@router.get("/sla/calendars/{calendar_id}", response=CalendarOut, summary="One business calendar")
def calendar_detail(request: HttpRequest, calendar_id: Id) -> object:
    return _calendar_out(request, calendar_id)


@router.put(
    "/sla/calendars/{calendar_id}",
    response={200: CalendarOut, 409: ErrorOut},
    summary="Replace a business calendar (owners and managers)",
    description=(
        "Replaces the name, flags and every slot; `closed_days` too when given. Due times "
        "already given to tickets stay. Errors: " + CALENDAR_ERRORS
    ),
)
def calendar_replace(request: HttpRequest, calendar_id: Id, payload: CalendarIn) -> object:
    services.calendar_update(
        actor=actor_of(request),
        calendar_id=calendar_id,
        name=payload.name,
        slots=_slots(payload),
        closed_days=_closed(payload),
        branch_id=payload.branch_id,
        is_default=payload.is_default,
        always_open=payload.always_open,
        use_thai_holidays=payload.use_thai_holidays,
        ip=client_ip(request),
    )
    return _calendar_out(request, calendar_id)


@router.delete(
    "/sla/calendars/{calendar_id}",
    response={204: None, 409: ErrorOut},
    summary="Delete a business calendar (owners and managers)",
    description=(
        "Policies that used it fall back to the branch's or the workspace default calendar. "
        "Errors: 409 `default_calendar` (make another calendar the default first); 403 "
        "`permission_denied` or `read_only_key`."
    ),
)
def calendar_delete(request: HttpRequest, calendar_id: Id) -> object:
    services.calendar_delete(
        actor=actor_of(request), calendar_id=calendar_id, ip=client_ip(request)
    )
    return Status(204, None)


class DueQuery(Schema):
    start: DueTime | None = Field(
        None,
        description="when the clock starts (ISO 8601; without an offset: Asia/Bangkok); "
        "default: now",
    )
    minutes: int = Field(
        60, ge=services.MINUTES_MIN, le=services.MINUTES_MAX, description="business minutes"
    )


class SlaDueOut(Schema):
    calendar_id: int
    start: dt.datetime = Field(description="ISO 8601, +07:00")
    minutes: int
    due: dt.datetime = Field(description="ISO 8601, +07:00; exactly at closing time if it ends so")
    open_at_start: bool


@router.get(
    "/sla/calendars/{calendar_id}/due",
    response=SlaDueOut,
    summary="When a target of so many business minutes falls due",
    description=(
        "Counts only open time: a start outside hours begins at the next opening; a target "
        "ending exactly at closing is due at closing. Errors: 422 `date_out_of_range` "
        "(`start` from 2000 to ten years ahead), `validation_error`."
    ),
)
def calendar_due(request: HttpRequest, calendar_id: Id, query: Query[DueQuery]) -> object:
    calendar = _calendar_out(request, calendar_id)
    value = selectors.calendar_value(calendar)
    start = query.start or timezone.now()
    start = start if start.tzinfo else start.replace(tzinfo=BANGKOK)
    try:
        due = add_business_minutes(value, start, query.minutes)
    except ValueError:  # a calendar with no open time left in range
        raise ApplicationError(
            "calendar_never_open", _("This calendar is never open."), {}, status=422
        ) from None
    return {
        "calendar_id": calendar.pk,
        "start": start.astimezone(BANGKOK),
        "minutes": query.minutes,
        "due": due,
        "open_at_start": is_open(value, start),
    }


# ---- policies --------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    name: str
    ticket_type: str = Field(json_schema_extra={"enum": [ANY, *TicketType.values]})
    priority: str = Field(json_schema_extra={"enum": [ANY, *Priority.values]})
    first_response_minutes: int = Field(description="business minutes to the first reply")
    resolution_minutes: int = Field(description="business minutes to resolution")
    calendar_id: int | None = Field(description="none: the branch's or the workspace default")
    escalate: bool = Field(description="tell a manager on breach (within business hours)")


class PolicyIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "ticket_type": "complaint",
                    "priority": "any",
                    "first_response_minutes": 60,
                    "resolution_minutes": 1440,
                    "escalate": True,
                },
                {
                    "ticket_type": "any",
                    "priority": "urgent",
                    "first_response_minutes": 15,
                    "resolution_minutes": 240,
                    "calendar_id": 2,
                },
            ]
        }
    }

    name: str = column(SlaPolicy, "name", "")
    ticket_type: str = column(SlaPolicy, "ticket_type", ANY)
    priority: str = column(SlaPolicy, "priority", ANY)
    first_response_minutes: int = Field(ge=services.MINUTES_MIN, le=services.MINUTES_MAX)
    resolution_minutes: int = Field(ge=services.MINUTES_MIN, le=services.MINUTES_MAX)
    calendar_id: Id | None = None
    escalate: bool = True


@router.get(
    "/sla/policies",
    response=list[PolicyOut],
    summary="List SLA policies",
    description=(
        "A ticket falls under the most specific match: its type and priority, then its type "
        "(any priority), then its priority (any type), then any/any."
    ),
)
def policy_list(request: HttpRequest) -> object:
    return list(selectors.policy_list(workspace=actor_of(request).workspace))


@router.post(
    "/sla/policies",
    response={201: PolicyOut, 409: ErrorOut},
    summary="Create an SLA policy (owners and managers)",
    description="Targets are in business minutes of the policy's calendar. Errors: "
    + POLICY_ERRORS,
)
def policy_create(request: HttpRequest, payload: PolicyIn) -> object:
    policy = services.policy_create(
        actor=actor_of(request), ip=client_ip(request), **payload.dict()
    )
    return Status(201, policy)


@router.get("/sla/policies/{policy_id}", response=PolicyOut, summary="One SLA policy")
def policy_detail(request: HttpRequest, policy_id: Id) -> object:
    return selectors.policy_get(workspace=actor_of(request).workspace, policy_id=policy_id)


@router.put(
    "/sla/policies/{policy_id}",
    response={200: PolicyOut, 409: ErrorOut},
    summary="Replace an SLA policy (owners and managers)",
    description="Tickets already open keep their due times. Errors: " + POLICY_ERRORS,
)
def policy_replace(request: HttpRequest, policy_id: Id, payload: PolicyIn) -> object:
    return services.policy_update(
        actor=actor_of(request), policy_id=policy_id, ip=client_ip(request), **payload.dict()
    )


@router.delete(
    "/sla/policies/{policy_id}",
    response={204: None},
    summary="Delete an SLA policy (owners and managers)",
    description="Errors: 403 `permission_denied` or `read_only_key`.",
)
def policy_delete(request: HttpRequest, policy_id: Id) -> object:
    services.policy_delete(actor=actor_of(request), policy_id=policy_id, ip=client_ip(request))
    return Status(204, None)
