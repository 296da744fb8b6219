"""API: sales channels, orders and products."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from samphan.commerce import selectors, services
from samphan.commerce.models import Order, OrderLine, Product
from samphan.core.api_auth import actor_of
from samphan.core.api_schema import (
    QUERY_MAX,
    ApiRouter,
    ErrorOut,
    EventTime,
    Id,
    Pagination,
    Quantity,
    Satang,
    column,
)
from samphan.core.audit import client_ip

router = ApiRouter(tags=["commerce"])

MAX_LINES = 500


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
def channel_detail(request: HttpRequest, channel_id: Id) -> object:
    return selectors.channel_get(actor=actor_of(request), channel_id=channel_id)


@router.get("/orders", response=list[OrderOut], summary="List orders, newest first")
@paginate(Pagination)
def order_list(request: HttpRequest) -> object:
    return selectors.order_list(actor=actor_of(request)).order_by("-placed_at", "-id")


@router.get("/orders/{order_id}", response=OrderDetailOut, summary="One order with its lines")
def order_detail(request: HttpRequest, order_id: Id) -> object:
    return selectors.order_get(actor=actor_of(request), order_id=order_id)


# --- writes: orders and products --------------------------------------------------------------


class OrderLineIn(Schema):
    name: str = column(OrderLine, "name")
    quantity: Quantity = 1
    unit_price_satang: Satang = Field(description="price of one unit in satang (฿65.00 = 6500)")
    sku: str = column(OrderLine, "sku", "")
    product_id: Id | None = None


class OrderIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "channel_id": 1,
                "customer_id": 1,
                "external_id": "POS-2611-0001",
                "payment_method": "promptpay",
                "lines": [
                    {"name": "ชาไทยเย็น", "quantity": 2, "unit_price_satang": 6500},
                    {"name": "ขนมปังสังขยา", "quantity": 1, "unit_price_satang": 4500},
                ],
            }
        }
    }

    channel_id: Id
    lines: list[OrderLineIn] = Field(max_length=MAX_LINES, description=f"at most {MAX_LINES}")
    customer_id: Id | None = None
    branch_id: Id | None = None
    external_id: str | None = column(
        Order,
        "external_id",
        None,
        description="your system's order id; posting it again returns the same order",
    )
    number: str = column(
        Order, "number", "", description="left empty, Samphan numbers the order (ST-2611-000042)"
    )
    placed_at: EventTime | None = Field(
        None,
        description="defaults to now; from 2000 to next year (a Buddhist-Era year is converted)",
    )
    status: str = column(
        Order,
        "status",
        "paid",
        enum=sorted(services.NEW_ORDER_STATUSES),
        description="paid or cancelled (refund or return a paid order with /orders/{id}/status)",
    )
    discount_satang: Satang = Field(0, description="at most the lines' subtotal")
    shipping_satang: Satang = 0
    payment_method: str = column(Order, "payment_method", "")
    coupon_code: str = column(Order, "coupon_code", "")


@router.post(
    "/orders",
    response={200: OrderDetailOut, 201: OrderDetailOut, 409: ErrorOut},
    summary="Record an order (idempotent on external_id)",
    description=(
        "201 with the new order; 200 with the existing order when this channel already has an "
        "order with the same `external_id` (safe to retry). The customer's purchase summary "
        "and timeline are updated."
    ),
)
def order_create(request: HttpRequest, payload: OrderIn) -> object:
    actor = actor_of(request)
    result = services.order_create(
        actor=actor,
        channel_id=payload.channel_id,
        lines=[
            services.LineInput(
                name=line.name,
                quantity=line.quantity,
                unit_price_satang=line.unit_price_satang,
                sku=line.sku,
                product_id=line.product_id,
            )
            for line in payload.lines
        ],
        customer_id=payload.customer_id,
        branch_id=payload.branch_id,
        external_id=payload.external_id,
        number=payload.number,
        placed_at=payload.placed_at,
        status=payload.status,
        discount_satang=payload.discount_satang,
        shipping_satang=payload.shipping_satang,
        payment_method=payload.payment_method,
        coupon_code=payload.coupon_code,
    )
    order = selectors.order_get(actor=actor, order_id=result.order.pk)
    return Status(201 if result.created else 200, order)


class OrderStatusIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {"status": "refunded", "reason": "ลูกค้าเปลี่ยนใจ คืนเงินทาง PromptPay"}
        }
    }

    status: str = column(
        Order, "status", description="cancelled, refunded or returned (only a paid order changes)"
    )
    reason: str = Field(
        max_length=500, description="why, in a few words (required, up to 500 characters)"
    )


class OrderStatusOut(OrderDetailOut):
    changed: bool = Field(description="false when the order already had this status")


@router.post(
    "/orders/{order_id}/status",
    response={200: OrderStatusOut, 409: ErrorOut},
    summary="Cancel, refund or mark returned a paid order",
    description=(
        "Moves a `paid` order to `cancelled`, `refunded` or `returned` with a reason, writes "
        "the customer's timeline and the audit log, and recomputes the customer's purchase "
        "summary from the orders still paid. Asking for the status the order already has "
        "changes nothing (`changed: false`). Errors: 409 `invalid_status_change` (the order is "
        "not paid), 422 `reason_required` / `invalid_status`, 404 `order_not_found`."
    ),
)
def order_status_change(request: HttpRequest, order_id: Id, payload: OrderStatusIn) -> object:
    actor = actor_of(request)
    result = services.order_status_change(
        actor=actor,
        order_id=order_id,
        status=payload.status,
        reason=payload.reason,
        ip=client_ip(request),
    )
    order = selectors.order_get(actor=actor, order_id=result.order.pk)
    order.changed = result.changed  # type: ignore[attr-defined]
    return order


class ProductOut(Schema):
    id: int
    sku: str
    name_th: str
    name_en: str
    category_id: int | None
    price_satang: int
    is_active: bool


class ProductIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "sku": "TEA-001",
                "name_th": "ชาไทยเย็น",
                "name_en": "Iced Thai tea",
                "price_satang": 6500,
            }
        }
    }

    sku: str = column(Product, "sku")
    name_th: str = column(Product, "name_th")
    name_en: str = column(Product, "name_en", "")
    price_satang: Satang = 0
    category_id: Id | None = None


@router.get("/products", response=list[ProductOut], summary="List or search products")
@paginate(Pagination)
def product_list(
    request: HttpRequest,
    # A default, not Annotated: @paginate reads the annotations in ninja's own module.
    q: str = Query("", max_length=QUERY_MAX),
    active: bool | None = None,
) -> object:
    actor = actor_of(request)
    qs = Product.objects.filter(workspace=actor.workspace)
    if q.strip():
        qs = qs.filter(
            Q(sku__icontains=q.strip())
            | Q(name_th__icontains=q.strip())
            | Q(name_en__icontains=q.strip())
        )
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("name_th", "id")


@router.post("/products", response={201: ProductOut, 409: ErrorOut}, summary="Add a product")
def product_create(request: HttpRequest, payload: ProductIn) -> object:
    product = services.product_create(
        actor=actor_of(request),
        sku=payload.sku,
        name_th=payload.name_th,
        name_en=payload.name_en,
        price_satang=payload.price_satang,
        category_id=payload.category_id,
    )
    return Status(201, product)
