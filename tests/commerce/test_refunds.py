"""Partial and full refunds: the service's rules, the event it publishes, net spend everywhere
(customer summary, dashboard revenue, segments), the API, the order page, privacy and
concurrency."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samphan.commerce.events import OrderRefunded, OrderStatusChanged
from samphan.commerce.models import (
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    SalesChannel,
)
from samphan.commerce.refunds import RefundLineInput, line_refund_amount, refund_create
from samphan.commerce.services import LineInput, order_create
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import AuditLog
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.timeline.models import TimelineEvent
from tests.commerce.test_order_numbers import _share_test_data, threads_database  # noqa: F401
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
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
