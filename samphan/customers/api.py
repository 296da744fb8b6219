"""API: customers (read; create, update and import arrive with the Customer 360 work)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import QUERY_MAX, ApiRouter, Id, Pagination, column
from samphan.customers import selectors, services
from samphan.customers.models import ContactPoint, Customer

router = ApiRouter(tags=["customers"])

# Contacts given with one customer: a person has a handful; more is a batch, not a customer.
MAX_CONTACTS = 20


class ContactOut(Schema):
    kind: str
    value: str


class CustomerOut(Schema):
    id: int
    title: str
    first_name: str
    last_name: str
    nickname: str
    province: str
    created_at: dt.datetime
    orders_count: int
    total_spent_satang: int
    last_order_at: dt.datetime | None


class CustomerDetailOut(CustomerOut):
    gender: str
    birthday: dt.date | None
    acquisition_source: str
    first_order_at: dt.datetime | None
    contacts: list[ContactOut]


@router.get("/customers", response=list[CustomerOut], summary="List customers, newest first")
@paginate(Pagination)
def customer_list(request: HttpRequest) -> object:
    return selectors.customer_list(actor=actor_of(request)).order_by("-created_at", "-id")


@router.get("/customers/{customer_id}", response=CustomerDetailOut, summary="One customer")
def customer_detail(request: HttpRequest, customer_id: Id) -> object:
    return selectors.customer_get(actor=actor_of(request), customer_id=customer_id)


class ContactIn(Schema):
    kind: str = column(
        ContactPoint, "kind", description="phone, email, line, shopee, lazada, tiktok or social"
    )
    value: str = column(
        ContactPoint,
        "value",
        description="as typed; phones in any Thai format, e.g. 081-359-6920",
    )


class CustomerIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "first_name": "นางสาวสมหญิง",
                "last_name": "ใจดี",
                "nickname": "หญิง",
                "contacts": [{"kind": "phone", "value": "081-359-6920"}],
                "acquisition_source": "walk_in",
            }
        }
    }

    title: str = column(Customer, "title", "")
    first_name: str = column(Customer, "first_name", "")
    last_name: str = column(Customer, "last_name", "")
    nickname: str = column(Customer, "nickname", "")
    province: str = column(Customer, "province", "")
    acquisition_source: str = column(Customer, "acquisition_source", "")
    contacts: list[ContactIn] = Field(
        [], max_length=MAX_CONTACTS, description=f"at most {MAX_CONTACTS}"
    )


class CustomerCreatedOut(Schema):
    created: bool
    matched_by: str
    customer: CustomerDetailOut


class SearchQuery(Schema):
    q: str = Field(max_length=QUERY_MAX, description="what was typed in the search box")
    limit: int = Field(20, ge=1, le=100)


class SearchHitOut(Schema):
    matched_field: str
    matched_value: str
    customer: CustomerOut


@router.post(
    "/customers",
    response={200: CustomerCreatedOut, 201: CustomerCreatedOut},
    summary="Create a customer, or match an existing one by phone, email or LINE ID",
    description=(
        "Returns 201 with `created: true` for a new customer, or 200 with the existing customer "
        "(and `matched_by`) when any contact already belongs to one; new contacts are attached. "
        "A bad phone is a 422 naming the field and listing the accepted formats."
    ),
)
def customer_create(request: HttpRequest, payload: CustomerIn) -> object:
    result = services.customer_create(
        actor=actor_of(request),
        title=payload.title,
        first_name=payload.first_name,
        last_name=payload.last_name,
        nickname=payload.nickname,
        province=payload.province,
        acquisition_source=payload.acquisition_source,
        contacts=[(c.kind, c.value) for c in payload.contacts],
    )
    body = {"created": result.created, "matched_by": result.matched_by, "customer": result.customer}
    return Status(201 if result.created else 200, body)


@router.get(
    "/search/customers",
    response=list[SearchHitOut],
    summary="Search customers by phone (any format or last 4+ digits), email, LINE ID, name, order",
)
def customer_search(request: HttpRequest, query: Query[SearchQuery]) -> object:
    return selectors.customer_search(actor=actor_of(request), q=query.q, limit=query.limit)
