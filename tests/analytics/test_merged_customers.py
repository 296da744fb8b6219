"""Customers merged into another are not counted anywhere: dashboard, analytics, cohorts."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from samphan.analytics import kpis, selectors
from samphan.analytics.models import CustomerMetrics
from samphan.core.access import Actor
from samphan.core.models import Workspace
from samphan.customers.merge import customer_merge
from samphan.customers.models import Customer
from tests.factories import CustomerFactory, OrderFactory, WorkspaceFactory

BKK = ZoneInfo("Asia/Bangkok")
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=BKK)

pytestmark = pytest.mark.django_db


def _buyer(ws: Workspace) -> Customer:
    """A customer created this month with three orders, the last one yesterday (as cached)."""
    return CustomerFactory(
        workspace=ws,
        created_at=NOW - dt.timedelta(days=3),
        orders_count=3,
        total_spent_satang=30_000,
        first_order_at=NOW - dt.timedelta(days=40),
        last_order_at=NOW - dt.timedelta(days=1),
    )


def _metrics(customer: Customer) -> CustomerMetrics:
    return CustomerMetrics.objects.create(
        workspace=customer.workspace,
        customer=customer,
        computed_at=NOW,
        rfm_segment="at_risk",
        r_score=1,
        f_score=3,
        orders=3,
        p_alive=0.2,
        historical_clv_satang=80_000,
        clv_12m_satang=50_000,
    )


@pytest.fixture
def shop() -> dict[str, Customer]:
    """One live customer and one merged into them. The tombstone still carries its figures, as
    a merge leaves them until its rows have been refreshed (and did before it refreshed them)."""
    ws = WorkspaceFactory(timezone="Asia/Bangkok")
    live, gone = _buyer(ws), _buyer(ws)
    Customer.objects.filter(pk=gone.pk).update(merged_into=live)
    _metrics(live), _metrics(gone)
    return {"live": live, "gone": gone}


def test_dashboard_counts_leave_out_merged_customers(shop: dict[str, Customer]) -> None:
    ws = shop["live"].workspace
    assert kpis.customer_counts(workspace=ws) == kpis.CustomerCounts(
        total=1, buyers=1, repeat_buyers=1
    )
    assert kpis.new_customers_in_month(workspace=ws, now=NOW) == 1
    assert kpis.active_customers(workspace=ws, now=NOW) == 1


def test_analytics_counts_leave_out_merged_customers(shop: dict[str, Customer]) -> None:
    ws = shop["live"].workspace
    grid = selectors.rfm_grid(workspace=ws)
    assert grid.customers == 1 and sum(map(sum, grid.cells)) == 1
    churn = selectors.churn_risk(workspace=ws)
    assert (churn.customers, [m.customer_id for m in churn.rows]) == (1, [shop["live"].pk])
    assert sum(b.customers for b in selectors.clv_distribution(workspace=ws)) == 1
    assert [m.customer_id for m in selectors.top_customers(workspace=ws)] == [shop["live"].pk]
    report = selectors.cohorts_compute(workspace=ws, months=3, now=NOW)
    assert [c.size for c in report.cohorts] == [0, 1, 0]  # May: the live customer only


def test_dashboard_after_a_merge_shows_one_customer(owner: Actor, client: Client) -> None:
    ws = owner.workspace
    a, b = CustomerFactory(workspace=ws), CustomerFactory(workspace=ws)
    OrderFactory(workspace=ws, customer=b, placed_at=timezone.now())
    customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    counts = kpis.customer_counts(workspace=ws)
    assert (counts.total, counts.buyers) == (1, 1)
    assert owner.user is not None
    client.force_login(owner.user)
    html = client.get("/").content.decode()
    figures = re.findall(r'id="kpi-(customers|new)".*?class="kpi-value">([^<]*)<', html, re.S)
    assert figures == [("customers", "1"), ("new", "1")]
