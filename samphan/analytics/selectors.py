"""Analytics reads for the analytics page: RFM grid, CLV, churn, cohorts, repeat rate, CAC.

Every selector takes ``workspace`` explicitly. Customer-level figures read the CustomerMetrics
snapshot of the latest recompute (through its per-workspace indexes); cohorts, repeat rate and
CAC aggregate orders in the database over a window of months (one grouped query each), using
the purchase summary cached on Customer (``first_order_at``) for the first-purchase month.
Month boundaries are local to the workspace's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from samphan.analytics.kpis import _add_months, month_start, workspace_tz
from samphan.analytics.models import CustomerMetrics, MarketingSpend, ModelRun, RfmSegment
from samphan.commerce.models import Order, SalesChannel
from samphan.core.models import Workspace
from samphan.customers.models import Customer

# "Dropped" customers for the churn view: P(alive) below this, with at least two orders (a
# one-time buyer's P(alive) is 1 by construction in BG/NBD, so they never appear anyway).
CHURN_P_ALIVE = 0.5
CHURN_MIN_ORDERS = 2

# CLV histogram bucket edges, in baht (the last bucket is open-ended).
CLV_EDGES_BAHT = (0, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000)


def latest_run(*, workspace: Workspace) -> ModelRun | None:
    """The most recent recompute (running, done or failed)."""
    return ModelRun.objects.filter(workspace=workspace).order_by("-started_at", "-id").first()


def latest_done_run(*, workspace: Workspace) -> ModelRun | None:
    """The run whose metrics are on the page: the latest that finished."""
    return (
        ModelRun.objects.filter(workspace=workspace, status=ModelRun.Status.DONE)
        .order_by("-started_at", "-id")
        .first()
    )


T = TypeVar("T")
ORDER_AGGREGATE_TTL = 3600


def _cached(
    *, workspace: Workspace, name: str, now: dt.datetime | None, compute: Callable[[], T]
) -> T:
    """Order aggregates (cohorts, acquisitions) take seconds at a million customers, so the
    page keeps them for an hour per recompute: the key names the latest finished run (id and
    start time), so a new recompute shows fresh figures. Calls with an explicit ``now`` (tests,
    reports for a past date) are not cached."""
    run = latest_done_run(workspace=workspace)
    if now is not None or run is None:
        return compute()
    key = f"analytics:{name}:{workspace.pk}:{run.pk}:{run.started_at.timestamp()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ORDER_AGGREGATE_TTL)
    return value


# --- RFM --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentRow:
    segment: str
    label: str
    customers: int
    revenue_satang: int
    clv_12m_satang: int
    share: float  # of scored customers


@dataclass(frozen=True)
class RfmGrid:
    segments: list[SegmentRow]
    # cells[r − 1][f − 1] = customers with that R and F score (R 1–5 rows, F 1–5 columns)
    cells: list[list[int]]
    customers: int

    @property
    def max_cell(self) -> int:
        return max((c for row in self.cells for c in row), default=0)


def rfm_grid(*, workspace: Workspace) -> RfmGrid:
    """Customers, revenue and predicted 12-month CLV per named segment, and the R × F counts."""
    metrics = CustomerMetrics.objects.filter(
        workspace=workspace, customer__merged_into__isnull=True
    )
    by_segment: dict[str, dict[str, Any]] = {
        row["rfm_segment"]: dict(row)
        for row in metrics.values("rfm_segment").annotate(
            n=Count("id"), revenue=Sum("total_satang"), clv=Sum("clv_12m_satang")
        )
    }
    total = sum(row["n"] for row in by_segment.values())
    segments = []
    for seg in RfmSegment:
        seg_row = by_segment.get(seg.value, {})
        n = seg_row.get("n", 0)
        segments.append(
            SegmentRow(
                segment=seg.value,
                label=str(seg.label),
                customers=n,
                revenue_satang=seg_row.get("revenue") or 0,
                clv_12m_satang=seg_row.get("clv") or 0,
                share=n / total if total else 0.0,
            )
        )
    cells = [[0] * 5 for _ in range(5)]
    for row in (
        metrics.filter(r_score__gte=1, f_score__gte=1)
        .values("r_score", "f_score")
        .annotate(n=Count("id"))
    ):
        cells[row["r_score"] - 1][row["f_score"] - 1] = row["n"]
    return RfmGrid(segments=segments, cells=cells, customers=total)


# --- CLV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    low_satang: int
    high_satang: int | None  # None: open-ended
    customers: int


def clv_distribution(*, workspace: Workspace) -> list[Bucket]:
    """How many customers fall in each predicted-CLV band (one pass of conditional counts)."""
    edges = [e * 100 for e in CLV_EDGES_BAHT]
    aggregates: dict[str, Any] = {}
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        condition = Q(clv_12m_satang__gte=low)
        if high is not None:
            condition &= Q(clv_12m_satang__lt=high)
        aggregates[f"b{i}"] = Count("id", filter=condition)
    counts = CustomerMetrics.objects.filter(
        workspace=workspace, customer__merged_into__isnull=True
    ).aggregate(**aggregates)
    return [
        Bucket(
            low_satang=low,
            high_satang=edges[i + 1] if i + 1 < len(edges) else None,
            customers=counts[f"b{i}"] or 0,
        )
        for i, low in enumerate(edges)
    ]


def top_customers(*, workspace: Workspace, limit: int = 20) -> list[CustomerMetrics]:
    """The customers with the highest predicted CLV (index ``metrics_ws_clv``)."""
    return list(
        CustomerMetrics.objects.filter(
            workspace=workspace, clv_12m_satang__isnull=False, customer__merged_into__isnull=True
        )
        .select_related("customer")
        .order_by("-clv_12m_satang", "customer_id")[:limit]
    )


def customer_metrics_get(*, workspace: Workspace, customer_id: int) -> CustomerMetrics | None:
    """One customer's analytics row; None until the first recompute that included them."""
    return CustomerMetrics.objects.filter(workspace=workspace, customer_id=customer_id).first()


