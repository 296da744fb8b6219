"""Partial and full refunds: the service's rules, the event it publishes, net spend everywhere
(customer summary, dashboard revenue, segments), the API, the order page, privacy and
concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from samphan.analytics.kpis import monthly_revenue
from samphan.commerce.events import OrderRefunded, OrderStatusChanged
from samphan.commerce.models import (
    CustomerProductPurchase,
    CustomerPurchaseLine,
    CustomerPurchaseRun,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    SalesChannel,
)
from samphan.commerce.refunds import RefundLineInput, line_refund_amount, refund_create
from samphan.commerce.services import LineInput, order_create
from samphan.core.access import Actor, actor_for_membership
from samphan.core.datasubject import ERASED_MARK, Subject, registered_parts
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import ApiKey, AuditLog
from samphan.core.roles import Role
from samphan.core.services import api_key_create
from samphan.customers.models import Customer
from samphan.segments.rules import segment_queryset
from samphan.timeline.models import TimelineEvent
from tests.commerce.test_order_numbers import _share_test_data, threads_database  # noqa: F401
from tests.conftest import ApiClient
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    ProductFactory,
    SalesChannelFactory,
)

REASON = "ลูกค้านำแก้วที่แตกมาคืน"


@pytest.fixture
def channel(owner: Actor) -> SalesChannel:
    return SalesChannelFactory.create(workspace=owner.workspace, name="หน้าร้าน")


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return CustomerFactory.create(workspace=owner.workspace, first_name="มาลี")


def _sale(
    actor: Actor,
    channel: SalesChannel,
    customer: Customer | None,
    lines: list[LineInput] | None = None,
    **kw: Any,
) -> Order:
    """฿10.00 × 3 cups and ฿45.00 × 1 bun: ฿75.00."""
    return order_create(
        actor=actor,
        channel_id=channel.pk,
        customer_id=customer.pk if customer else None,
        lines=lines
        or [
            LineInput(name="แก้วกาแฟ", quantity=3, unit_price_satang=1000),
            LineInput(name="ขนมปังสังขยา", quantity=1, unit_price_satang=4500),
        ],
        **kw,
    ).order


def _lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order).order_by("pk"))


# --- the unit arithmetic ---------------------------------------------------------------------


def test_units_add_up_to_the_line_total_the_last_taking_the_remainder() -> None:
    steps = [
        line_refund_amount(line_total_satang=1000, line_quantity=3, refunded_quantity=k, quantity=1)
        for k in range(3)
    ]
    assert steps == [333, 333, 334]
    assert (
        line_refund_amount(line_total_satang=1000, line_quantity=3, refunded_quantity=0, quantity=3)
        == 1000
    )


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**12),
    quantity=st.integers(min_value=1, max_value=2**31 - 1),
    data=st.data(),
)
def test_any_steps_sum_to_the_line_total(total: int, quantity: int, data: Any) -> None:
    done, amounts = 0, []
    while done < quantity:
        step = data.draw(st.integers(min_value=1, max_value=min(quantity - done, 10**6)))
        if data.draw(st.booleans()):
            step = quantity - done
        amounts.append(
            line_refund_amount(
                line_total_satang=total,
                line_quantity=quantity,
                refunded_quantity=done,
                quantity=step,
            )
        )
        done += step
    assert sum(amounts) == total and all(a >= 0 for a in amounts)


# --- the service ------------------------------------------------------------------------------


def test_a_partial_line_refund(owner: Actor, channel: SalesChannel, customer: Customer) -> None:
    order = _sale(owner, channel, customer)
    cups, bun = _lines(order)
    result = refund_create(
        actor=owner,
        order_id=order.pk,
        lines=[RefundLineInput(line_id=cups.pk, quantity=1)],
        reason=f"  {REASON}\n",
        ip="10.0.0.9",
    )
    assert result.created
    refund = result.refund
    assert (refund.amount_satang, refund.reason, refund.created_by) == (1000, REASON, owner.user)
    assert refund.created_by_label == owner.label
    assert [(r.order_line_id, r.quantity, r.amount_satang) for r in refund.lines.all()] == [
        (cups.pk, 1, 1000)
    ]
    order.refresh_from_db()
    assert (order.status, order.refunded_satang) == (OrderStatus.PAID, 1000)
    cups.refresh_from_db()
    bun.refresh_from_db()
    assert (cups.refunded_quantity, cups.refunded_satang) == (1, 1000)
    assert (bun.refunded_quantity, bun.refunded_satang) == (0, 0)
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent_satang) == (1, 6500)
    audit = AuditLog.objects.get(action="order.refunded")
    assert (audit.actor, audit.ip, audit.data["amount_satang"]) == (owner.user, "10.0.0.9", 1000)


def test_a_line_whose_units_do_not_divide_evenly(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    # A marketplace line: 3 units for ฿10.00 after the platform's own discount.
    order = _sale(owner, channel, customer)
    cups, _bun = _lines(order)
    OrderLine.objects.filter(pk=cups.pk).update(line_total_satang=1000)
    Order.objects.filter(pk=order.pk).update(subtotal_satang=5500, total_satang=5500)
    amounts = [
        refund_create(
            actor=owner, order_id=order.pk, lines=[RefundLineInput(cups.pk, 1)], reason="x"
        ).refund.amount_satang
        for _ in range(3)
    ]
    assert amounts == [333, 333, 334]
    cups.refresh_from_db()
    assert (cups.refunded_quantity, cups.refunded_satang) == (3, 1000)
    order.refresh_from_db()
    assert (order.status, order.refunded_satang) == (OrderStatus.PAID, 1000)


def test_the_event_contract(owner: Actor, channel: SalesChannel, customer: Customer) -> None:
    order = _sale(owner, channel, customer)
    cups, bun = _lines(order)
    refund = refund_create(
        actor=owner,
        order_id=order.pk,
        lines=[RefundLineInput(cups.pk, 2), RefundLineInput(bun.pk, 1)],
        reason=REASON,
    ).refund
    event = TimelineEvent.objects.get(type=OrderRefunded.type)
    assert (event.customer_id, event.order_id, event.actor) == (customer.pk, order.pk, owner.user)
    assert event.links == {"order": order.pk}
    assert event.payload == {
        "number": order.number,
        "refund_id": refund.pk,
        "amount_satang": 6500,
        "refunded_total_satang": 6500,
        "total_satang": 7500,
        "lines": [
            {"line_id": cups.pk, "quantity": 2, "amount_satang": 2000},
            {"line_id": bun.pk, "quantity": 1, "amount_satang": 4500},
        ],
        "reason": REASON,
    }
    # An amount next: no lines, the cumulative total.
    second = refund_create(actor=owner, order_id=order.pk, amount_satang=500, reason="ส่วนลด")
    payload = TimelineEvent.objects.filter(type=OrderRefunded.type).latest("id").payload
    assert payload["refund_id"] == second.refund.pk
    assert (payload["amount_satang"], payload["refunded_total_satang"]) == (500, 7000)
    assert payload["lines"] == []
    # Published events cross a process boundary (after-commit subscribers) unchanged.
    from samphan.timeline.registry import DomainEvent

    again = OrderRefunded(
        workspace_id=owner.workspace.pk, order_id=order.pk, customer_id=customer.pk, **payload
    )
    assert DomainEvent.from_message(again.as_message()) == again


def test_an_amount_refund_spreads_nothing_to_the_lines(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    refund = refund_create(actor=owner, order_id=order.pk, amount_satang=2500, reason="ส่งช้า").refund
    assert refund.amount_satang == 2500 and not refund.lines.exists()
    assert all(line.refunded_quantity == 0 for line in _lines(order))
    order.refresh_from_db()
    assert (order.status, order.refunded_satang) == (OrderStatus.PAID, 2500)
    customer.refresh_from_db()
    assert customer.total_spent_satang == 5000


def test_reaching_the_total_refunds_the_order(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    refund_create(actor=owner, order_id=order.pk, amount_satang=7000, reason="a")
    refund_create(actor=owner, order_id=order.pk, amount_satang=500, reason="ครบ")
    order.refresh_from_db()
    assert (order.status, order.refunded_satang) == (OrderStatus.REFUNDED, 7500)
    change = TimelineEvent.objects.get(type=OrderStatusChanged.type)
    assert (change.payload["from"], change.payload["to"], change.payload["reason"]) == (
        "paid",
        "refunded",
        "ครบ",
    )
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent_satang) == (0, 0)
    with pytest.raises(ApplicationError) as err:
        refund_create(actor=owner, order_id=order.pk, amount_satang=1, reason="อีก")
    assert (err.value.code, err.value.status) == ("order_not_paid", 409)


def test_every_line_of_a_discounted_order_refunds_what_was_paid(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    # ฿75.00 of goods with ฿10.00 off: returning everything gives back ฿65.00, not ฿75.00.
    order = _sale(owner, channel, customer, discount_satang=1000)
    cups, bun = _lines(order)
    refund = refund_create(
        actor=owner,
        order_id=order.pk,
        lines=[RefundLineInput(cups.pk, 3), RefundLineInput(bun.pk, 1)],
        reason="คืนทั้งหมด",
    ).refund
    assert refund.amount_satang == 6500
    assert sorted(r.amount_satang for r in refund.lines.all()) == [3000, 4500]  # goods' value
    order.refresh_from_db()
    assert (order.status, order.refunded_satang) == (OrderStatus.REFUNDED, 6500)


def test_shipping_stays_when_only_the_goods_come_back(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer, shipping_satang=5000)
    cups, bun = _lines(order)
    refund_create(
        actor=owner,
        order_id=order.pk,
        lines=[RefundLineInput(cups.pk, 3), RefundLineInput(bun.pk, 1)],
        reason="คืนของ",
    )
    order.refresh_from_db()
    assert (order.status, order.refunded_satang) == (OrderStatus.PAID, 7500)
    refund_create(actor=owner, order_id=order.pk, amount_satang=5000, reason="ค่าส่ง")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


@pytest.mark.parametrize(
    "kwargs,code,status,field",
    [
        ({"lines": [(0, 4)]}, "over_refund", 409, "lines[0].quantity"),
        ({"amount_satang": 7501}, "over_refund", 409, "amount_satang"),
        ({"lines": [(0, 1)], "amount_satang": 100}, "refund_lines_and_amount", 422, "lines"),
        ({}, "refund_nothing", 422, "lines"),
        ({"lines": []}, "refund_nothing", 422, "lines"),
        ({"lines": [(0, 1), (0, 1)]}, "duplicate_line", 422, "lines[1].line_id"),
        ({"lines": [(0, 0)]}, "invalid_quantity", 422, "lines[0].quantity"),
        ({"amount_satang": 0}, "invalid_amount", 422, "amount_satang"),
        ({"amount_satang": -5}, "invalid_amount", 422, "amount_satang"),
        ({"lines": [(0, 1)], "reason": "  "}, "reason_required", 422, "reason"),
        ({"lines": [(0, 1)], "reason": "ก" * 501}, "too_long", 422, "reason"),
    ],
)
def test_bad_refunds_are_refused_and_nothing_changes(
    owner: Actor,
    channel: SalesChannel,
    customer: Customer,
    kwargs: dict[str, Any],
    code: str,
    status: int,
    field: str,
) -> None:
    order = _sale(owner, channel, customer)
    lines = _lines(order)
    given = dict(kwargs)
    if "lines" in given:
        given["lines"] = [RefundLineInput(lines[i].pk, q) for i, q in given["lines"]]
    given.setdefault("reason", REASON)
    with pytest.raises(ApplicationError) as err:
        refund_create(actor=owner, order_id=order.pk, **given)
    assert (err.value.code, err.value.status, err.value.details["field"]) == (code, status, field)
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert order.refunded_satang == 0
    assert not TimelineEvent.objects.filter(type=OrderRefunded.type).exists()


def test_over_refund_counts_what_was_refunded_before(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    cups, _bun = _lines(order)
    refund_create(actor=owner, order_id=order.pk, lines=[RefundLineInput(cups.pk, 2)], reason="x")
    with pytest.raises(ApplicationError) as err:
        refund_create(
            actor=owner, order_id=order.pk, lines=[RefundLineInput(cups.pk, 2)], reason="x"
        )
    assert err.value.code == "over_refund" and err.value.details["refundable_quantity"] == 1
    refund_create(actor=owner, order_id=order.pk, amount_satang=5000, reason="x")
    with pytest.raises(ApplicationError) as err:
        refund_create(actor=owner, order_id=order.pk, amount_satang=1000, reason="x")
    assert err.value.code == "over_refund" and err.value.details["refundable_satang"] == 500


def test_unknown_and_other_orders_lines_are_refused(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    other = _sale(owner, channel, customer)
    foreign = _lines(other)[0]
    for line_id in (foreign.pk, 10**12):
        with pytest.raises(ApplicationError) as err:
            refund_create(
                actor=owner, order_id=order.pk, lines=[RefundLineInput(line_id, 1)], reason="x"
            )
        assert (err.value.code, err.value.details["line_id"]) == ("unknown_line", line_id)


@pytest.mark.parametrize("status", ["cancelled", "returned", "refunded"])
def test_only_a_paid_order_is_refunded(owner: Actor, customer: Customer, status: str) -> None:
    order = OrderFactory.create(workspace=owner.workspace, customer=customer, status=status)
    with pytest.raises(ApplicationError) as err:
        refund_create(actor=owner, order_id=order.pk, amount_satang=100, reason="x")
    assert (err.value.code, err.value.status) == ("order_not_paid", 409)


@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.OWNER, True),
        (Role.MANAGER, True),
        (Role.STAFF, False),
        (Role.MARKETER, False),
        (Role.SUPPORT, False),
    ],
)
def test_who_may_refund(
    owner: Actor, channel: SalesChannel, customer: Customer, role: str, allowed: bool
) -> None:
    order = _sale(owner, channel, customer)
    actor = actor_for_membership(MembershipFactory.create(workspace=owner.workspace, role=role))
    if allowed:
        assert refund_create(actor=actor, order_id=order.pk, amount_satang=100, reason="x").created
        return
    with pytest.raises(PermissionDenied):
        refund_create(actor=actor, order_id=order.pk, amount_satang=100, reason="x")
    assert not Refund.objects.exists()


def test_another_workspace_order_is_not_found(owner: Actor) -> None:
    other = OrderFactory.create()
    with pytest.raises(NotFound):
        refund_create(actor=owner, order_id=other.pk, amount_satang=100, reason="x")
    assert Order.objects.get(pk=other.pk).refunded_satang == 0


def test_an_idempotency_key_refunds_once(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    first = refund_create(
        actor=owner, order_id=order.pk, amount_satang=1000, reason="x", idempotency_key="k-1"
    )
    again = refund_create(
        actor=owner, order_id=order.pk, amount_satang=1000, reason="x", idempotency_key="k-1"
    )
    assert first.created and not again.created and again.refund.pk == first.refund.pk
    assert Order.objects.get(pk=order.pk).refunded_satang == 1000
    other = _sale(owner, channel, customer)
    with pytest.raises(ApplicationError) as err:
        refund_create(
            actor=owner, order_id=other.pk, amount_satang=1000, reason="x", idempotency_key="k-1"
        )
    assert (err.value.code, err.value.status) == ("idempotency_key_reused", 409)
    # Keys are per workspace: another shop may use the same one.
    elsewhere = actor_for_membership(MembershipFactory.create(role=Role.OWNER))
    theirs = _sale(elsewhere, SalesChannelFactory.create(workspace=elsewhere.workspace), None)
    assert refund_create(
        actor=elsewhere, order_id=theirs.pk, amount_satang=100, reason="x", idempotency_key="k-1"
    ).created


def test_a_walk_in_sale_is_refunded_too(owner: Actor, channel: SalesChannel) -> None:
    order = _sale(owner, channel, None)
    refund_create(actor=owner, order_id=order.pk, amount_satang=100, reason="x")
    event = TimelineEvent.objects.get(type=OrderRefunded.type)
    assert event.customer_id is None and event.order_id == order.pk


def _members(actor: Actor, condition: dict[str, Any]) -> Any:
    return segment_queryset(actor, {"op": "and", "items": [condition]})


# --- net spend everywhere ----------------------------------------------------------------------


def test_analytics_count_the_refunded_part_as_not_spent(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    tea = ProductFactory.create(workspace=owner.workspace, name_th="ชาไทย", price_satang=5000)
    cake = ProductFactory.create(workspace=owner.workspace, name_th="เค้ก", price_satang=2000)
    order = _sale(
        owner,
        channel,
        customer,
        lines=[
            LineInput(name="ชาไทย", quantity=2, unit_price_satang=5000, product_id=tea.pk),
            LineInput(name="เค้ก", quantity=1, unit_price_satang=2000, product_id=cake.pk),
        ],
    )
    second = _sale(owner, channel, customer)  # ฿75.00
    spent_over = {"field": "total_spent", "operator": "gt", "value": 150}
    spent_recently = {**spent_over, "period": {"within_days": 30}}
    bought_cake = {"field": "bought_product", "operator": "any", "value": [cake.pk]}
    assert customer.pk in _members(owner, spent_over).values_list("pk", flat=True)
    assert customer.pk in _members(owner, spent_recently).values_list("pk", flat=True)
    assert monthly_revenue(workspace=owner.workspace, months=1)[0].revenue_satang == 19500

    cake_line = OrderLine.objects.get(order=order, product=cake)
    refund_create(
        actor=owner, order_id=order.pk, lines=[RefundLineInput(cake_line.pk, 1)], reason="เค้กเสีย"
    )
    refund_create(actor=owner, order_id=second.pk, amount_satang=500, reason="ส่วนลดย้อนหลัง")

    customer.refresh_from_db()
    # ฿195.00 paid, ฿25.00 given back: ฿170.00 spent in 2 orders.
    assert (customer.orders_count, customer.total_spent_satang) == (2, 17000)
    runs = CustomerPurchaseRun.objects.filter(customer=customer).order_by("placed_at", "id")
    assert [r.total_satang for r in runs] == [10000, 7000]
    assert [r.spent_from_satang for r in runs] == [17000, 7000]
    assert monthly_revenue(workspace=owner.workspace, months=1)[0].revenue_satang == 17000
    # The cake came back: the customer no longer counts as having bought it.
    assert set(
        CustomerProductPurchase.objects.filter(customer=customer).values_list(
            "product_id", flat=True
        )
    ) == {tea.pk}
    assert set(
        CustomerPurchaseLine.objects.filter(customer=customer).values_list("product_id", flat=True)
    ) == {tea.pk}
    assert not _members(owner, bought_cake).filter(pk=customer.pk).exists()
    # Segments read the net figures, ever and in a period.
    for spent in (
        {**spent_over, "value": 170},
        {**spent_recently, "value": 170},
    ):
        assert not _members(owner, spent).filter(pk=customer.pk).exists()
    for spent in (
        {**spent_over, "operator": "eq", "value": 170},
        {**spent_recently, "operator": "eq", "value": 170},
    ):
        assert _members(owner, spent).filter(pk=customer.pk).exists()


def test_rfm_and_clv_inputs_are_net(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    from samphan.analytics.recompute import purchases_read

    order = _sale(owner, channel, customer)
    refund_create(actor=owner, order_id=order.pk, amount_satang=2500, reason="x")
    purchases = purchases_read(workspace=owner.workspace, until=timezone.now())
    assert list(purchases.total_satang) == [5000]


# --- the API ------------------------------------------------------------------------------------


def _url(order: Order) -> str:
    return f"/api/v1/orders/{order.pk}/refunds"


def test_api_refunds_lines(
    api_rw: ApiClient, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    cups, _bun = _lines(order)
    response = api_rw.post(
        _url(order), {"lines": [{"line_id": cups.pk, "quantity": 2}], "reason": REASON}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    refund = Refund.objects.get()
    assert body["id"] == refund.pk
    assert (body["amount_satang"], body["reason"], body["created_by"]) == (2000, REASON, "API")
    assert body["lines"] == [{"line_id": cups.pk, "quantity": 2, "amount_satang": 2000}]
    assert body["order"] == {
        "id": order.pk,
        "number": order.number,
        "status": "paid",
        "total_satang": 7500,
        "refunded_satang": 2000,
    }
    assert body["created_at"]
    detail = api_rw.get(f"/api/v1/orders/{order.pk}").json()
    assert detail["refunded_satang"] == 2000
    assert [r["id"] for r in detail["refunds"]] == [refund.pk]
    cups_out = next(line for line in detail["lines"] if line["id"] == cups.pk)
    assert (cups_out["refunded_quantity"], cups_out["refunded_satang"]) == (2, 2000)
    listed = api_rw.get("/api/v1/orders").json()["items"]
    assert listed[0]["refunded_satang"] == 2000


def test_api_refunds_an_amount_to_the_full_total(
    api_rw: ApiClient, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    response = api_rw.post(_url(order), {"amount_satang": 7500, "reason": "ยกเลิกทั้งบิล"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lines"] == []
    assert (body["order"]["status"], body["order"]["refunded_satang"]) == ("refunded", 7500)


def test_api_idempotency_key(
    api_rw: ApiClient, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    headers = {**api_rw.headers, "Idempotency-Key": "till-7-0042"}

    def post() -> Any:
        return api_rw.client.post(
            _url(order),
            {"amount_satang": 1000, "reason": "x"},
            content_type="application/json",
            headers=headers,
        )

    first, again = post(), post()
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Order.objects.get(pk=order.pk).refunded_satang == 1000
    too_long = {**api_rw.headers, "Idempotency-Key": "k" * 101}
    refused = api_rw.client.post(
        _url(order),
        {"amount_satang": 1000, "reason": "x"},
        content_type="application/json",
        headers=too_long,
    )
    assert refused.status_code == 422


@pytest.mark.parametrize(
    "payload,status,code",
    [
        ({"lines": [[0, 4]], "reason": "x"}, 409, "over_refund"),
        ({"amount_satang": 7501, "reason": "x"}, 409, "over_refund"),
        ({"lines": [[99, 1]], "reason": "x"}, 422, "unknown_line"),
        ({"lines": [[0, 1]], "amount_satang": 100, "reason": "x"}, 422, "refund_lines_and_amount"),
        ({"reason": "x"}, 422, "refund_nothing"),
        ({"lines": [], "reason": "x"}, 422, "validation_error"),
        ({"amount_satang": 0, "reason": "x"}, 422, "invalid_amount"),
        ({"amount_satang": -1, "reason": "x"}, 422, "validation_error"),
        ({"amount_satang": 100}, 422, "validation_error"),
        ({"amount_satang": 100, "reason": " "}, 422, "reason_required"),
        ({"amount_satang": 100, "reason": "ก" * 501}, 422, "validation_error"),
        ({"lines": [[0, 0]], "reason": "x"}, 422, "validation_error"),
        ({"lines": [{"quantity": 1}], "reason": "x"}, 422, "validation_error"),
    ],
)
def test_api_errors(
    api_rw: ApiClient,
    owner: Actor,
    channel: SalesChannel,
    customer: Customer,
    payload: dict[str, Any],
    status: int,
    code: str,
) -> None:
    order = _sale(owner, channel, customer)
    lines = _lines(order)
    body = dict(payload)
    if "lines" in body:
        body["lines"] = [
            item
            if isinstance(item, dict)
            else {
                "line_id": lines[item[0]].pk if item[0] < len(lines) else 10**9,
                "quantity": item[1],
            }
            for item in body["lines"]
        ]
    response = api_rw.post(_url(order), body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Refund.objects.exists()


def test_api_refuses_an_unpaid_order(api_rw: ApiClient, owner: Actor, customer: Customer) -> None:
    order = OrderFactory.create(workspace=owner.workspace, customer=customer, status="cancelled")
    response = api_rw.post(_url(order), {"amount_satang": 100, "reason": "x"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_not_paid"


def test_api_read_only_key_and_other_workspace(
    api_ro: ApiClient, api_rw: ApiClient, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    refused = api_ro.post(_url(order), {"amount_satang": 100, "reason": "x"})
    assert refused.status_code == 403
    other = OrderFactory.create()
    missing = api_rw.post(_url(other), {"amount_satang": 100, "reason": "x"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "order_not_found"
    # Nor can a line of another shop's order be named on one's own.
    foreign = OrderLine.objects.filter(order=other).first()
    assert foreign is not None
    wrong = api_rw.post(
        _url(order), {"lines": [{"line_id": foreign.pk, "quantity": 1}], "reason": "x"}
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "unknown_line"
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=other.pk).refunded_satang == 0


def test_api_documents_the_route(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/orders/{order_id}/refunds"]["post"]
    assert {"200", "201", "404", "409", "422", "403"} <= set(operation["responses"])
    for code in ("over_refund", "order_not_paid", "unknown_line", "refund_lines_and_amount"):
        assert code in operation["description"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    body = schema["components"]["schemas"]["RefundIn"]
    assert len(body["examples"]) == 2


# --- concurrency --------------------------------------------------------------------------------

CONCURRENT_REFUNDS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_exceed_the_total(threads_database: None) -> None:  # noqa: F811
    """Twelve tills refund ฿10.00 each at the same moment on a ฿75.00 order: seven are
    refunded, the rest are told there is not enough left (PostgreSQL: the order's row lock;
    SQLite: the write lock of BEGIN IMMEDIATE, on a file database as the app runs)."""
    owner = actor_for_membership(MembershipFactory(role=Role.OWNER))
    channel = SalesChannelFactory(workspace=owner.workspace)
    order = _sale(owner, channel, None)
    secret = api_key_create(actor=owner, name="pos", scope=ApiKey.Scope.READ_WRITE).secret
    _share_test_data()
    start = threading.Barrier(CONCURRENT_REFUNDS)

    def refund(i: int) -> tuple[int, Any]:
        try:
            start.wait(timeout=30)
            response = Client().post(
                f"/api/v1/orders/{order.pk}/refunds",
                {"amount_satang": 1000, "reason": f"till {i}"},
                content_type="application/json",
                headers={"X-API-Key": secret},
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CONCURRENT_REFUNDS) as pool:
        results = list(pool.map(refund, range(CONCURRENT_REFUNDS)))

    statuses = sorted(status for status, _body in results)
    assert statuses == [201] * 7 + [409] * 5, results
    refused = [body["error"]["code"] for status, body in results if status == 409]
    assert set(refused) == {"over_refund"}

    def totals() -> tuple[int, int, str]:
        try:
            fresh = Order.objects.get(pk=order.pk)
            return (
                sum(
                    Refund.objects.filter(order_id=order.pk).values_list("amount_satang", flat=True)
                ),
                fresh.refunded_satang,
                fresh.status,
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(totals).result() == (7000, 7000, "paid")


# --- the order page -----------------------------------------------------------------------------


def _page(order: Order) -> str:
    return reverse("commerce:order_detail", args=[order.pk])


def test_order_page_refunds_part_of_an_order(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    cups, bun = _lines(order)
    page = owner_client.get(_page(order))
    html = page.content.decode()
    assert 'id="order-refund"' in html and f'name="qty-{cups.pk}"' in html
    assert '<html lang="th"' in html and "เหตุผล" in html  # Thai by default ("Reason")

    review = owner_client.post(
        _page(order),
        {"action": "refund_review", f"qty-{cups.pk}": "2", f"qty-{bun.pk}": "0",
         "refund_amount": "", "refund_reason": f" {REASON} "},
    )  # fmt: skip
    assert review.status_code == 200, review.content.decode()[:2000]
    assert review.context["refund_plan"].amount_satang == 2000
    html = review.content.decode()
    assert 'value="refund_confirm"' in html and "฿20.00" in html
    key = review.context["refund_form"].key
    assert key and not Refund.objects.exists()  # nothing saved yet

    confirm = {
        "action": "refund_confirm",
        f"qty-{cups.pk}": "2",
        "refund_reason": REASON,
        "refund_key": key,
    }
    done = owner_client.post(_page(order), confirm, follow=True)
    assert done.redirect_chain == [(_page(order), 302)]
    refund = Refund.objects.get()
    assert (refund.amount_satang, refund.reason, refund.created_by) == (2000, REASON, owner.user)
    page = done.content.decode()
    assert 'id="refunds"' in page and REASON in page
    assert "−฿20.00" in page  # refunded, in the totals
    # Sent twice (a double tap): refunded once.
    assert owner_client.post(_page(order), confirm).status_code == 302
    assert Refund.objects.count() == 1


def test_order_page_refunds_an_amount_and_shows_errors_at_their_field(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    missing_reason = owner_client.post(
        _page(order), {"action": "refund_review", "refund_amount": "50"}
    )
    assert missing_reason.status_code == 422
    assert missing_reason.context["error_field"] == "refund_reason"
    assert 'id="refund-reason-error"' in missing_reason.content.decode()
    too_much = owner_client.post(
        _page(order), {"action": "refund_review", "refund_amount": "80", "refund_reason": "x"}
    )
    assert too_much.status_code == 409 and too_much.context["error_field"] == "refund_amount"
    not_money = owner_client.post(
        _page(order), {"action": "refund_review", "refund_amount": "ห้าสิบ", "refund_reason": "x"}
    )
    assert not_money.status_code == 422 and not_money.context["error_field"] == "refund_amount"
    nothing = owner_client.post(_page(order), {"action": "refund_review", "refund_reason": "x"})
    assert nothing.status_code == 422 and nothing.context["error_field"] == "refund_lines"
    review = owner_client.post(
        _page(order), {"action": "refund_review", "refund_amount": "๕๐", "refund_reason": "ส่งช้า"}
    )
    assert review.context["refund_plan"].amount_satang == 5000
    owner_client.post(
        _page(order),
        {"action": "refund_confirm", "refund_amount": "50", "refund_reason": "ส่งช้า"},
    )
    assert Order.objects.get(pk=order.pk).refunded_satang == 5000


def test_order_page_offers_no_refund_without_the_permission(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    refund_create(actor=owner, order_id=order.pk, amount_satang=100, reason="ให้ส่วนลด")
    membership = MembershipFactory.create(workspace=owner.workspace, role=Role.STAFF)
    client = Client()
    client.force_login(membership.user)
    page = client.get(_page(order))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="order-refund"' not in html
    assert "ให้ส่วนลด" in html  # the refunds are listed, with why
    refused = client.post(
        _page(order), {"action": "refund_confirm", "refund_amount": "1", "refund_reason": "x"}
    )
    assert refused.status_code == 403
    assert Refund.objects.count() == 1


def test_order_page_of_another_workspace_is_404(owner_client: Client) -> None:
    other = OrderFactory.create()
    posted = owner_client.post(
        _page(other), {"action": "refund_confirm", "refund_amount": "1", "refund_reason": "x"}
    )
    assert posted.status_code == 404
    assert not Refund.objects.exists()


def test_customer_timeline_tells_the_refund(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    refund_create(actor=owner, order_id=order.pk, amount_satang=2500, reason="สินค้าชำรุด")
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "สินค้าชำรุด" in html and "฿25.00" in html


# --- privacy ------------------------------------------------------------------------------------


def test_refunds_are_exported_and_their_reasons_erased(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    cups, _bun = _lines(order)
    refund_create(
        actor=owner,
        order_id=order.pk,
        lines=[RefundLineInput(cups.pk, 1)],
        reason="คุณมาลีโทรมา 081-234-5678",
    )
    other = _sale(owner, channel, CustomerFactory.create(workspace=owner.workspace))
    refund_create(actor=owner, order_id=other.pk, amount_satang=100, reason="อีกคน")
    part = next(p for p in registered_parts() if p.key == "commerce.orders")
    subject = Subject(
        workspace_id=owner.workspace.pk, customer_id=customer.pk, customer_ids=(customer.pk,)
    )
    exported = part.export(subject)
    assert exported[0]["refunded_satang"] == 1000
    assert exported[0]["refunds"][0]["reason"] == "คุณมาลีโทรมา 081-234-5678"
    assert exported[0]["refunds"][0]["lines"] == [
        {"name": "แก้วกาแฟ", "quantity": 1, "amount_satang": 1000}
    ]
    assert part.erase([subject]) == 1
    assert Refund.objects.get(order=order).reason == ERASED_MARK
    assert Refund.objects.get(order=other).reason == "อีกคน"
    assert Refund.objects.get(order=order).amount_satang == 1000  # the amounts stay


def test_customer_page_orders_panel_shows_a_partial_refund(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    refund_create(actor=owner, order_id=order.pk, amount_satang=2500, reason="x")
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    # The panel's line (English until the Thai catalogue is merged).
    assert "฿25.00 refunded" in html or "คืนเงินแล้ว ฿25.00" in html
