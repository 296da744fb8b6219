"""The full recompute: RFM by hand, scores and segments, model card, failures, segments hook."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from samphan.analytics import recompute as rc
from samphan.analytics.clv.bgnbd import BgNbdParams
from samphan.analytics.clv.clv import DAYS_PER_MONTH
from samphan.analytics.clv.gamma_gamma import GammaGammaParams
from samphan.analytics.clv.simulate import simulate_transactions
from samphan.analytics.models import CustomerMetrics, ModelRun, RfmSegment
from samphan.analytics.recompute import metrics_recompute, quintile_scores, rfm_segments
from samphan.commerce.models import Order, OrderStatus
from samphan.core.models import Workspace
from samphan.customers.models import Customer
from tests.factories import CustomerFactory, OrderFactory, SalesChannelFactory, WorkspaceFactory

BKK = ZoneInfo("Asia/Bangkok")
NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=BKK)


def bkk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BKK)


def _order(ws: Workspace, customer: Any, channel: Any, when: dt.datetime, baht: int, **kw: Any):  # type: ignore[no-untyped-def]
    return OrderFactory(
        workspace=ws,
        customer=customer,
        channel=channel,
        placed_at=when,
        total_satang=baht * 100,
        subtotal_satang=baht * 100,
        **kw,
    )


@pytest.fixture
def small_shop(db: None) -> dict[str, Any]:
    """Three buyers and one customer with only a cancelled order (hand-computed below)."""
    ws = WorkspaceFactory(timezone="Asia/Bangkok")
    ch = SalesChannelFactory(workspace=ws)
    a, b, c, d = (CustomerFactory(workspace=ws) for _ in range(4))
    _order(ws, a, ch, bkk(2026, 1, 1, 10), 100)
    _order(ws, a, ch, bkk(2026, 3, 1, 9), 200)
    _order(ws, a, ch, bkk(2026, 3, 1, 18), 50)  # same day: one purchase day, two orders
    _order(ws, b, ch, bkk(2026, 6, 29, 23, 30), 300)
    # 18:00 UTC on the 29th is 01:00 on the 30th in Bangkok: the local day counts.
    _order(ws, c, ch, dt.datetime(2026, 6, 29, 18, 0, tzinfo=dt.UTC), 50)
    _order(ws, c, ch, bkk(2026, 7, 2, 10), 999)  # after "now": ignored
    _order(ws, d, ch, bkk(2026, 5, 1, 10), 400, status=OrderStatus.CANCELLED)
    return {"ws": ws, "a": a, "b": b, "c": c, "d": d}


def test_rfm_by_hand_through_the_whole_recompute(small_shop: dict[str, Any]) -> None:
    run = metrics_recompute(workspace=small_shop["ws"], now=NOW)
    assert run.status == ModelRun.Status.DONE, run.error
    assert run.customers == 3
    rows = {m.customer_id: m for m in CustomerMetrics.objects.filter(workspace=small_shop["ws"])}
    assert set(rows) == {small_shop[k].pk for k in "abc"}  # d has no paid order

    a, b, c = (rows[small_shop[k].pk] for k in "abc")
    assert (a.recency_days, a.frequency, a.orders, a.total_satang) == (121, 1, 3, 35000)
    assert a.monetary_satang == 11667  # 350 baht / 3 orders
    assert (b.recency_days, b.frequency, b.orders, b.monetary_satang) == (1, 0, 1, 30000)
    assert (c.recency_days, c.frequency, c.orders, c.total_satang) == (0, 0, 1, 5000)

    # Quintiles (1 + ⌊5 × share strictly worse⌋ of 3 customers):
    # recency 121/1/0 → R 1/2/4; frequency 1/0/0 → F 4/1/1; AOV 116.67/300/50 → M 2/4/1.
    assert (a.r_score, a.f_score, a.m_score) == (1, 4, 2)
    assert (b.r_score, b.f_score, b.m_score) == (2, 1, 4)
    assert (c.r_score, c.f_score, c.m_score) == (4, 1, 1)
    # FM = round-half-up((F + M) / 2): a 3, b 3, c 1.
    assert a.rfm_segment == RfmSegment.AT_RISK
    assert b.rfm_segment == RfmSegment.AT_RISK
    assert c.rfm_segment == RfmSegment.PROMISING

    # Historical CLV: AOV × orders per month since the first purchase (≥ 1) × 24 months.
    months_a = 180 / DAYS_PER_MONTH
    assert a.historical_clv_satang == round(35000 / 3 * (3 / months_a) * 24)
    assert b.historical_clv_satang == (30000 * 1 * 24)  # one month counted at least
    for m in (a, b, c):
        assert m.p_alive is not None and 0 <= m.p_alive <= 1
        assert m.predicted_purchases_90d is not None and m.predicted_purchases_90d >= 0
        assert m.clv_12m_satang is not None and m.clv_12m_satang >= 0
        assert m.computed_at == NOW
    assert b.p_alive == 1.0  # no repeat purchase: alive by construction

    # Three customers are no evidence: the card says so, and the holdout check was skipped.
    assert run.model_card["trustworthy"] is False
    assert "few_repeat_customers" in {w["code"] for w in run.model_card["warnings"]}
    assert run.calibration["skipped"] is True
    assert run.params["observation_end"] == "2026-06-30"
    assert run.params["orders"] == 5  # paid and placed up to now
    assert run.params["purchase_gaps"]["median_days"] == 59  # a: 1 Jan → 1 Mar
    for step in ("read", "summary", "fit_bgnbd", "predict", "write", "total"):
        assert step in run.timings


def test_quintile_scores_and_ties() -> None:
    values = np.arange(10)
    assert quintile_scores(values).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(values, higher_is_better=False).tolist() == [
        5,
        5,
        4,
        4,
        3,
        3,
        2,
        2,
        1,
        1,
    ]
    # Ties share the score of the lowest position they hold: six zeros all score 1.
    tied = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 3])
    assert quintile_scores(tied).tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert quintile_scores(np.array([7.0])).tolist() == [1]


def test_segment_grid_corners() -> None:
    r = np.array([5, 5, 1, 1, 3, 4, 2])
    f = np.array([5, 1, 1, 5, 3, 1, 5])
    m = np.array([5, 1, 1, 5, 3, 1, 1])
    assert rfm_segments(r, f, m).tolist() == [
        "champions",
        "new",
        "lost",
        "cant_lose",
        "need_attention",
        "promising",
        "at_risk",  # FM = (5 + 1 + 1) // 2 = 3
    ]
    names = {seg for row in rc.SEGMENT_GRID for seg in row}
    assert names == set(RfmSegment)  # every named segment is reachable


@pytest.fixture
def bigger_shop(db: None) -> Workspace:
    """60 customers with 1–6 orders each over a year, deterministic."""
    ws = WorkspaceFactory(timezone="Asia/Bangkok")
    ch = SalesChannelFactory(workspace=ws)
    rng = np.random.default_rng(3)
    for i in range(60):
        customer = CustomerFactory(workspace=ws)
        first = int(rng.integers(0, 300))
        for k in range(1 + i % 6):
            day = min(first + k * int(rng.integers(5, 60)), 364)
            _order(ws, customer, ch, bkk(2025, 7, 1, 12) + dt.timedelta(days=day), 100 + 37 * k)
    CustomerFactory(workspace=ws)  # no orders: no metrics row
    return ws


def test_metrics_for_every_buyer_and_rerun_replaces(bigger_shop: Workspace) -> None:
    run = metrics_recompute(workspace=bigger_shop, now=NOW)
    assert run.status == ModelRun.Status.DONE, run.error
    assert CustomerMetrics.objects.filter(workspace=bigger_shop).count() == 60 == run.customers
    assert not CustomerMetrics.objects.filter(workspace=bigger_shop, r_score=0).exists()
    later = NOW + dt.timedelta(days=1)
    again = metrics_recompute(workspace=bigger_shop, now=later)
    assert again.status == ModelRun.Status.DONE
    assert CustomerMetrics.objects.filter(workspace=bigger_shop).count() == 60
    assert set(
        CustomerMetrics.objects.filter(workspace=bigger_shop).values_list("computed_at", flat=True)
    ) == {later}
    assert run.model_card["n_customers"] == 60
    assert run.model_card["bgnbd"]["params"]["r"] > 0


def test_failed_fit_is_recorded_and_keeps_the_previous_metrics(
    small_shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = small_shop["ws"]
    metrics_recompute(workspace=ws, now=NOW)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise FloatingPointError("the optimiser exploded")

    monkeypatch.setattr(rc.bgnbd_model, "fit", broken)
    run = metrics_recompute(workspace=ws, now=NOW + dt.timedelta(days=1))
    assert run.status == ModelRun.Status.FAILED
    assert "the optimiser exploded" in run.error
    assert run.finished_at is not None
    assert set(
        CustomerMetrics.objects.filter(workspace=ws).values_list("computed_at", flat=True)
    ) == {NOW}


def test_failure_while_writing_leaves_no_half_written_metrics(
    small_shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = small_shop["ws"]
    metrics_recompute(workspace=ws, now=NOW)
    before = CustomerMetrics.objects.filter(workspace=ws).count()

    def broken(*args: Any, **kwargs: Any) -> Any:  # after the old rows were deleted
        raise RuntimeError("disk full")

    monkeypatch.setattr(rc, "_frame", broken)
    run = metrics_recompute(workspace=ws, now=NOW + dt.timedelta(days=1))
    assert run.status == ModelRun.Status.FAILED
    assert CustomerMetrics.objects.filter(workspace=ws).count() == before == 3
    assert ModelRun.objects.get(pk=run.pk).status == ModelRun.Status.FAILED


def test_rerun_updates_inserts_and_deletes_only_this_workspace(
    small_shop: dict[str, Any],
) -> None:
    """Buyers scored again get their new figures, new buyers a row, customers no longer scored
    lose theirs, and another shop's rows are left alone."""
    ws, a, b, c = small_shop["ws"], small_shop["a"], small_shop["b"], small_shop["c"]
    other = WorkspaceFactory(timezone="Asia/Bangkok")
    stranger = CustomerFactory(workspace=other)
    _order(other, stranger, SalesChannelFactory(workspace=other), bkk(2026, 2, 1, 10), 500)
    assert metrics_recompute(workspace=other, now=NOW).status == ModelRun.Status.DONE
    theirs = list(CustomerMetrics.objects.filter(workspace=other).values_list("pk", "computed_at"))

    def rows() -> dict[int, tuple[int, dt.datetime, int]]:
        return {
            m.customer_id: (m.pk, m.computed_at, m.orders)
            for m in CustomerMetrics.objects.filter(workspace=ws)
        }

    mid_june = bkk(2026, 6, 15, 12)  # before b's and c's first orders
    assert metrics_recompute(workspace=ws, now=mid_june).status == ModelRun.Status.DONE
    first = rows()
    assert set(first) == {a.pk}
    assert metrics_recompute(workspace=ws, now=NOW).status == ModelRun.Status.DONE
    second = rows()
    assert set(second) == {a.pk, b.pk, c.pk}
    assert {at for _pk, at, _n in second.values()} == {NOW}
    assert second[a.pk][2] == 3 and second[b.pk][2] == 1
    assert metrics_recompute(workspace=ws, now=mid_june).status == ModelRun.Status.DONE
    assert set(rows()) == {a.pk}
    assert rows()[a.pk][1] == mid_june
    assert (
        list(CustomerMetrics.objects.filter(workspace=other).values_list("pk", "computed_at"))
        == theirs
    )