# --- churn ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChurnRisk:
    customers: int  # how many have "dropped"
    value_at_stake_satang: int  # their summed historical CLV
    rows: list[CustomerMetrics] = field(default_factory=list)


def churn_risk(*, workspace: Workspace, limit: int = 50) -> ChurnRisk:
    """Customers whose P(alive) dropped, the most valuable first.

    "Dropped" means P(alive) < 0.5 with at least two orders: customers who used to come back
    and, by the BG/NBD model, have more likely left than not. The value at stake is their
    historical CLV (average order value × purchases per month × expected lifespan): what the
    shop stands to lose if they are gone for good, ordered largest first.
    """
    dropped = CustomerMetrics.objects.filter(
        workspace=workspace,
        p_alive__lt=CHURN_P_ALIVE,
        orders__gte=CHURN_MIN_ORDERS,
        customer__merged_into__isnull=True,
    )
    totals = dropped.aggregate(n=Count("id"), value=Sum("historical_clv_satang"))
    rows = list(
        dropped.select_related("customer").order_by("-historical_clv_satang", "customer_id")[:limit]
    )
    return ChurnRisk(
        customers=totals["n"] or 0, value_at_stake_satang=totals["value"] or 0, rows=rows
    )


# --- cohorts and repeat rate ------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    year: int
    month: int
    size: int
    # retention[k] = share (0..1) of the cohort that bought in month k after the first-purchase
    # month (k = 1, 2, …), for the months that have begun; index 0 is the first month (1.0).
    retention: list[float]


@dataclass(frozen=True)
class MonthRate:
    year: int
    month: int
    buyers: int
    repeat_buyers: int  # bought this month, and their first purchase was in an earlier month

    @property
    def rate(self) -> float | None:
        return self.repeat_buyers / self.buyers if self.buyers else None


@dataclass(frozen=True)
class CohortReport:
    cohorts: list[Cohort]
    repeat_trend: list[MonthRate]
    months: int


def _month_key(value: dt.datetime | dt.date, tz: dt.tzinfo) -> tuple[int, int]:
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz)
    return value.year, value.month


def cohorts(
    *, workspace: Workspace, months: int = 12, now: dt.datetime | None = None
) -> CohortReport:
    """See :func:`cohorts_compute` (cached per recompute for the page)."""
    return _cached(
        workspace=workspace,
        name=f"cohorts:{months}",
        now=now,
        compute=lambda: cohorts_compute(workspace=workspace, months=months, now=now),
    )


def cohorts_compute(
    *, workspace: Workspace, months: int = 12, now: dt.datetime | None = None
) -> CohortReport:
    """Retention by first-purchase month and the monthly repeat-purchase rate.

    One grouped query over the paid orders of the last ``months`` months (current month
    included): distinct customers per (first-purchase month, purchase month). The first-purchase
    month is that of ``Customer.first_order_at``, the cached first paid order. Retention in
    month k is the share of the cohort who bought in the k-th month after their first; the
    repeat rate of a month is the share of that month's buyers whose first purchase was in an
    earlier month.
    """
    tz = workspace_tz(workspace)
    local_now = (now or timezone.now()).astimezone(tz)
    first = _add_months(local_now.year, local_now.month, -(months - 1))
    start = month_start(*first, tz)
    keys = [_add_months(*first, i) for i in range(months)]
    index = {key: i for i, key in enumerate(keys)}
    end = month_start(*_add_months(local_now.year, local_now.month, 1), tz)

    rows = (
        Order.objects.paid()
        .filter(
            workspace=workspace,
            placed_at__gte=start,
            placed_at__lt=end,
            customer__isnull=False,
            customer__first_order_at__isnull=False,
        )
        .annotate(
            cohort=TruncMonth("customer__first_order_at", tzinfo=tz),
            bought=TruncMonth("placed_at", tzinfo=tz),
        )
        .values("cohort", "bought")
        .annotate(n=Count("customer_id", distinct=True))
    )
    active = [[0] * months for _ in range(months)]  # [cohort index][months after]
    buyers = [0] * months
    repeaters = [0] * months
    for row in rows:
        bought = index.get(_month_key(row["bought"], tz))
        if bought is None:
            continue
        buyers[bought] += row["n"]
        cohort_key = _month_key(row["cohort"], tz)
        if cohort_key < keys[bought]:
            repeaters[bought] += row["n"]
        cohort = index.get(cohort_key)
        if cohort is not None and bought >= cohort:
            active[cohort][bought - cohort] += row["n"]

    sizes = dict.fromkeys(keys, 0)
    size_rows = (
        Customer.objects.filter(
            workspace=workspace,
            merged_into__isnull=True,
            first_order_at__gte=start,
            first_order_at__lt=end,
        )
        .annotate(cohort=TruncMonth("first_order_at", tzinfo=tz))
        .values("cohort")
        .annotate(n=Count("id"))
    )
    for size_row in size_rows:
        key = _month_key(size_row["cohort"], tz)
        if key in sizes:
            sizes[key] = size_row["n"]
    result = []
    for i, key in enumerate(keys):
        size = sizes[key]
        span = months - i  # months that have begun since this cohort's first month
        retention = [(active[i][k] / size if size else 0.0) for k in range(span)]
        if size:
            retention[0] = 1.0
        result.append(Cohort(year=key[0], month=key[1], size=size, retention=retention))
    trend = [
        MonthRate(year=key[0], month=key[1], buyers=buyers[i], repeat_buyers=repeaters[i])
        for i, key in enumerate(keys)
    ]
    return CohortReport(cohorts=result, repeat_trend=trend, months=months)


