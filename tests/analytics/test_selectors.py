"""Analytics selectors on hand-made data: cohorts, repeat rate, CAC, RFM grid, churn, CLV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from samphan.analytics import selectors
from samphan.analytics.models import CustomerMetrics, MarketingSpend
from samphan.analytics.services import marketing_spend_add
from samphan.commerce.models import OrderStatus
from samphan.commerce.services import customer_summaries_refresh
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import Workspace
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    SalesChannelFactory,
    WorkspaceFactory,
)

BKK = ZoneInfo("Asia/Bangkok")
NOW = dt.datetime(2026, 6, 15, 12, tzinfo=BKK)


def _buy(ws: Workspace, customer: Any, channel: Any, when: dt.datetime, **kw: Any) -> None:
    OrderFactory(workspace=ws, customer=customer, channel=channel, placed_at=when, **kw)


@pytest.fixture
def shop(db: None) -> dict[str, Any]:
    ws = WorkspaceFactory(timezone="Asia/Bangkok")
    store = SalesChannelFactory(workspace=ws, name="หน้าร้าน")
    line = SalesChannelFactory(workspace=ws, name="LINE", kind="line")
    p, q, r, s = (CustomerFactory(workspace=ws) for _ in range(4))
    _buy(ws, p, store, dt.datetime(2026, 4, 3, 10, tzinfo=BKK))  # cohort April
    _buy(ws, p, store, dt.datetime(2026, 5, 9, 10, tzinfo=BKK))
    _buy(ws, p, line, dt.datetime(2026, 6, 1, 10, tzinfo=BKK))
    _buy(ws, q, line, dt.datetime(2026, 4, 20, 10, tzinfo=BKK))  # cohort April
    _buy(ws, q, store, dt.datetime(2026, 6, 2, 10, tzinfo=BKK))
    # 23:30 on 31 May in Bangkok is still May, although it is 16:30 UTC.
    _buy(ws, r, store, dt.datetime(2026, 5, 31, 23, 30, tzinfo=BKK))  # cohort May
    _buy(ws, r, store, dt.datetime(2026, 6, 3, tzinfo=BKK), status=OrderStatus.CANCELLED)
    _buy(ws, s, store, dt.datetime(2026, 2, 10, 10, tzinfo=BKK))  # cohort February
    _buy(ws, s, store, dt.datetime(2026, 5, 12, 10, tzinfo=BKK))
    customer_summaries_refresh(workspace=ws)
    return {"ws": ws, "store": store, "line": line, "p": p, "q": q, "r": r, "s": s}


def test_cohort_retention_matrix(shop: dict[str, Any]) -> None:
    report = selectors.cohorts(workspace=shop["ws"], months=3, now=NOW)
    april, may, june = report.cohorts
    assert (april.year, april.month, april.size) == (2026, 4, 2)
    assert april.retention == [1.0, 0.5, 1.0]  # May: p; June: p and q
    assert (may.month, may.size, may.retention) == (5, 1, [1.0, 0.0])  # r's June order cancelled
    assert (june.month, june.size, june.retention) == (6, 0, [0.0])


def test_repeat_rate_trend(shop: dict[str, Any]) -> None:
    trend = selectors.cohorts(workspace=shop["ws"], months=3, now=NOW).repeat_trend
    assert [(m.month, m.buyers, m.repeat_buyers) for m in trend] == [
        (4, 2, 0),  # p and q bought for the first time
        (5, 3, 2),  # p (first in April) and s (first in February) came back; r is new
        (6, 2, 2),
    ]
    assert trend[1].rate == pytest.approx(2 / 3)


def test_cac_and_clv_to_cac(shop: dict[str, Any]) -> None:
    ws = shop["ws"]
    MarketingSpend.objects.create(
        workspace=ws, channel=shop["store"], month=dt.date(2026, 5, 1), amount_satang=100_000
    )
    MarketingSpend.objects.create(  # before the 3-month window: not counted
        workspace=ws, channel=shop["store"], month=dt.date(2026, 2, 1), amount_satang=999_999
    )
    for customer, clv in ((shop["p"], 300_000), (shop["r"], 100_000), (shop["q"], 50_000)):
        CustomerMetrics.objects.create(
            workspace=ws, customer=customer, computed_at=NOW, clv_12m_satang=clv
        )
    rows = {c.channel: c for c in selectors.cac_by_channel(workspace=ws, months=3, now=NOW)}
    store, line = rows["หน้าร้าน"], rows["LINE"]
    # New in April–June by first-order channel: p and r on the store, q on LINE.
    assert (store.spend_satang, store.new_customers) == (100_000, 2)
    assert store.cac_satang == 50_000  # ฿1,000 / 2
    assert store.avg_clv_12m_satang == 200_000
    assert store.clv_to_cac == pytest.approx(4.0)
    assert (line.spend_satang, line.new_customers, line.cac_satang) == (0, 1, None)
    assert line.clv_to_cac is None


def _metrics(ws: Workspace, **kw: Any) -> CustomerMetrics:
    return CustomerMetrics.objects.create(
        workspace=ws, customer=CustomerFactory(workspace=ws), computed_at=NOW, **kw
    )


def test_rfm_grid_churn_and_clv(db: None) -> None:
    ws = WorkspaceFactory()
    other = WorkspaceFactory()
    _metrics(
        ws, rfm_segment="champions", r_score=5, f_score=5, total_satang=900, clv_12m_satang=50_000
    )
    _metrics(
        ws,
        rfm_segment="champions",
        r_score=5,
        f_score=4,
        total_satang=100,
        clv_12m_satang=5_000_000,
    )
    lost = _metrics(
        ws,
        rfm_segment="at_risk",
        r_score=1,
        f_score=3,
        orders=4,
        p_alive=0.2,
        historical_clv_satang=80_000,
        clv_12m_satang=0,
    )
    bigger = _metrics(
        ws,
        rfm_segment="at_risk",
        r_score=1,
        f_score=4,
        orders=2,
        p_alive=0.4,
        historical_clv_satang=120_000,
        clv_12m_satang=10,
    )
    _metrics(ws, orders=1, p_alive=0.1, historical_clv_satang=999_999)  # one order: not "dropped"
    _metrics(ws, orders=5, p_alive=0.6, historical_clv_satang=999_999)  # still likely active
    _metrics(other, rfm_segment="champions", r_score=5, f_score=5, orders=3, p_alive=0.1)

    grid = selectors.rfm_grid(workspace=ws)
    by = {s.segment: s for s in grid.segments}
    assert (by["champions"].customers, by["champions"].revenue_satang) == (2, 1000)
    assert by["at_risk"].customers == 2 and by["lost"].customers == 0
    assert grid.cells[4][4] == 1 and grid.cells[4][3] == 1 and grid.cells[0][2] == 1
    assert len(grid.segments) == 11

    churn = selectors.churn_risk(workspace=ws)
    assert [m.pk for m in churn.rows] == [bigger.pk, lost.pk]
    assert (churn.customers, churn.value_at_stake_satang) == (2, 200_000)

    buckets = selectors.clv_distribution(workspace=ws)
    assert sum(b.customers for b in buckets) == 4  # the two without a prediction are left out
    assert buckets[0].customers == 2  # below ฿100: 0 and 10 satang
    assert buckets[-1].high_satang is None and buckets[-1].customers == 1  # ฿50,000
    top = selectors.top_customers(workspace=ws, limit=1)
    assert top[0].clv_12m_satang == 5_000_000


@pytest.fixture
def marketer(db: None) -> Actor:
    return actor_for_membership(MembershipFactory(role="marketer"))


def test_marketing_spend_add_validates(marketer: Actor) -> None:
    ws = marketer.workspace
    channel = SalesChannelFactory(workspace=ws)
    spend = marketing_spend_add(
        actor=marketer, channel_id=channel.pk, month="2026-03", amount_baht=Decimal("1234.5")
    )
    assert (spend.month, spend.amount_satang, spend.created_by) == (
        dt.date(2026, 3, 1),
        123_450,
        marketer.user,
    )
    with pytest.raises(ApplicationError) as bad_month:
        marketing_spend_add(actor=marketer, channel_id=channel.pk, month="March", amount_baht=1)
    assert bad_month.value.code == "invalid_month"
    with pytest.raises(ApplicationError) as future:
        marketing_spend_add(actor=marketer, channel_id=channel.pk, month="2999-01", amount_baht=1)
    assert future.value.code == "future_month"
    with pytest.raises(ApplicationError) as zero:
        marketing_spend_add(actor=marketer, channel_id=channel.pk, month="2026-03", amount_baht=0)
    assert zero.value.details["field"] == "amount"
    foreign = SalesChannelFactory()  # another workspace's channel
    with pytest.raises(NotFound):
        marketing_spend_add(actor=marketer, channel_id=foreign.pk, month="2026-03", amount_baht=1)
    staff = actor_for_membership(MembershipFactory(workspace=ws, role="staff"))
    with pytest.raises(PermissionDenied):
        marketing_spend_add(actor=staff, channel_id=channel.pk, month="2026-03", amount_baht=1)
