"""API: the customer's profile, contacts, PDPA consents, timeline, interactions and follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema, Status

from samphan.core.api_auth import actor_of
from samphan.customers import (
    consent_services,
    contact_services,
    interaction_services,
    selectors,
    services,
)
from samphan.customers.api import CustomerDetailOut
from samphan.customers.api import router as customers_router

router = Router(tags=["customers"])


def _example(example: dict[str, Any]) -> Any:
    return {"json_schema_extra": {"example": example}}


# --- profile ---------------------------------------------------------------------------------


class CustomerPatchIn(Schema):
    """Only the fields sent are changed."""

    model_config = _example(
        {
            "nickname": "หญิง",
            "birthday": "1990-04-13",
            "behaviour_type": "information_seeking",
            "lifecycle_stage": "repeat",
            "preferred_channel": "line",
            "tags": ["VIP", "ชอบชาไทย"],
        }
    )

    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    nickname: str | None = None
    gender: str | None = Field(None, description="female, male, other or empty")
    birthday: dt.date | None = None
    province: str | None = None
    preferred_language: str | None = Field(None, description="th, en, zh, ja, ko, my, lo, km")
    preferred_channel: str | None = Field(
        None, description="line, phone, sms, email, store or social"
    )
    acquisition_source: str | None = Field(
        None, description="walk_in, referral, ad, marketplace, line, affiliate or empty"
    )
    referred_by_id: int | None = Field(
        None, description="the referring customer (friend referral only)"
    )
    behaviour_type: str | None = Field(
        None,
        description=(
            "impatient, hesitant, argumentative, information_seeking, careful, "
            "self_confident, promotion_driven, regular or empty"
        ),
    )
    lifecycle_stage: str | None = Field(
        None,
        description=(
            "prospect, first_purchase, active, repeat, loyal, at_risk, lapsed: set by hand and "
            "kept until cleared; empty: derived from purchases again"
        ),
    )
    lifecycle_stage_reason: str | None = Field(
        None, max_length=500, description="why the stage is set by hand"
    )
    home_branch_id: int | None = None
    notes: str | None = Field(None, description="the pinned note")
    custom_fields: dict[str, Any] | None = Field(
        None, description="merged key by key; null or empty clears a field"
    )
    tags: list[str] | None = Field(None, description="the full list of tag names")


class CustomerProfileOut(CustomerDetailOut):
    preferred_language: str
    preferred_channel: str
    referred_by_id: int | None
    behaviour_type: str
    behaviour_tip: str
    lifecycle_stage: str
    lifecycle_stage_by_hand: bool
    lifecycle_stage_reason: str
    home_branch_id: int | None
    notes: str
    custom_fields: dict[str, Any]
    tags: list[str]

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return sorted(t.name for t in obj.tags.all())

    @staticmethod
    def resolve_behaviour_tip(obj: Any) -> str:
        return selectors.behaviour_tip(
            obj.behaviour_type, language=translation.get_language() or "th"
        )


# On the customers router, not this one: Ninja gives each router its own URL pattern, so a
# second router's PATCH on the path of ``GET /customers/{customer_id}`` would never be reached.
@customers_router.patch(
    "/customers/{customer_id}",
    response=CustomerProfileOut,
    summary="Update a customer's profile (only the fields sent)",
)
def customer_patch(request: HttpRequest, customer_id: int, payload: CustomerPatchIn) -> object:
    actor = actor_of(request)
    data = payload.model_dump(exclude_unset=True)
    services.customer_update(actor=actor, customer_id=customer_id, data=data)
    return selectors.customer_profile_get(actor=actor, customer_id=customer_id)


# --- contacts ---------------------------------------------------------------------------------


class ContactPointOut(Schema):
    id: int
    kind: str
    value: str
    is_primary: bool
    created_at: dt.datetime


class ContactAddIn(Schema):
    model_config = _example({"kind": "phone", "value": "089-123-4567"})

    kind: str = Field(description="phone, email, line, shopee, lazada, tiktok or social")
    value: str = Field(description="as typed; phones in any Thai format")
    make_primary: bool = False


@router.get(
    "/customers/{customer_id}/contacts",
    response=list[ContactPointOut],
    summary="A customer's phones, emails, LINE IDs and handles",
)
def contact_list(request: HttpRequest, customer_id: int) -> object:
    customer = selectors.customer_get(actor=actor_of(request), customer_id=customer_id)
    return list(customer.contacts.order_by("kind", "-is_primary", "id"))


@router.post(
    "/customers/{customer_id}/contacts",
    response={200: ContactPointOut, 201: ContactPointOut},
    summary="Add a contact",
    description=(
        "201 for a new contact, 200 when the customer already has it. A contact that belongs to "
        "another customer is a 409 `contact_taken` with that customer's id in "
        "`details.customer_id`: merge the two instead."
    ),
)
def contact_add(request: HttpRequest, customer_id: int, payload: ContactAddIn) -> object:
    result = contact_services.contact_add(
        actor=actor_of(request),
        customer_id=customer_id,
        kind=payload.kind,
        value=payload.value,
        make_primary=payload.make_primary,
    )
    return Status(201 if result.created else 200, result.contact)


@router.delete(
    "/customers/{customer_id}/contacts/{contact_id}",
    response={204: None},
    summary="Remove a contact",
)
def contact_remove(request: HttpRequest, customer_id: int, contact_id: int) -> object:
    contact_services.contact_remove(
        actor=actor_of(request), customer_id=customer_id, contact_id=contact_id
    )
    return Status(204, None)


# --- consent (PDPA) -----------------------------------------------------------------------------


class ConsentOut(Schema):
    id: int
    purpose: str
    granted: bool
    notice_version: str
    source: str
    evidence: str
    recorded_at: dt.datetime
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return obj.actor.email if obj.actor_id else ""


class ConsentStateOut(Schema):
    purpose: str
    granted: bool | None = Field(description="null when never asked")
    recorded_at: dt.datetime | None
    notice_version: str


class ConsentsOut(Schema):
    current: list[ConsentStateOut]
    history: list[ConsentOut]


class ConsentIn(Schema):
    model_config = _example(
        {
            "purpose": "marketing_line",
            "granted": True,
            "notice_version": "2026-01",
            "source": "line",
            "evidence": "Ticked the box in the LINE member form",
        }
    )

    purpose: str = Field(
        description="marketing_line, marketing_sms, marketing_email, profiling or sharing"
    )
    granted: bool = Field(description="true to give consent, false to withdraw it")
    notice_version: str = ""
    source: str = Field("", description="where it was given, e.g. counter, line, web, paper")
    evidence: str = ""
    recorded_at: dt.datetime | None = Field(None, description="defaults to now")


@router.get(
    "/customers/{customer_id}/consents",
    response=ConsentsOut,
    summary="Current consent per purpose and the full ledger",
)
def consent_list(request: HttpRequest, customer_id: int) -> object:
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    state = selectors.consent_state(customer=customer)
    current = [
        {
            "purpose": purpose,
            "granted": row.granted if row else None,
            "recorded_at": row.recorded_at if row else None,
            "notice_version": row.notice_version if row else "",
        }
        for purpose, row in state.items()
    ]
    history = list(selectors.consent_history(actor=actor, customer_id=customer.pk))
    return {"current": current, "history": history}


@router.post(
    "/customers/{customer_id}/consents",
    response={201: ConsentOut},
    summary="Record consent given or withdrawn (append-only)",
    description="The ledger is append-only: a withdrawal is a new row with `granted: false`.",
)
def consent_record(request: HttpRequest, customer_id: int, payload: ConsentIn) -> object:
    consent = consent_services.consent_record(
        actor=actor_of(request),
        customer_id=customer_id,
        purpose=payload.purpose,
        granted=payload.granted,
        notice_version=payload.notice_version,
        source=payload.source,
        evidence=payload.evidence,
        recorded_at=payload.recorded_at,
    )
    return Status(201, consent)


# --- timeline ---------------------------------------------------------------------------------


class TimelineEventOut(Schema):
    id: int
    type: str
    occurred_at: dt.datetime
    actor: str = Field(alias="actor_label")
    payload: dict[str, Any]
    links: dict[str, Any]


class TimelinePageOut(Schema):
    items: list[TimelineEventOut]
    next_cursor: str = Field(description="pass as `before` for the next page; empty at the end")


class TimelineQuery(Schema):
    type: list[str] = Field(
        [], description="event types to keep, e.g. order.placed; repeat for several"
    )
    before: str = Field("", description="the next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


@router.get(
    "/customers/{customer_id}/timeline",
    response=TimelinePageOut,
    summary="The customer's timeline, newest first (cursor pagination)",
)
def timeline(request: HttpRequest, customer_id: int, query: Query[TimelineQuery]) -> object:
    page = selectors.timeline_page(
        actor=actor_of(request),
        customer_id=customer_id,
        types=query.type,
        before=query.before,
        limit=query.limit,
    )
    return {"items": page.events, "next_cursor": page.next_cursor}


# --- interactions and follow-ups ------------------------------------------------------------------


class FollowUpOut(Schema):
    id: int
    customer_id: int
    interaction_id: int | None
    title: str
    due_at: dt.datetime
    assignee_id: int | None
    status: str
    done_at: dt.datetime | None
    created_at: dt.datetime


class InteractionOut(Schema):
    id: int
    kind: str
    occurred_at: dt.datetime
    summary: str
    outcome: str
    pain_points: str
    next_step: str
    staff_id: int | None


class FollowUpIn(Schema):
    model_config = _example(
        {"title": "โทรกลับเรื่องใบเสนอราคา", "due_at": "2030-01-15T10:00:00+07:00"}
    )

    title: str
    due_at: dt.datetime
    assignee_id: int | None = Field(None, description="a member's user id; the key has none")


class InteractionIn(Schema):
    model_config = _example(
        {
            "kind": "call",
            "summary": "ถามเรื่องส่วนลดสำหรับสั่ง 50 ชิ้น",
            "outcome": "สนใจ รอใบเสนอราคา",
            "pain_points": "ของล็อตก่อนส่งช้า",
            "next_step": "ส่งใบเสนอราคาทาง LINE",
            "follow_up": {"title": "โทรถามผลใบเสนอราคา", "due_at": "2030-01-15T10:00:00+07:00"},
        }
    )

    kind: str = Field(description="call, chat, visit, meeting or email")
    occurred_at: dt.datetime | None = Field(None, description="defaults to now")
    summary: str = ""
    outcome: str = ""
    pain_points: str = ""
    next_step: str = ""
    follow_up: FollowUpIn | None = None


class InteractionCreatedOut(InteractionOut):
    follow_up: FollowUpOut | None


@router.get(
    "/customers/{customer_id}/interactions",
    response=list[InteractionOut],
    summary="Calls, chats, visits, meetings and emails with a customer, newest first",
)
def interaction_list(request: HttpRequest, customer_id: int, limit: int = 50) -> object:
    qs = selectors.interaction_list(actor=actor_of(request), customer_id=customer_id)
    return list(qs[: max(1, min(limit, 200))])


@router.post(
    "/customers/{customer_id}/interactions",
    response={201: InteractionCreatedOut},
    summary="Log an interaction, optionally with a follow-up task",
)
def interaction_log(request: HttpRequest, customer_id: int, payload: InteractionIn) -> object:
    result = interaction_services.interaction_log(
        actor=actor_of(request),
        customer_id=customer_id,
        kind=payload.kind,
        occurred_at=payload.occurred_at,
        summary=payload.summary,
        outcome=payload.outcome,
        pain_points=payload.pain_points,
        next_step=payload.next_step,
        followup=(
            interaction_services.FollowUpInput(
                title=payload.follow_up.title,
                due_at=payload.follow_up.due_at,
                assignee_id=payload.follow_up.assignee_id,
            )
            if payload.follow_up
            else None
        ),
    )
    body = InteractionOut.model_validate(result.interaction, from_attributes=True).model_dump()
    body["follow_up"] = result.followup
    return Status(201, body)


class TaskQuery(Schema):
    mine: bool = Field(False, description="assigned to me (members only; keys use assignee_id)")
    overdue: bool = Field(False, description="open and past due")
    assignee_id: int | None = None
    customer_id: int | None = None
    status: str = Field("open", description="open, done, cancelled, or empty for all")
    limit: int = Field(100, ge=1, le=500)


@router.get("/tasks", response=list[FollowUpOut], summary="Follow-up tasks, soonest due first")
def task_list(request: HttpRequest, query: Query[TaskQuery]) -> object:
    qs = selectors.followup_list(
        actor=actor_of(request),
        mine=query.mine,
        overdue=query.overdue,
        assignee_id=query.assignee_id,
        customer_id=query.customer_id,
        status=query.status,
    )
    return list(qs[: query.limit])


@router.post(
    "/customers/{customer_id}/tasks",
    response={201: FollowUpOut},
    summary="Schedule a follow-up task on a customer",
)
def task_create(request: HttpRequest, customer_id: int, payload: FollowUpIn) -> object:
    task = interaction_services.followup_create(
        actor=actor_of(request),
        customer_id=customer_id,
        title=payload.title,
        due_at=payload.due_at,
        assignee_id=payload.assignee_id,
    )
    return Status(201, task)


class TaskCloseIn(Schema):
    model_config = _example({"note": "ลูกค้าสั่งแล้ว"})

    note: str = ""


@router.post(
    "/tasks/{followup_id}/complete",
    response=FollowUpOut,
    summary="Mark a follow-up done",
    description="A follow-up that is already done or cancelled is a 409 `followup_closed`.",
)
def task_complete(
    request: HttpRequest, followup_id: int, payload: TaskCloseIn | None = None
) -> object:
    return interaction_services.followup_complete(
        actor=actor_of(request), followup_id=followup_id, note=payload.note if payload else ""
    )