def purchase_gaps(*, workspace: Workspace) -> dict[str, Any] | None:
    """Time between purchases (median days and a histogram) from the latest finished run."""
    run = latest_done_run(workspace=workspace)
    if run is None:
        return None
    gaps = run.params.get("purchase_gaps")
    return gaps if isinstance(gaps, dict) else None


# --- CAC --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelCac:
    channel_id: int
    channel: str
    spend_satang: int
    new_customers: int
    avg_clv_12m_satang: int | None  # mean predicted CLV of those new customers

    @property
    def cac_satang(self) -> int | None:
        """Spend per new customer; None without new customers or without recorded spend (an
        unknown cost, not a free customer)."""
        if not self.new_customers or not self.spend_satang:
            return None
        return round(self.spend_satang / self.new_customers)

    @property
    def clv_to_cac(self) -> float | None:
        cac = self.cac_satang
        if not cac or self.avg_clv_12m_satang is None:
            return None
        return self.avg_clv_12m_satang / cac


def cac_by_channel(
    *, workspace: Workspace, months: int = 12, now: dt.datetime | None = None
) -> list[ChannelCac]:
    """Spend, new customers, CAC and CLV:CAC per channel over the last ``months`` months.

    A new customer is one whose first paid order (``Customer.first_order_at``) falls in the
    period; they count for the channel of that first order. CAC = spend / new customers;
    CLV:CAC = their mean predicted 12-month CLV / CAC (3 or more is the usual healthy mark).
    Channels with neither spend nor new customers are left out.
    """
    tz = workspace_tz(workspace)
    local_now = (now or timezone.now()).astimezone(tz)
    first = _add_months(local_now.year, local_now.month, -(months - 1))
    start = month_start(*first, tz)
    end = month_start(*_add_months(local_now.year, local_now.month, 1), tz)
    spend = {
        row["channel_id"]: row["total"] or 0
        for row in MarketingSpend.objects.filter(
            workspace=workspace, month__gte=dt.date(*first, 1), month__lt=end.date()
        )
        .values("channel_id")
        .annotate(total=Sum("amount_satang"))
    }

    def acquisitions() -> dict[int, dict[str, Any]]:
        return {
            row["channel_id"]: dict(row)
            for row in Order.objects.paid()
            .filter(
                workspace=workspace,
                placed_at__gte=start,
                placed_at__lt=end,
                placed_at=F("customer__first_order_at"),
            )
            .values("channel_id")
            .annotate(
                n=Count("customer_id", distinct=True), clv=Avg("customer__metrics__clv_12m_satang")
            )
        }

    acquired = _cached(
        workspace=workspace, name=f"acquired:{months}", now=now, compute=acquisitions
    )
    result = []
    for channel in SalesChannel.objects.filter(workspace=workspace).order_by("id"):
        got = acquired.get(channel.pk, {})
        spent = spend.get(channel.pk, 0)
        if not spent and not got.get("n"):
            continue
        clv = got.get("clv")
        result.append(
            ChannelCac(
                channel_id=channel.pk,
                channel=channel.name,
                spend_satang=spent,
                new_customers=got.get("n", 0),
                avg_clv_12m_satang=None if clv is None else round(clv),
            )
        )
    return result


def marketing_spend_list(*, workspace: Workspace, limit: int = 50) -> list[MarketingSpend]:
    return list(
        MarketingSpend.objects.filter(workspace=workspace)
        .select_related("channel")
        .order_by("-month", "-id")[:limit]
    )
