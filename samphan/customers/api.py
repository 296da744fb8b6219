"""API: customers (read; create, update and import arrive with the Customer 360 work)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from samphan.api.auth import actor_of
from samphan.customers import selectors

router = Router(tags=["customers"])


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
@paginate(LimitOffsetPagination)
def customer_list(request: HttpRequest) -> object:
    return selectors.customer_list(actor=actor_of(request)).order_by("-created_at", "-id")


@router.get("/customers/{customer_id}", response=CustomerDetailOut, summary="One customer")
def customer_detail(request: HttpRequest, customer_id: int) -> object:
    return selectors.customer_get(actor=actor_of(request), customer_id=customer_id)
