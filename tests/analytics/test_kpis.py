"""Dashboard figures from the database: month boundaries in Bangkok, paid orders only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from samphan.analytics import kpis
from samphan.commerce.models import OrderStatus
from samphan.commerce.services import customer_summaries_refresh
from samphan.core.models import Workspace
from tests.factories import CustomerFactory, OrderFactory, WorkspaceFactory

BKK = ZoneInfo("Asia/Bangkok")
UTC = dt.UTC
# 15 March 2026, noon in Bangkok.
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=BKK)

pytestmark = pytest.mark.django_db


def _order(workspace: Workspace, customer, placed_at, total, status=OrderStatus.PAID):  # type: ignore[no-untyped-def]
    return OrderFactory(
        workspace=workspace,
        customer=customer,
        placed_at=placed_at,
        total_satang=total,
        subtotal_satang=total,
        status=status,
    )


def test_empty_workspace_has_zeroes_and_no_repeat_rate() -> None:
    ws = WorkspaceFactory()
    result = kpis.dashboard_kpis(workspace=ws, now=NOW)
    assert result.customers == kpis.CustomerCounts(total=0, buyers=0, repeat_buyers=0)
    assert result.customers.repeat_rate is None
    assert result.new_customers_this_month == 0
    assert result.active_customers == 0
    assert result.revenue_this_month_satang == 0
    assert len(result.revenue_by_month) == 12
    assert not result.has_data


def test_new_customers_use_the_bangkok_month() -> None:
    ws = WorkspaceFactory()
    # 28 Feb 23:59 in Bangkok (16:59 UTC): February, not March.
    CustomerFactory(workspace=ws, created_at=dt.datetime(2026, 2, 28, 16, 59, tzinfo=UTC))
    # 1 Mar 00:01 in Bangkok is still 28 Feb in UTC: March.
    CustomerFactory(workspace=ws, created_at=dt.datetime(2026, 2, 28, 17, 1, tzinfo=UTC))
    CustomerFactory(workspace=ws, created_at=NOW)
    # 1 Apr 00:00 Bangkok: next month.
    CustomerFactory(workspace=ws, created_at=dt.datetime(2026, 4, 1, 0, 0, tzinfo=BKK))
    CustomerFactory(created_at=NOW)  # another workspace

    assert kpis.new_customers_in_month(workspace=ws, now=NOW) == 2
    assert kpis.customer_counts(workspace=ws).total == 4


def test_monthly_revenue_counts_paid_orders_per_bangkok_month() -> None:
    ws = WorkspaceFactory()
    c = CustomerFactory(workspace=ws, created_at=NOW)
    _order(ws, c, NOW, 100_00)
    # 1 March 00:30 in Bangkok is 28 Feb 17:30 UTC: March revenue.
    _order(ws, c, dt.datetime(2026, 2, 28, 17, 30, tzinfo=UTC), 25_00)
    _order(ws, c, dt.datetime(2026, 2, 10, 9, 0, tzinfo=BKK), 40_00)
    _order(ws, c, NOW, 999_00, status=OrderStatus.CANCELLED)
    _order(ws, c, NOW, 888_00, status=OrderStatus.REFUNDED)
    _order(ws, None, NOW, 30_00)  # a walk-in sale without a known customer still is revenue
    # April 2025 is the oldest of the 12 months; March 2025 is outside.
    _order(ws, c, dt.datetime(2025, 4, 1, 0, 0, tzinfo=BKK), 7_00)
    _order(ws, c, dt.datetime(2025, 3, 31, 23, 59, tzinfo=BKK), 5_00)
    # After "now" within the month still belongs to this month (clock skew, imports).
    _order(ws, c, dt.datetime(2026, 3, 31, 23, 59, tzinfo=BKK), 1_00)
    _order(WorkspaceFactory(), None, NOW, 5000_00)  # another workspace

    months = kpis.monthly_revenue(workspace=ws, now=NOW)

    assert [(m.year, m.month) for m in months][:2] == [(2025, 4), (2025, 5)]
    assert [(m.year, m.month) for m in months][-2:] == [(2026, 2), (2026, 3)]
    by_month = {(m.year, m.month): m.revenue_satang for m in months}
    assert by_month[(2026, 3)] == 100_00 + 25_00 + 30_00 + 1_00
    assert by_month[(2026, 2)] == 40_00
    assert by_month[(2025, 4)] == 7_00
    assert sum(by_month.values()) == 100_00 + 25_00 + 30_00 + 1_00 + 40_00 + 7_00
    assert kpis.revenue_this_month(workspace=ws, now=NOW) == 156_00


def test_months_wrap_across_the_year() -> None:
    ws = WorkspaceFactory()
    now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=BKK)
    _order(ws, None, dt.datetime(2025, 12, 31, 23, 0, tzinfo=BKK), 10_00)
    _order(ws, None, dt.datetime(2026, 1, 1, 0, 0, tzinfo=BKK), 20_00)
    months = kpis.monthly_revenue(workspace=ws, now=now)
    assert [(m.year, m.month) for m in months] == [(2025, m) for m in range(2, 13)] + [(2026, 1)]
    assert months[-1].revenue_satang == 20_00
    assert months[-2].revenue_satang == 10_00


def test_workspace_time_zone_sets_month_boundaries() -> None:
    ws = WorkspaceFactory(timezone="UTC")
    # 1 March 00:30 in Bangkok is still February in UTC.
    _order(ws, None, dt.datetime(2026, 2, 28, 17, 30, tzinfo=UTC), 25_00)
    assert kpis.revenue_this_month(workspace=ws, now=NOW) == 0


def test_active_and_repeat_customers_from_paid_orders() -> None:
    ws = WorkspaceFactory()
    repeat = CustomerFactory(workspace=ws, created_at=NOW - dt.timedelta(days=300))
    _order(ws, repeat, NOW - dt.timedelta(days=10), 100_00)
    _order(ws, repeat, NOW - dt.timedelta(days=120), 100_00)
    lapsed = CustomerFactory(workspace=ws, created_at=NOW - dt.timedelta(days=300))
    _order(ws, lapsed, NOW - dt.timedelta(days=91), 50_00)
    # Two orders but only one paid: not a repeat buyer; the recent one is cancelled: not active.
    once = CustomerFactory(workspace=ws, created_at=NOW - dt.timedelta(days=300))
    _order(ws, once, NOW - dt.timedelta(days=200), 50_00)
    _order(ws, once, NOW - dt.timedelta(days=5), 50_00, status=OrderStatus.CANCELLED)
    CustomerFactory(workspace=ws, created_at=NOW)  # never bought
    customer_summaries_refresh(workspace=ws)

    counts = kpis.customer_counts(workspace=ws)
    assert counts == kpis.CustomerCounts(total=4, buyers=3, repeat_buyers=1)
    assert counts.repeat_rate == pytest.approx(1 / 3)
    assert kpis.active_customers(workspace=ws, now=NOW) == 1
    assert kpis.active_customers(workspace=ws, days=92, now=NOW) == 2


def test_dashboard_kpis_query_count_does_not_grow_with_data(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    ws = WorkspaceFactory()
    for _ in range(3):
        c = CustomerFactory(workspace=ws)
        _order(ws, c, NOW, 10_00)
    # 3 customer counts + new + active + one range sum per month.
    with django_assert_num_queries(3 + 1 + 1 + 12):
        result = kpis.dashboard_kpis(workspace=ws, now=NOW)
    assert result.revenue_this_month_satang == 30_00
    assert result.has_data
