"""API: sales channels, orders and products."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Header, Query, Schema, Status
from ninja.pagination import paginate

from samphan.commerce import refunds, selectors, services
from samphan.commerce.models import Order, OrderLine, Product, Refund
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
    id: int = Field(description="the line's id: `line_id` of a refund")
    sku: str
    name: str
    quantity: int
    unit_price_satang: int
    line_total_satang: int
    refunded_quantity: int = Field(description="units given back by refunds so far")
    refunded_satang: int = Field(description="value of the units given back so far")


class RefundLineOut(Schema):
    line_id: int
    quantity: int
    amount_satang: int

    @staticmethod
    def resolve_line_id(obj: object) -> int:
        return int(obj.order_line_id)  # type: ignore[attr-defined]


class RefundSummaryOut(Schema):
    id: int
    amount_satang: int = Field(description="what this refund gave back, in satang")
    lines: list[RefundLineOut] = Field(
        description="units of the order's lines; empty for an amount"
    )
    reason: str
    created_by: str = Field(description="the member's name or email, or API for an API key")
    created_at: dt.datetime

    @staticmethod
    def resolve_lines(obj: Refund) -> list[object]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_created_by(obj: Refund) -> str:
        return selectors.refund_by(obj)


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
    refunded_satang: int = Field(
        description="given back by refunds so far; the order counts as total − refunded spent"
    )


class OrderDetailOut(OrderOut):
    subtotal_satang: int
    discount_satang: int
    shipping_satang: int
    lines: list[OrderLineOut]
    refunds: list[RefundSummaryOut] = Field(description="oldest first")

    @staticmethod
    def resolve_lines(obj: Order) -> list[OrderLine]:
        return sorted(obj.lines.all(), key=lambda line: line.pk)

    @staticmethod
    def resolve_refunds(obj: Order) -> list[Refund]:
        return sorted(obj.refunds.all(), key=lambda refund: (refund.created_at, refund.pk))


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


class RefundLineIn(Schema):
    line_id: Id = Field(description="an id from the order's `lines`")
    quantity: Quantity = Field(description="units to give back, at most those not yet refunded")


class RefundIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {"amount_satang": 5000, "reason": "ส่งของช้า คืนค่าส่ง ฿50"},
            "examples": [
                {
                    "lines": [{"line_id": 12, "quantity": 1}],
                    "reason": "ลูกค้านำแก้วที่แตกมาคืน 1 ใบ",
                },
                {"amount_satang": 5000, "reason": "ส่งของช้า คืนค่าส่ง ฿50"},
            ],
        }
    }

    lines: list[RefundLineIn] | None = Field(
        None,
        min_length=1,
        max_length=refunds.REFUND_LINES_MAX,
        description=f"units of the order's lines to refund (at most {refunds.REFUND_LINES_MAX}"
        " lines, each once); give this or `amount_satang`",
    )
    amount_satang: Satang | None = Field(
        None, description="an amount to refund, spread over no line; give this or `lines`"
    )
    reason: str = Field(
        max_length=refunds.REFUND_REASON_MAX,
        description=f"why, in a few words (required, up to {refunds.REFUND_REASON_MAX} characters)",
    )


class RefundOrderOut(Schema):
    id: int
    number: str
    status: str = Field(description="`refunded` once the refunds reach the total")
    total_satang: int
    refunded_satang: int


class RefundOut(RefundSummaryOut):
    order: RefundOrderOut


@router.post(
    "/orders/{order_id}/refunds",
    response={200: RefundOut, 201: RefundOut, 409: ErrorOut},
    summary="Refund part or all of a paid order",
    description=(
        "Gives back units of the order's lines (`lines`) or an amount (`amount_satang`), "
        "exactly one of them, with a `reason`; records who and why, writes the timeline "
        "(`order.refunded`) and the audit log, and recomputes the customer's purchase summary: "
        "a paid order counts as `total_satang − refunded_satang` spent.\n\n"
        "A unit of a line is worth the line's total ÷ its quantity, rounded down, the last unit "
        "taking the remainder; a line refund gives back the units' worth, at most what is left "
        "on the order (an order-wide discount can make the lines worth more than was paid). An "
        "amount refund is spread over no line. When the refunds reach the order's total, the "
        "order becomes `refunded` (and `order.status_changed` is written too).\n\n"
        "201 with the new refund. With an `Idempotency-Key` header already used for a refund of "
        "this order: 200 with that refund, nothing written (safe to retry).\n\n"
        "Errors: 409 `over_refund` (more units than are left on a line — `details."
        "refundable_quantity` — or more money than is left — `details.refundable_satang`), 409 "
        "`order_not_paid` (cancelled, returned or already refunded), 409 "
        "`idempotency_key_reused` (the key named a refund of another order); 422 "
        "`refund_lines_and_amount` (both given), `refund_nothing` (neither), `unknown_line` "
        "(`details.line_id` is not a line of this order), `duplicate_line`, `invalid_amount`, "
        "`reason_required`, `too_long`, `validation_error`; 403 `permission_denied` (a role "
        "without `order.refund`) or `read_only_key`; 404 `order_not_found` (also another "
        "workspace's order)."
    ),
)
def refund_create(
    request: HttpRequest,
    order_id: Id,
    payload: RefundIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=refunds.IDEMPOTENCY_KEY_MAX,
        description="any unique string per refund (e.g. a UUID); a retry with it refunds once",
    ),
) -> object:
    actor = actor_of(request)
    result = refunds.refund_create(
        actor=actor,
        order_id=order_id,
        lines=(
            [refunds.RefundLineInput(line_id=x.line_id, quantity=x.quantity) for x in payload.lines]
            if payload.lines is not None
            else None
        ),
        amount_satang=payload.amount_satang,
        reason=payload.reason,
        idempotency_key=idempotency_key,
        ip=client_ip(request),
    )
    refund = selectors.refund_get(actor=actor, refund_id=result.refund.pk)
    return Status(201 if result.created else 200, refund)


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
