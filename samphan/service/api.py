"""API: the service desk's tickets, their replies, notes, statuses, details and assignment,
categories, teams, canned replies and service-recovery coupons.

Every time a ticket answers with is given in Bangkok time with its offset
(``2026-03-02T17:00:00+07:00``), the way the shop reads its SLA due times.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut, EventTime, Id, Pagination, column
from samphan.core.limits import MAX_ID
from samphan.service import canned as canned_services
from samphan.service import selectors, services
from samphan.service.models import (
    BODY_MAX,
    CANNED_BODY_MAX,
    REASON_MAX,
    SUBJECT_MAX,
    Ticket,
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from samphan.service.recovery import recovery_issue

router = ApiRouter(tags=["service"])
BANGKOK = ZoneInfo("Asia/Bangkok")


def _bangkok(value: dt.datetime) -> dt.datetime:
    return value.astimezone(BANGKOK) if value.tzinfo is not None else value


# A moment as the shop reads it: ISO 8601 with the +07:00 offset, never "Z".
BangkokTime = Annotated[dt.datetime, AfterValidator(_bangkok)]


class TicketOut(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "id": 12,
                "number": 12,
                "subject": "กล่องบุบ ของข้างในแตก",
                "type": "complaint",
                "channel": "line",
                "priority": "high",
                "status": "open",
                "category_id": 3,
                "customer_id": 42,
                "order_ids": [1001],
                "assignee_id": 5,
                "team_id": None,
                "opened_at": "2026-03-02T10:15:00+07:00",
                "first_responded_at": "2026-03-02T10:40:00+07:00",
                "resolved_at": None,
                "closed_at": None,
                "first_response_due": "2026-03-02T11:15:00+07:00",
                "resolution_due": "2026-03-03T10:15:00+07:00",
                "first_response_breached": False,
                "resolution_breached": False,
                "paused": False,
            }
        }
    }

    id: int
    number: int = Field(description="the ticket's number in the shop (#12)")
    subject: str
    type: str = Field(json_schema_extra={"enum": list(TicketType.values)})
    channel: str = Field(json_schema_extra={"enum": list(TicketChannel.values)})
    priority: str = Field(json_schema_extra={"enum": list(TicketPriority.values)})
    status: str = Field(json_schema_extra={"enum": list(TicketStatus.values)})
    category_id: int | None
    customer_id: int | None
    order_ids: list[int]
    assignee_id: int | None
    team_id: int | None
    opened_at: BangkokTime
    first_responded_at: BangkokTime | None
    resolved_at: BangkokTime | None
    closed_at: BangkokTime | None
    first_response_due: BangkokTime | None = Field(
        description="when the first answer is due (Bangkok, +07:00); null without an SLA "
        "policy, or while the clocks are paused before it was reached"
    )
    resolution_due: BangkokTime | None = Field(
        description="when the resolution is due (Bangkok, +07:00); null as above"
    )
    first_response_breached: bool
    resolution_breached: bool
    paused: bool = Field(description="the SLA clocks are stopped (waiting on the customer)")

    @staticmethod
    def resolve_order_ids(obj: Ticket) -> list[int]:
        return sorted(o.pk for o in obj.orders.all())

    @staticmethod
    def resolve_paused(obj: Ticket) -> bool:
        return obj.status == TicketStatus.WAITING


class MessageOut(Schema):
    id: int
    kind: str = Field(json_schema_extra={"enum": ["reply", "note"]})
    author_kind: str = Field(json_schema_extra={"enum": ["staff", "customer"]})
    author_label: str
    body: str
    created_at: BangkokTime


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    actor_label: str
    reason: str
    at: BangkokTime


class PauseOut(Schema):
    paused_at: BangkokTime
    paused_by: str = Field(description="who stopped the clocks")
    pause_reason: str
    resumed_at: BangkokTime | None
    resumed_by: str = Field(description="who (or what: a customer's reply) started them again")
    resume_reason: str

    @staticmethod
    def resolve_paused_by(obj: Any) -> str:
        return str(obj.paused_by_label)

    @staticmethod
    def resolve_resumed_by(obj: Any) -> str:
        return str(obj.resumed_by_label)


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]
    status_changes: list[StatusChangeOut]
    pauses: list[PauseOut]

    @staticmethod
    def resolve_messages(obj: Ticket) -> list[Any]:
        return list(obj.messages.all())

    @staticmethod
    def resolve_status_changes(obj: Ticket) -> list[Any]:
        return list(obj.status_changes.all())

    @staticmethod
    def resolve_pauses(obj: Ticket) -> list[Any]:
        return list(obj.pauses.all())


class TicketIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "subject": "กล่องบุบ ของข้างในแตก",
                "body": "ได้รับของวันนี้ กล่องบุบ แก้วข้างในแตกหนึ่งใบค่ะ",
                "type": "complaint",
                "channel": "line",
                "priority": "high",
                "phone": "081-234-5678",
                "name": "สมหญิง",
            }
        }
    }

    subject: str = Field(max_length=SUBJECT_MAX)
    body: str = Field("", max_length=BODY_MAX, description="what the customer said")
    type: str = column(Ticket, "type", TicketType.QUESTION)
    channel: str = column(Ticket, "channel", TicketChannel.PHONE)
    priority: str = column(Ticket, "priority", TicketPriority.NORMAL)
    category_id: Id | None = None
    customer_id: Id | None = Field(None, description="the customer; or give a phone or email")
    name: str = Field("", max_length=100, description="the customer's name, for a new customer")
    phone: str = Field("", max_length=32, description="matched to a customer, or one is created")
    email: str = Field("", max_length=254, description="matched to a customer, or one is created")
    order_ids: list[Id] = Field(default_factory=list, max_length=services.ORDERS_MAX)
    assignee_id: Id | None = None
    team_id: Id | None = None
    branch_id: Id | None = Field(None, description="whose business calendar applies")
    opened_at: EventTime | None = Field(
        None,
        description="when the customer first asked, for a ticket brought from another "
        "system (due times count from it); now when empty. Not in the future.",
    )


class StatusIn(Schema):
    status: str = column(Ticket, "status")
    reason: str = Field("", max_length=REASON_MAX)
    at: EventTime | None = Field(
        None,
        description="when it happened, for history brought from another system; now when "
        "empty. Not in the future, not before the ticket's last change (422 `at_out_of_order`).",
    )


class ReplyIn(Schema):
    body: str = Field(max_length=BODY_MAX)
    internal: bool = Field(False, description="an internal note, never shown to the customer")
    from_customer: bool = Field(False, description="the customer's own reply (e.g. from LINE)")
    at: EventTime | None = Field(
        None,
        description="when it happened, for history brought from another system; now when "
        "empty. Not in the future, not before the ticket's last change (422 `at_out_of_order`).",
    )


class AssignIn(Schema):
    model_config = {"json_schema_extra": {"example": {"assignee_id": 5, "team_id": None}}}

    assignee_id: Id | None = Field(description="a member of the shop; null to unassign")
    team_id: Id | None = None


class TicketPatchIn(Schema):
    model_config = {
        "json_schema_extra": {"example": {"priority": "high", "type": "complaint", "team_id": None}}
    }

    type: str | None = column(Ticket, "type", None)
    priority: str | None = column(Ticket, "priority", None)
    category_id: Id | None = Field(None, description="a category of the shop; null clears it")
    team_id: Id | None = Field(None, description="a team of the shop; null clears it")


class RecoveryIn(Schema):
    campaign_id: Id = Field(description="a coupon campaign with unique codes")


class RecoveryOut(Schema):
    id: int
    ticket_id: int
    customer_id: int
    campaign_id: int | None
    code: str
    issued_at: BangkokTime


class CategoryIn(Schema):
    name: str = Field(max_length=100)


class CategoryOut(Schema):
    id: int
    name: str
    is_active: bool


class NamedPatchIn(Schema):
    model_config = {"json_schema_extra": {"example": {"name": "ออนไลน์", "is_active": True}}}

    name: str | None = Field(None, max_length=100)
    is_active: bool | None = Field(None, description="false: no longer offered for new tickets")


class TeamIn(Schema):
    name: str = Field(max_length=100)


class TeamOut(Schema):
    id: int
    name: str
    is_active: bool


class CannedIn(Schema):
    title: str = Field(max_length=100)
    body: str = Field(
        max_length=CANNED_BODY_MAX,
        description="with fields {{ name }}, {{ first_name }}, {{ shop }}, {{ ticket_number }}, "
        "{{ subject }}, {{ agent }}",
    )


class CannedOut(Schema):
    id: int
    title: str
    body: str


def _detail(request: HttpRequest, ticket_id: int) -> Ticket:
    return selectors.ticket_get(actor=actor_of(request), ticket_id=ticket_id)


@router.post(
    "/tickets",
    response={201: TicketDetailOut},
    summary="Open a ticket",
    description=(
        "Support, counter staff, managers, owners (`ticket.manage`). The customer is "
        "`customer_id`, or the one owning `phone` or `email` (a new customer is created when "
        "nobody does). `opened_at` keeps the opening time of a ticket brought from another "
        "system; due times count from it on the shop's business calendar. Errors: 422 "
        "`subject_required`, `too_long`, `invalid_type`, `invalid_channel`, `invalid_priority`, "
        "`opened_in_future`, `date_out_of_range`, `customer_not_found`, `category_not_found`, "
        "`team_not_found`, `branch_not_found`, `order_not_found`, `order_of_another_customer`, "
        "`too_many_orders`, `assignee_not_member`, `invalid_phone`, `invalid_email`; 403 "
        "`permission_denied`, `read_only_key`."
    ),
)
def ticket_create(request: HttpRequest, payload: TicketIn) -> object:
    actor = actor_of(request)
    data = payload.dict()
    ticket = services.ticket_create(
        actor=actor,
        ticket_type=data.pop("type"),
        **data,
    )
    return Status(201, selectors.ticket_get(actor=actor, ticket_id=ticket.pk))


@router.get(
    "/tickets",
    response=list[TicketOut],
    summary="List tickets, newest first",
    description=(
        "Active tickets (new, open, waiting) unless `status` says otherwise; filters combine. "
        "`limit` at most 500. Errors: 422 `validation_error`."
    ),
)
@paginate(Pagination)
def ticket_list(
    request: HttpRequest,
    # Defaults, not Annotated: @paginate reads the annotations in ninja's own module.
    status: str = Query(
        "",
        max_length=16,
        description="one of new, open, waiting, resolved, closed; `all`; or empty for the "
        "active ones (new, open, waiting)",
    ),
    assignee: str = Query(
        "",
        max_length=8,
        description="`me`: assigned to the signed-in user (an API key has none: empty list)",
    ),
    unassigned: bool = False,
    breaching_soon: bool = Query(False, description="a running target due within the hour"),
    breached: bool = False,
    category: int | None = Query(None, ge=1, le=MAX_ID, description="a category id"),
    customer_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> object:
    actor = actor_of(request)
    qs = selectors.ticket_list(
        actor=actor,
        status=status,
        view="mine" if assignee == "me" else "all",
        category_id=category,
        customer_id=customer_id,
    )
    if unassigned:
        qs = qs.filter(assignee__isnull=True)
    now = timezone.now()
    if breaching_soon:
        qs = qs.filter(selectors.breaching_soon_q(now))
    if breached:
        qs = qs.filter(selectors.breached_q(now))
    return qs.prefetch_related("orders")


@router.get(
    "/tickets/{ticket_id}",
    response=TicketDetailOut,
    summary="One ticket with its conversation, status history and SLA pauses",
    description=(
        "`first_response_due` and `resolution_due` are ISO 8601 datetimes with the +07:00 "
        "offset. Errors: 404 `ticket_not_found`."
    ),
)
def ticket_detail(request: HttpRequest, ticket_id: Id) -> object:
    return _detail(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/status",
    response={200: TicketDetailOut, 409: ErrorOut},
    summary="Move a ticket to another status",
    description=(
        "new → open → waiting → resolved → closed, and reopen (resolved or closed → open). "
        "Waiting pauses the SLA clocks; leaving it resumes them (each pause is kept with who "
        "and why). Errors: 409 `invalid_transition` (`details.allowed`); 422 `invalid_status`, "
        "`too_long`; 404 `ticket_not_found`."
    ),
)
def ticket_status(request: HttpRequest, ticket_id: Id, payload: StatusIn) -> object:
    services.ticket_status_change(
        actor=actor_of(request),
        ticket_id=ticket_id,
        status=payload.status,
        reason=payload.reason,
        at=payload.at,
    )
    return _detail(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/replies",
    response={201: MessageOut, 409: ErrorOut},
    summary="Reply on a ticket, or add an internal note",
    description=(
        "The shop's first reply is the first response. `from_customer`: the customer's reply "
        "(restarts the clocks of a ticket waiting on them; reopens a resolved one). "
        "`internal`: a note for the staff only. Errors: 409 `ticket_closed`; 422 "
        "`body_required`, `too_long`; 404 `ticket_not_found`."
    ),
)
def ticket_reply(request: HttpRequest, ticket_id: Id, payload: ReplyIn) -> object:
    actor = actor_of(request)
    if payload.internal:
        message = services.ticket_note(actor=actor, ticket_id=ticket_id, body=payload.body)
    else:
        message = services.ticket_reply(
            actor=actor,
            ticket_id=ticket_id,
            body=payload.body,
            from_customer=payload.from_customer,
            at=payload.at,
        )
    return Status(201, message)


@router.post(
    "/tickets/{ticket_id}/assign",
    response=TicketDetailOut,
    summary="Assign a ticket to a member (and a team)",
    description="Errors: 422 `assignee_not_member`, `team_not_found`; 404 `ticket_not_found`.",
)
def ticket_assign(request: HttpRequest, ticket_id: Id, payload: AssignIn) -> object:
    services.ticket_assign(
        actor=actor_of(request),
        ticket_id=ticket_id,
        assignee_id=payload.assignee_id,
        team_id=payload.team_id,
    )
    return _detail(request, ticket_id)


@router.patch(
    "/tickets/{ticket_id}",
    response=TicketDetailOut,
    summary="Change a ticket's type, priority, category or team (only the fields sent)",
    description=(
        "A new type or priority may bring another SLA policy: the due times are recomputed. "
        "`category_id` or `team_id` null clears it. The assignee is changed with `/assign`. "
        "Errors: 422 `invalid_type`, `invalid_priority`, `category_not_found`, "
        "`team_not_found`, `validation_error`; 404 `ticket_not_found`; 403 "
        "`permission_denied`, `read_only_key`."
    ),
)
def ticket_patch(request: HttpRequest, ticket_id: Id, payload: TicketPatchIn) -> object:
    data = payload.model_dump(exclude_unset=True)
    services.ticket_update(
        actor=actor_of(request),
        ticket_id=ticket_id,
        ticket_type=data.get("type"),
        priority=data.get("priority"),
        category_id=data.get("category_id"),
        clear_category="category_id" in data and data["category_id"] is None,
        team_id=data.get("team_id"),
        clear_team="team_id" in data and data["team_id"] is None,
    )
    return _detail(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/recovery",
    response={201: RecoveryOut, 409: ErrorOut},
    summary="Give a goodwill coupon for a complaint or a breached ticket",
    description=(
        "Owners and managers (`ticket.manage` and `coupon.manage`): a unique code of the "
        "campaign, bound to the ticket's customer, recorded on the ticket and its customer's "
        "timeline. Errors: 409 `ticket_without_customer`, `recovery_not_allowed`, "
        "`recovery_exists`, `campaign_has_shared_code`; 404 `ticket_not_found`, "
        "`campaign_not_found`; 403 `permission_denied`."
    ),
)
def ticket_recovery(request: HttpRequest, ticket_id: Id, payload: RecoveryIn) -> object:
    recovery = recovery_issue(
        actor=actor_of(request), ticket_id=ticket_id, campaign_id=payload.campaign_id
    )
    return Status(201, recovery)


@router.get("/ticket-categories", response=list[CategoryOut], summary="Ticket categories")
def category_list(request: HttpRequest) -> object:
    return list(selectors.categories(actor=actor_of(request), active_only=False)[:500])


@router.post(
    "/ticket-categories",
    response={201: CategoryOut, 409: ErrorOut},
    summary="Add a ticket category",
    description="Errors: 409 `category_exists`; 422 `name_required`, `too_long`.",
)
def category_create(request: HttpRequest, payload: CategoryIn) -> object:
    return Status(201, services.category_create(actor=actor_of(request), name=payload.name))


@router.patch(
    "/ticket-categories/{category_id}",
    response={200: CategoryOut, 409: ErrorOut},
    summary="Rename a ticket category or take it out of use",
    description=(
        "Only the fields sent; a category out of use keeps its tickets but is not offered for "
        "new ones. Errors: 409 `category_exists`; 422 `name_required`, `too_long`; 404 "
        "`category_not_found`."
    ),
)
def category_patch(request: HttpRequest, category_id: Id, payload: NamedPatchIn) -> object:
    return services.category_update(
        actor=actor_of(request),
        category_id=category_id,
        name=payload.name,
        is_active=payload.is_active,
    )


@router.get("/ticket-teams", response=list[TeamOut], summary="Ticket teams")
def team_list(request: HttpRequest) -> object:
    return list(selectors.teams(actor=actor_of(request), active_only=False)[:500])


@router.post(
    "/ticket-teams",
    response={201: TeamOut, 409: ErrorOut},
    summary="Add a ticket team",
    description="Errors: 409 `team_exists`; 422 `name_required`, `too_long`.",
)
def team_create(request: HttpRequest, payload: TeamIn) -> object:
    return Status(201, services.team_create(actor=actor_of(request), name=payload.name))


@router.patch(
    "/ticket-teams/{team_id}",
    response={200: TeamOut, 409: ErrorOut},
    summary="Rename a ticket team or take it out of use",
    description=(
        "Only the fields sent; a team out of use keeps its tickets but is not offered for new "
        "ones. Errors: 409 `team_exists`; 422 `name_required`, `too_long`; 404 "
        "`team_not_found`."
    ),
)
def team_patch(request: HttpRequest, team_id: Id, payload: NamedPatchIn) -> object:
    return services.team_update(
        actor=actor_of(request), team_id=team_id, name=payload.name, is_active=payload.is_active
    )


@router.get("/canned-replies", response=list[CannedOut], summary="Canned replies")
def canned_list(request: HttpRequest) -> object:
    return list(selectors.canned_list(actor=actor_of(request))[:500])


@router.post(
    "/canned-replies",
    response={201: CannedOut, 409: ErrorOut},
    summary="Add a canned reply",
    description=(
        "Errors: 422 `canned_field_unknown` (a field other than those listed), "
        "`title_required`, `body_required`, `too_long`, `too_many_canned`; 409 "
        "`canned_exists`."
    ),
)
def canned_create(request: HttpRequest, payload: CannedIn) -> object:
    return Status(
        201,
        canned_services.canned_reply_save(
            actor=actor_of(request), title=payload.title, body=payload.body
        ),
    )
