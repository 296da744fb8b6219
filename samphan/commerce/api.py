"""API: sales channels, orders and products."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from samphan.commerce import selectors, services
from samphan.commerce.models import Product
from samphan.core.api_auth import actor_of
from samphan.core.audit import client_ip

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


# --- writes: orders and products --------------------------------------------------------------


class OrderLineIn(Schema):
    name: str
    quantity: int = 1
    unit_price_satang: int = Field(description="price of one unit in satang (฿65.00 = 6500)")
    sku: str = ""
    product_id: int | None = None


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

    channel_id: int
    lines: list[OrderLineIn]
    customer_id: int | None = None
    branch_id: int | None = None
    external_id: str | None = Field(
        None, description="your system's order id; posting it again returns the same order"
    )
    number: str = Field("", description="left empty, Samphan numbers the order (ST-2611-000042)")
    placed_at: dt.datetime | None = Field(None, description="defaults to now")
    status: str = "paid"
    discount_satang: int = 0
    shipping_satang: int = 0
    payment_method: str = ""
    coupon_code: str = ""


@router.post(
    "/orders",
    response={200: OrderDetailOut, 201: OrderDetailOut},
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

    status: str = Field(description="cancelled, refunded or returned (only a paid order changes)")
    reason: str = Field(description="why, in a few words (required, up to 500 characters)")


class OrderStatusOut(OrderDetailOut):
    changed: bool = Field(description="false when the order already had this status")


@router.post(
    "/orders/{order_id}/status",
    response=OrderStatusOut,
    summary="Cancel, refund or mark returned a paid order",
    description=(
        "Moves a `paid` order to `cancelled`, `refunded` or `returned` with a reason, writes "
        "the customer's timeline and the audit log, and recomputes the customer's purchase "
        "summary from the orders still paid. Asking for the status the order already has "
        "changes nothing (`changed: false`). Errors: 409 `invalid_status_change` (the order is "
        "not paid), 422 `reason_required` / `invalid_status`, 404 `order_not_found`."
    ),
)
def order_status_change(request: HttpRequest, order_id: int, payload: OrderStatusIn) -> object:
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

    sku: str
    name_th: str
    name_en: str = ""
    price_satang: int = 0
    category_id: int | None = None


@router.get("/products", response=list[ProductOut], summary="List or search products")
@paginate(LimitOffsetPagination)
def product_list(request: HttpRequest, q: str = "", active: bool | None = None) -> object:
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


@router.post("/products", response={201: ProductOut}, summary="Add a product")
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
