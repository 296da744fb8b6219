"""What an order earns: the rate, rounding in satang, discounts, exclusions, multipliers and
promotions; and earning through the subscriber, once per order."""

from __future__ import annotations

import datetime as dt

import pytest

from samphan.commerce.services import order_status_change
from samphan.core.access import Actor
from samphan.loyalty.models import Account, LedgerEntry, OrderPoints, Programme
from samphan.loyalty.programme import LineBasis, expires_at, order_earning, programme_get
from samphan.loyalty.services import orders_earn
from samphan.timeline.models import TimelineEvent
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    SalesChannelFactory,
    line,
)
from tests.loyalty.helpers import assert_consistent

AT = dt.datetime(2026, 11, 11, 10, tzinfo=dt.UTC)


def _line(
    pk: int, satang: int, *, qty: int = 1, product: int | None = None, category: int | None = None
) -> LineBasis:
    return LineBasis(
        line_id=pk, amount_satang=satang, quantity=qty, product_id=product, category_id=category
    )


def _points(programme: Programme, lines: list[LineBasis], discount: int = 0) -> int:
    return order_earning(
        programme, lines=lines, discount_satang=discount, channel_id=1, branch_id=None, at=AT
    ).points


@pytest.mark.parametrize(
    ("rounding", "satang", "points"),
    [
        ("floor", 2499, 0),
        ("floor", 2500, 1),
        ("floor", 4999, 1),
        ("round", 1249, 0),
        ("round", 1250, 1),  # half a step rounds up
        ("round", 3749, 1),
        ("round", 3750, 2),
        ("ceil", 1, 1),
        ("ceil", 2500, 1),
        ("ceil", 2501, 2),
        ("floor", 0, 0),
    ],
)
def test_rounding_in_satang(rounding: str, satang: int, points: int) -> None:
    programme = Programme(rounding=rounding)
    assert _points(programme, [_line(1, satang)]) == points


def test_the_default_is_one_point_per_25_baht_pending_7_days() -> None:
    programme = Programme()
    assert (programme.points_per_unit, programme.unit_satang) == (1, 2500)
    assert programme.pending_days == 7 and programme.is_active
    assert _points(programme, [_line(1, 100_000)]) == 40


def test_discount_earns_nothing_and_points_are_shared_over_lines() -> None:
    programme = Programme()
    # ฿600 of goods, ฿100 off: ฿500 earns 20 points.
    earning = order_earning(
        programme,
        lines=[_line(1, 40_000, qty=2), _line(2, 20_000)],
        discount_satang=10_000,
        channel_id=1,
        branch_id=None,
        at=AT,
    )
    assert earning.points == 20
    assert sum(v["points"] for v in earning.lines.values()) == 20
    assert earning.lines["1"]["points"] > earning.lines["2"]["points"]


def test_excluded_products_and_categories_earn_nothing() -> None:
    programme = Programme(excluded_product_ids=[7], excluded_category_ids=[9])
    lines = [_line(1, 50_000, product=7), _line(2, 50_000, category=9), _line(3, 5_000)]
    assert _points(programme, lines) == 2


def test_multipliers_and_promotions_multiply() -> None:
    programme = Programme(
        multipliers=[
            {"kind": "channel", "id": 1, "percent": 200},
            {"kind": "category", "id": 4, "percent": 150},
        ],
        promotions=[
            {
                "name": "11.11",
                "starts_at": "2026-11-11T00:00:00+07:00",
                "ends_at": "2026-11-12T00:00:00+07:00",
                "percent": 200,
            }
        ],
    )
    # ฿25 × 2 (channel) × 1.5 (category) × 2 (11.11) = 6 points.
    assert _points(programme, [_line(1, 2500, category=4)]) == 6
    outside = order_earning(
        programme,
        lines=[_line(1, 2500, category=4)],
        discount_satang=0,
        channel_id=1,
        branch_id=None,
        at=AT + dt.timedelta(days=3),
    )
    assert outside.points == 3


def test_expiry_rules() -> None:
    at = dt.datetime(2026, 1, 31, 5, tzinfo=dt.UTC)  # 31 Jan, Bangkok
    rolling = Programme(expiry_months=1)
    # One month after 31 January is the last day of February; points last that whole day.
    assert expires_at(rolling, at) == dt.datetime(
        2026, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=7))
    )
    year_end = Programme(expiry_rule="calendar_year")
    assert expires_at(year_end, at) == dt.datetime(
        2027, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7))
    )
    assert expires_at(Programme(expiry_rule="never"), at) is None


def test_a_workspace_without_a_programme_row_earns_by_the_defaults(owner: Actor) -> None:
    assert not Programme.objects.filter(workspace=owner.workspace).exists()
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    account = Account.objects.get(customer=customer)
    assert (account.balance, account.pending) == (0, 40)
    assert programme_get(workspace=owner.workspace).pk is None  # still only the defaults
    assert_consistent(account)


def test_an_order_earns_once_and_the_timeline_says_so(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(workspace=owner.workspace)
    order = OrderFactory(workspace=owner.workspace, customer=customer, total_satang=50_000)
    assert orders_earn(workspace_id=owner.workspace.pk, order_ids=[order.pk]) == 0  # replayed
    account = Account.objects.get(customer=customer)
    assert account.balance == 20
    assert LedgerEntry.objects.filter(account=account, kind="earn").count() == 1
    event = TimelineEvent.objects.get(type="points.earned", customer=customer)
    assert event.order_id == order.pk and event.payload["points"] == 20
    assert_consistent(account)


def test_walk_in_cancelled_and_inactive_orders_earn_nothing(owner: Actor) -> None:
    channel = SalesChannelFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=None, channel=channel, total_satang=90_000)
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, status="cancelled")
    assert not Account.objects.filter(customer=customer).exists()
    Programme.objects.create(workspace=owner.workspace, is_active=False)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=90_000)
    assert not OrderPoints.objects.exists()


def test_an_old_imported_order_whose_points_would_have_expired_earns_nothing(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(
        workspace=owner.workspace,
        customer=customer,
        total_satang=90_000,
        placed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    assert not OrderPoints.objects.exists()


def test_product_exclusion_through_the_order_service(owner: Actor) -> None:
    gift_card = ProductFactory(workspace=owner.workspace, price_satang=100_000)
    tea = ProductFactory(workspace=owner.workspace, price_satang=5_000)
    Programme.objects.create(
        workspace=owner.workspace, pending_days=0, excluded_product_ids=[gift_card.pk]
    )
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(
        workspace=owner.workspace,
        customer=customer,
        lines=[line(gift_card), line(tea, quantity=2)],
        shipping_satang=5_000,
    )
    assert Account.objects.get(customer=customer).balance == 4


def test_cancelling_reverses_what_was_earned(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    order = OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    order_status_change(actor=owner, order_id=order.pk, status="cancelled", reason="ผิด")
    account = Account.objects.get(customer=customer)
    assert (account.balance, account.pending) == (0, 0)
    order_status_change(actor=owner, order_id=order.pk, status="cancelled", reason="ผิด")
    assert OrderPoints.objects.get(order=order).reversed == 40
    assert TimelineEvent.objects.filter(type="points.reversed", customer=customer).count() == 1
    assert_consistent(account)
