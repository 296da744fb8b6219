"""API: a person's data (export, erasure), data-subject requests, the breach register, the
retention dry run and the record of processing. Owners and managers (API keys act as
managers). Every answer that shows personal data is sent with ``Cache-Control: no-store``.

``DELETE /customers/{id}`` is not a way to remove a person: it answers 405 and points to
``POST /customers/{id}/erase``, which needs a reason, keeps the order amounts and leaves a
tombstone (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from ninja import Field, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import TEXT_MAX, ApiRouter, ErrorOut, EventTime, Id, Pagination, column
from samphan.core.audit import client_ip
from samphan.customers.api import router as customers_router
from samphan.customers.selectors import customer_get
from samphan.privacy import breaches, requests, services
from samphan.privacy.models import Breach, BreachCategory, DataSubjectRequest, ErasureRecord
from samphan.privacy.retention import retention_plan_for
from samphan.privacy.ropa import processing_record, processing_record_json
from samphan.privacy.services import REASON_MAX

router = ApiRouter(tags=["privacy"])


# Personal data: never kept by a browser or a proxy ("no-store", "private").
private = decorate_view(never_cache)


# --- a person's data -------------------------------------------------------------------------


class ExportPart(Schema):
    label: str
    data: Any


class ExportOut(Schema):
    format: str = Field(description="samphan.personal-data/1")
    generated_at: dt.datetime
    controller: dict[str, str]
    customer_id: int
    records: list[int] = Field(description="the customer and the records merged into it")
    parts: dict[str, ExportPart] = Field(description="every app's part, by key")


@router.get(
    "/customers/{customer_id}/export",
    response=ExportOut,
    summary="Everything held on a person (PDPA access and portability), as JSON",
)
@private
def customer_export(
    request: HttpRequest,
    customer_id: Id,
    request_id: Id | None = None,
) -> object:
    return services.customer_export(
        actor=actor_of(request),
        customer_id=customer_id,
        request_id=request_id,
        ip=client_ip(request),
    )


class EraseIn(Schema):
    model_config = {
        "json_schema_extra": {"example": {"reason": "The customer's request of 3 May by phone"}}
    }

    reason: str = Field(min_length=1, max_length=REASON_MAX, description="kept on the tombstone")
    request_id: Id | None = Field(None, description="the data-subject request it answers")


class ErasureOut(Schema):
    id: int
    customer_id: int = Field(alias="customer_ref")
    mode: str
    reason: str
    erased_at: dt.datetime
    parts: dict[str, int] = Field(description="rows each part removed or masked")


@router.post(
    "/customers/{customer_id}/erase",
    response={200: ErasureOut, 409: ErrorOut},
    summary="Erase a person's data (PDPA s. 33); 409 while a legal hold applies",
    description=(
        "Removes or irreversibly masks names, contacts, addresses, LINE and marketplace IDs and "
        "free-text notes, and sweeps them out of the timeline, the audit log and import files; "
        "order amounts stay on the anonymous record. Leaves a tombstone with the date and the "
        "reason. 409 `legal_hold` (with `hold_until`) while the shop's tax record period "
        "covers the customer's orders; 409 `already_erased`."
    ),
)
@private
def customer_erase(request: HttpRequest, customer_id: Id, payload: EraseIn) -> ErasureRecord:
    return services.customer_erase(
        actor=actor_of(request),
        customer_id=customer_id,
        reason=payload.reason,
        request_id=payload.request_id,
        source="api",
        ip=client_ip(request),
    )


# Registered on the customers router, beside GET and PATCH of the same path: Ninja gives each
# router its own URL pattern, so a DELETE on another router would never be reached.
@customers_router.delete(
    "/customers/{customer_id}",
    response={405: ErrorOut},
    summary="Not allowed: erase the person's data instead (POST …/erase)",
    description=(
        "A customer is never deleted through the API: their orders must keep adding up. "
        "`POST /api/v1/customers/{id}/erase` with a reason erases the personal data and keeps "
        "the order amounts. Answers 405 with `Allow: GET, PATCH` and the erase address."
    ),
)
@private
def customer_delete(request: HttpRequest, customer_id: Id, response: HttpResponse) -> object:
    customer = customer_get(actor=actor_of(request), customer_id=customer_id)
    response["Allow"] = "GET, PATCH"
    return Status(
        405,
        {
            "error": {
                "code": "use_erase",
                "message": _(
                    "Customers are not deleted. To erase this person's data, POST a reason to %(url)s."
                )
                % {"url": f"/api/v1/customers/{customer.pk}/erase"},
                "details": {"method": "POST", "url": f"/api/v1/customers/{customer.pk}/erase"},
            }
        },
    )


# --- requests ----------------------------------------------------------------------------------

Kind = Literal["access", "correction", "erasure", "objection", "withdrawal"]
CaseStatus = Literal["open", "in_progress", "done", "refused"]


class RequestOut(Schema):
    id: int
    kind: str
    status: str
    received_on: dt.date
    due_on: dt.date
    overdue: bool
    customer_id: int | None
    requester_name: str
    requester_contact: str
    details: str
    outcome: str
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_overdue(obj: DataSubjectRequest) -> bool:
        return obj.is_overdue()


class RequestIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {"kind": "access", "received_on": "2026-05-03", "customer_id": 12}
        }
    }

    kind: Kind
    received_on: dt.date = Field(description="today or within the last three years")
    customer_id: Id | None = None
    requester_name: str = column(DataSubjectRequest, "requester_name", "")
    requester_contact: str = column(DataSubjectRequest, "requester_contact", "")
    details: str = Field("", max_length=TEXT_MAX)


class RequestPatch(Schema):
    status: CaseStatus | None = None
    note: str = Field("", max_length=TEXT_MAX, description="added to the request's trail")
    outcome: str = Field("", max_length=TEXT_MAX, description="needed to close it")


@router.get(
    "/privacy/requests",
    response=list[RequestOut],
    summary="Data-subject requests: open ones first, most overdue at the top",
    description="`overdue=true`: only open requests past their due date.",
)
@private
@paginate(Pagination)
def request_list(request: HttpRequest, overdue: bool = False) -> object:
    return requests.request_list(actor=actor_of(request), overdue_only=overdue)


@router.post(
    "/privacy/requests",
    response={201: RequestOut, 404: ErrorOut},
    summary="Record a data-subject request (due 30 days after it was received)",
)
@private
def request_create(request: HttpRequest, payload: RequestIn) -> object:
    return Status(201, requests.request_create(actor=actor_of(request), **payload.model_dump()))


@router.get("/privacy/requests/{request_id}", response=RequestOut, summary="One request")
@private
def request_detail(request: HttpRequest, request_id: Id) -> object:
    return requests.request_get(actor=actor_of(request), request_id=request_id)


@router.patch(
    "/privacy/requests/{request_id}",
    response=RequestOut,
    summary="Move a request on: status, a note for its trail, the answer",
)
@private
def request_patch(request: HttpRequest, request_id: Id, payload: RequestPatch) -> object:
    return requests.request_update(actor=actor_of(request), request_id=request_id,
                                   **payload.model_dump())  # fmt: skip


# --- breaches ------------------------------------------------------------------------------


class DueOut(Schema):
    code: str = Field(description="regulator or people")
    late: bool
    deadline: dt.datetime | None


class BreachOut(Schema):
    id: int
    title: str
    found_at: dt.datetime
    occurred_at: dt.datetime | None
    categories: list[str]
    people_affected: int | None
    risk: str
    regulator_due_at: dt.datetime
    regulator_notified_at: dt.datetime | None
    people_notified_at: dt.datetime | None
    closed_at: dt.datetime | None
    due: list[DueOut]

    @staticmethod
    def resolve_due(obj: Breach) -> list[breaches.Due]:
        return breaches.breach_dues(obj)


Category = Literal[
    "identity", "contact", "address", "purchases", "notes", "financial", "sensitive", "accounts"
]
assert set(Category.__args__) == set(BreachCategory.values)  # type: ignore[attr-defined]


class BreachIn(Schema):
    title: str = column(Breach, "title", min_length=1)
    description: str = Field("", max_length=TEXT_MAX)
    found_at: EventTime
    occurred_at: EventTime | None = None
    categories: list[Category] = Field(default_factory=list, max_length=len(BreachCategory.values))
    people_affected: int | None = column(Breach, "people_affected", None)
    risk: Literal["unassessed", "none", "risk", "high"] = "unassessed"
    risk_assessment: str = Field("", max_length=TEXT_MAX)


@router.get("/privacy/breaches", response=list[BreachOut], summary="The breach register")
@private
@paginate(Pagination)
def breach_list(request: HttpRequest) -> object:
    return breaches.breach_list(actor=actor_of(request))


@router.post(
    "/privacy/breaches",
    response={201: BreachOut},
    summary="Record a breach: the regulator's notice is due 72 hours after it was found",
)
@private
def breach_create(request: HttpRequest, payload: BreachIn) -> object:
    return Status(201, breaches.breach_record(actor=actor_of(request), data=payload.model_dump()))


# --- retention and the record of processing -----------------------------------------------


class RetentionOut(Schema):
    action: str = Field(description="off, anonymise or delete")
    enabled: bool = Field(description="whether the nightly run acts (after its dry run)")
    inactive_before: dt.datetime | None
    customers: int = Field(description="customers the policy would anonymise or delete")
    held: int = Field(description="inactive but kept for the tax record period")
    sample_ids: list[int]
    import_files: int
    import_bytes: int


@router.get(
    "/privacy/retention",
    response=RetentionOut,
    summary="The retention policy's dry run: what it would do tonight (changes nothing)",
)
@private
def retention_dry_run(request: HttpRequest) -> dict[str, Any]:
    plan = retention_plan_for(actor=actor_of(request))
    return {
        "action": plan.action,
        "enabled": plan.settings.retention_enabled,
        "inactive_before": plan.cutoff,
        "customers": plan.customers,
        "held": plan.held,
        "sample_ids": [c.pk for c in plan.sample],
        "import_files": plan.files.count if plan.files else 0,
        "import_bytes": plan.files.bytes if plan.files else 0,
    }


@router.get(
    "/privacy/record",
    response=dict[str, Any],
    summary="The record of processing activities (PDPA s. 39), from the shop's settings",
)
@private
def record_of_processing(request: HttpRequest) -> dict[str, Any]:
    return processing_record_json(processing_record(actor=actor_of(request)))