def test_empty_workspace(db: None) -> None:
    ws = WorkspaceFactory()
    run = metrics_recompute(workspace=ws, now=NOW)
    assert run.status == ModelRun.Status.DONE, run.error
    assert run.customers == 0
    assert run.model_card["trustworthy"] is False


def test_segments_are_refreshed_after_the_metrics(
    small_shop: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """A saved segment on the scores gets a new snapshot with the new members once the
    recompute commits (segments subscribe to ``analytics.recomputed``)."""
    from samphan.core.access import actor_for_membership
    from samphan.segments.models import SegmentSnapshot, SnapshotReason
    from samphan.segments.services import segment_create
    from tests.factories import MembershipFactory

    ws = small_shop["ws"]
    owner = actor_for_membership(MembershipFactory(workspace=ws))
    segment = segment_create(
        actor=owner,
        name="At risk",
        rules={
            "op": "and",
            "items": [{"field": "rfm_segment", "operator": "eq", "value": RfmSegment.AT_RISK}],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = metrics_recompute(workspace=ws, now=NOW)
    assert run.status == ModelRun.Status.DONE, run.error
    snapshot = SegmentSnapshot.objects.get(segment=segment, reason=SnapshotReason.RECOMPUTE)
    assert snapshot.size == 2  # a and b (hand-computed above)
    assert set(snapshot.members.values_list("customer_id", flat=True)) == {
        small_shop["a"].pk,
        small_shop["b"].pk,
    }


def test_holdout_check_runs_with_enough_history(db: None) -> None:
    """A simulated BG/NBD shop (CDNOW-like parameters, in days): fit, check, trustworthy card."""
    ws = WorkspaceFactory(timezone="Asia/Bangkok")
    ch = SalesChannelFactory(workspace=ws)
    log = simulate_transactions(
        BgNbdParams(r=0.5, alpha=20.0, a=0.6, b=2.5),
        GammaGammaParams(p=6.0, q=4.0, gamma=30.0),
        n_customers=600,
        start=np.datetime64("2025-01-01"),
        end=np.datetime64("2026-06-30"),
        rng=np.random.default_rng(5),
    )
    customers = Customer.objects.bulk_create(
        [Customer(workspace=ws, first_name=f"c{i}", created_at=NOW) for i in range(600)]
    )
    Order.objects.bulk_create(
        Order(
            workspace=ws,
            customer=customers[int(c)],
            channel=ch,
            number=f"S{i}",
            placed_at=dt.datetime.fromisoformat(str(t)).replace(tzinfo=dt.UTC),
            total_satang=int(amount * 100),
        )
        for i, (c, t, amount) in enumerate(zip(log.customer_id, log.time, log.amount, strict=True))
    )
    run = metrics_recompute(workspace=ws, now=NOW)
    assert run.status == ModelRun.Status.DONE, run.error
    assert run.calibration["skipped"] is False
    chart = run.calibration["chart"]
    assert len(chart["labels"]) == len(chart["actual"]) == len(chart["predicted"])
    assert all(v is not None for v in chart["predicted"])
    assert run.model_card["calibration_error"] is not None
    assert run.model_card["bgnbd"]["converged"] is True
    assert run.params["order_value_source"] == "gamma_gamma"
    assert CustomerMetrics.objects.filter(workspace=ws).count() == run.customers > 500


def test_deleting_a_customer_deletes_their_metrics_row(small_shop: dict[str, Any]) -> None:
    """The metrics' foreign keys are not database constraints (the rows are derived and
    rewritten at once); deleting a customer, as retention does, still takes their row."""
    metrics_recompute(workspace=small_shop["ws"], now=NOW)
    gone, kept = small_shop["a"], small_shop["b"]
    assert CustomerMetrics.objects.filter(customer_id__in=[gone.pk, kept.pk]).count() == 2
    Customer.objects.filter(pk=gone.pk).delete()
    assert not CustomerMetrics.objects.filter(customer_id=gone.pk).exists()
    assert CustomerMetrics.objects.filter(customer_id=kept.pk).exists()
