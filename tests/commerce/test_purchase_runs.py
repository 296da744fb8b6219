"""CustomerPurchaseRun: one row per paid order with the spend and order count before and from
it, kept by the purchase summaries' refresh, and the migration that fills it from old orders."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from samphan.commerce.models import FIRST_PURCHASE, CustomerPurchaseRun, Order, OrderStatus
from samphan.commerce.summary import customer_summary_recompute, purchase_runs_rebuild
from samphan.core.access import Actor
from samphan.customers.models import Customer
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC)


def _runs(customer: Customer) -> list[tuple[Any, ...]]:
    return list(
        CustomerPurchaseRun.objects.filter(customer=customer)
        .order_by("placed_at", "orders_before")
        .values_list(
            "placed_at",
            "previous_at",
            "total_satang",
            "spent_before_satang",
            "spent_from_satang",
            "orders_before",
            "orders_from",
        )
    )


@pytest.fixture
def buyer(owner: Actor) -> Customer:
    customer = CustomerFactory(workspace=owner.workspace)
    for placed_at, total, status in [
        (T0, 10_000, OrderStatus.PAID),
        (T0 + dt.timedelta(days=10), 25_000, OrderStatus.PAID),
        (T0 + dt.timedelta(days=10), 5_000, OrderStatus.PAID),  # the same moment: by id
        (T0 + dt.timedelta(days=12), 99_900, OrderStatus.CANCELLED),  # not a purchase
        (T0 + dt.timedelta(days=30), 1_000, OrderStatus.PAID),
    ]:
        OrderFactory(
            workspace=owner.workspace,
            customer=customer,
            placed_at=placed_at,
            total_satang=total,
            status=status,
        )
    OrderFactory(workspace=owner.workspace, customer=None, placed_at=T0)  # walk-in: no runs
    return customer


def test_runs_follow_the_orders(owner: Actor, buyer: Customer) -> None:
    day10 = T0 + dt.timedelta(days=10)
    expected = [
        (T0, FIRST_PURCHASE, 10_000, 0, 41_000, 0, 4),
        (day10, T0, 25_000, 10_000, 31_000, 1, 3),
        (day10, day10, 5_000, 35_000, 6_000, 2, 2),
        (T0 + dt.timedelta(days=30), day10, 1_000, 40_000, 1_000, 3, 1),
    ]
    assert _runs(buyer) == expected
    assert CustomerPurchaseRun.objects.filter(workspace=owner.workspace).count() == 4

    # A refund of the first order: the runs are rebuilt with the purchase summary.
    first = Order.objects.get(customer=buyer, placed_at=T0)
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.REFUNDED)
    customer_summary_recompute([buyer.pk])
    assert [row[1:] for row in _runs(buyer)] == [
        (FIRST_PURCHASE, 25_000, 0, 31_000, 0, 3),
        (day10, 5_000, 25_000, 6_000, 1, 2),
        (day10, 1_000, 30_000, 1_000, 2, 1),
    ]


def test_the_backfill_migration_writes_what_the_refresh_writes(
    owner: Actor, buyer: Customer
) -> None:
    other = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=other, placed_at=T0, total_satang=7_000)
    purchase_runs_rebuild(Customer.objects.filter(workspace=owner.workspace))
    by_refresh = {c.pk: _runs(c) for c in (buyer, other)}
    migration = importlib.import_module("samphan.commerce.migrations.0011_purchase_runs_backfill")
    migration.backfill(None, SimpleNamespace(connection=connection))
    assert {c.pk: _runs(c) for c in (buyer, other)} == by_refresh
    # Re-runnable: a second run replaces, never doubles.
    migration.backfill(None, SimpleNamespace(connection=connection))
    assert CustomerPurchaseRun.objects.filter(workspace=owner.workspace).count() == 5
