"""API: sales channels and orders (read)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from samphan.api.auth import actor_of
from samphan.commerce import selectors

router = Router(tags=["commerce"])


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    is_active: bool


class OrderLineOut(Schema):
    sku: str
    name: str
    quantity: int
    unit_price_satang: int
    line_total_satang: int


class OrderOut(Schema):
    id: int
    number: str
    external_id: str | None
    customer_id: int | None
    channel_id: int
    branch_id: int | None
    status: str
    placed_at: dt.datetime
    payment_method: str
    total_satang: int


class OrderDetailOut(OrderOut):
    subtotal_satang: int
    discount_satang: int
    shipping_satang: int
    lines: list[OrderLineOut]


@router.get("/channels", response=list[ChannelOut], summary="List sales channels")
def channel_list(request: HttpRequest) -> object:
    return list(selectors.channel_list(actor=actor_of(request)))


@router.get("/channels/{channel_id}", response=ChannelOut, summary="One sales channel")
def channel_detail(request: HttpRequest, channel_id: int) -> object:
    return selectors.channel_get(actor=actor_of(request), channel_id=channel_id)


@router.get("/orders", response=list[OrderOut], summary="List orders, newest first")
@paginate(LimitOffsetPagination)
def order_list(request: HttpRequest) -> object:
    return selectors.order_list(actor=actor_of(request)).order_by("-placed_at", "-id")


@router.get("/orders/{order_id}", response=OrderDetailOut, summary="One order with its lines")
def order_detail(request: HttpRequest, order_id: int) -> object:
    return selectors.order_get(actor=actor_of(request), order_id=order_id)
