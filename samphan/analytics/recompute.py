"""The full analytics recompute of one workspace: RFM, historical and predictive CLV, model card.

``metrics_recompute`` reads every paid order of the workspace as three arrays (customer id,
purchase day in the workspace's time zone, total in satang), summarises them with
``samphan.analytics.clv`` (unit: days), fits BG/NBD and Gamma-Gamma, scores every buyer with
vectorised NumPy, and replaces the workspace's ``CustomerMetrics`` rows in one transaction.

Speed (1,000,000 customers / 3.4 M orders in ``docs/benchmarks.md``) comes from three choices:

- the database does the filtering and the local-day arithmetic, and the rows travel as
  ``COPY … TO STDOUT`` CSV into Polars on PostgreSQL (a raw cursor on SQLite, with the time
  zone applied by Polars), never as model instances;
- scoring is array arithmetic; the BG/NBD predictions (the costly hypergeometric functions) are
  evaluated once per distinct (frequency, recency, T) triple, which many customers share, and
  both fits evaluate their Gamma functions once per distinct repeat count;
- the rows are written by ``COPY … FROM STDIN`` on PostgreSQL and ``executemany`` on SQLite,
  into a table whose foreign keys are not database constraints (see ``CustomerMetrics``):
  checking them row by row was a third of the write.

Definitions stored per customer (only customers with at least one paid order get a row):

- ``recency_days``: days from the last purchase day to the observation day (today, local);
- ``frequency``: repeat purchase days (distinct purchase days − 1, the models' x);
- ``orders``: paid orders; ``total_satang``: their sum, net of refunds; ``monetary_satang``:
  average order value (total / orders, rounded);
- ``r_score``/``f_score``/``m_score``: quintile scores 1–5 within the workspace, see
  :func:`quintile_scores`; ``rfm_segment`` from :data:`SEGMENT_GRID`;
- ``historical_clv_satang``: average order value × orders per month since the first purchase
  (at least one month counted) × ``expected_lifespan_months`` (the shop's own figure; 24 by
  default), the textbook formula of :func:`samphan.analytics.clv.historical_clv` per customer;
- ``predicted_purchases_90d`` and ``p_alive`` from BG/NBD; ``expected_order_value_satang`` from
  Gamma-Gamma (the customer's own average order value when Gamma-Gamma cannot be used: too few
  repeat customers, no convergence or q ≤ 1); ``clv_12m_satang``: the discounted value over
  ``horizon_months`` months, the library's ``customer_lifetime_value`` formula.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from numpy.typing import NDArray

from samphan.analytics.clv import bgnbd as bgnbd_model
from samphan.analytics.clv import (
    calibration_and_holdout,
    historical_clv,
    holdout_check,
    model_card,
    rfm_summary,
)
from samphan.analytics.clv import gamma_gamma as gg_model
from samphan.analytics.clv.clv import DAYS_PER_MONTH, MIN_REPEAT_CUSTOMERS
from samphan.analytics.events import MetricsRecomputed
from samphan.analytics.kpis import workspace_tz
from samphan.analytics.models import CustomerMetrics, ModelRun, RfmSegment
from samphan.commerce.models import PAID_STATUS, Order
from samphan.core.bulk import vacuum_analyze
from samphan.core.models import Workspace
from samphan.timeline.publish import publish

logger = logging.getLogger(__name__)

HOLDOUT_DAYS = 90
PREDICTION_DAYS = 90
DEFAULT_LIFESPAN_MONTHS = 24.0

# Named RFM segments on the R score (rows, 5 = bought most recently) × the FM score (columns,
# FM = (F + M) / 2 rounded half up). The standard grid used in RFM write-ups (Putler and the
# common "R vs FM" segment maps), with "Lost" for the corner no other segment covers:
#
#   R \ FM   1               2               3               4           5
#   5        New             Potential l.    Potential l.    Champions   Champions
#   4        Promising       Potential l.    Potential l.    Loyal       Loyal
#   3        About to sleep  About to sleep  Need attention  Loyal       Loyal
#   2        Hibernating     Hibernating     At risk         At risk     Can't lose them
#   1        Lost            Hibernating     At risk         At risk     Can't lose them
S = RfmSegment
SEGMENT_GRID: tuple[tuple[RfmSegment, ...], ...] = (
    (S.LOST, S.HIBERNATING, S.AT_RISK, S.AT_RISK, S.CANT_LOSE),  # R = 1
    (S.HIBERNATING, S.HIBERNATING, S.AT_RISK, S.AT_RISK, S.CANT_LOSE),  # R = 2
    (S.ABOUT_TO_SLEEP, S.ABOUT_TO_SLEEP, S.NEED_ATTENTION, S.LOYAL, S.LOYAL),  # R = 3
    (S.PROMISING, S.POTENTIAL_LOYALIST, S.POTENTIAL_LOYALIST, S.LOYAL, S.LOYAL),  # R = 4
    (S.NEW, S.POTENTIAL_LOYALIST, S.POTENTIAL_LOYALIST, S.CHAMPIONS, S.CHAMPIONS),  # R = 5
)
del S
_SEGMENT_VALUES = np.array([[seg.value for seg in row] for row in SEGMENT_GRID], dtype=object)


def quintile_scores(values: NDArray[Any], *, higher_is_better: bool = True) -> NDArray[np.int64]:
    """Score 1–5 per value: 1 + ⌊5 × share of the customers with a strictly worse value⌋.

    Ties get the same score, the one of the lowest position they share, so a value most
    customers have (a frequency of 0, say) scores 1 for all of them instead of being spread
    over several quintiles by an arbitrary tie-break; the quintiles are therefore not of equal
    size when values repeat. The best value always scores ≥ 1 and at most 5.
    """
    v = np.asarray(values, dtype=np.float64)
    if not higher_is_better:
        v = -v
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    worse = np.searchsorted(np.sort(v), v, side="left")
    return np.asarray(1 + (5 * worse) // n, dtype=np.int64)


def rfm_segments(r: NDArray[np.int64], f: NDArray[np.int64], m: NDArray[np.int64]) -> NDArray[Any]:
    """Segment value of each customer from :data:`SEGMENT_GRID`."""
    fm = (f + m + 1) // 2
    return np.asarray(_SEGMENT_VALUES[r - 1, fm - 1])


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchases:
    customer_id: NDArray[np.int64]
    day: NDArray[np.int64]  # days since 1970-01-01 in the workspace's time zone
    total_satang: NDArray[np.int64]


def _paid_orders_sql(tz_sql: str) -> str:
    return (
        # Net of refunds: the refunded part of a paid order was not spent.
        f"SELECT customer_id, {tz_sql}, total_satang - refunded_satang "
        f"FROM {Order._meta.db_table} "
        "WHERE workspace_id = %s AND status = %s AND customer_id IS NOT NULL AND placed_at <= %s"
    )


def purchases_read(*, workspace: Workspace, until: dt.datetime) -> Purchases:
    """Paid orders placed up to ``until`` as arrays (see the module docstring for how)."""
    tz = workspace_tz(workspace)
    until_db = connection.ops.adapt_datetimefield_value(until)
    if connection.vendor == "postgresql":
        sql = _paid_orders_sql("((placed_at AT TIME ZONE %s)::date - DATE '1970-01-01')")
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            query = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
            with raw.copy(query, (tz.key, workspace.pk, PAID_STATUS, until_db)) as copy:
                for block in copy:
                    buffer.write(block)
        if buffer.tell() == 0:
            return _no_purchases()
        buffer.seek(0)
        frame = pl.read_csv(
            buffer,
            has_header=False,
            new_columns=["customer_id", "day", "total"],
            schema_overrides={"customer_id": pl.Int64, "day": pl.Int64, "total": pl.Int64},
        )
        return Purchases(
            customer_id=frame["customer_id"].to_numpy(),
            day=frame["day"].to_numpy(),
            total_satang=frame["total"].to_numpy(),
        )
    # SQLite (and others): the stored UTC text, converted by Polars (the expression keeps
    # Django's datetime converter, which would build a Python datetime per row, out of it).
    sql = _paid_orders_sql("substr(placed_at, 1, 19)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk, PAID_STATUS, until_db])
        rows = cursor.fetchall()
    if not rows:
        return _no_purchases()
    frame = pl.DataFrame(
        rows, schema={"customer_id": pl.Int64, "placed": pl.String, "total": pl.Int64}, orient="row"
    )
    local_day = (
        frame["placed"]
        .str.replace("T", " ")
        .str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(tz.key)
        .dt.date()
        .cast(pl.Int32)
        .cast(pl.Int64)
    )
    return Purchases(
        customer_id=frame["customer_id"].to_numpy(),
        day=local_day.to_numpy(),
        total_satang=frame["total"].to_numpy(),
    )


def _no_purchases() -> Purchases:
    empty = np.zeros(0, dtype=np.int64)
    return Purchases(customer_id=empty, day=empty, total_satang=empty)


# --- scoring ----------------------------------------------------------------------------------


@dataclass
class Scores:
    """One entry per buyer, sorted by customer id."""

    customer_id: NDArray[np.int64]
    recency_days: NDArray[np.int64]
    frequency: NDArray[np.int64]
    orders: NDArray[np.int64]
    monetary_satang: NDArray[np.int64]
    total_satang: NDArray[np.int64]
    r_score: NDArray[np.int64]
    f_score: NDArray[np.int64]
    m_score: NDArray[np.int64]
    rfm_segment: NDArray[Any]
    historical_clv_satang: NDArray[np.int64]
    predicted_purchases_90d: NDArray[np.float64]
    p_alive: NDArray[np.float64]
    expected_order_value_satang: NDArray[np.int64]
    clv_satang: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.customer_id)


def _satang(values: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.asarray(np.rint(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)), np.int64)


def _discounted_purchases(
    params: bgnbd_model.BgNbdParams,
    x: NDArray[np.float64],
    tx: NDArray[np.float64],
    T: NDArray[np.float64],
    *,
    horizon_months: int,
    monthly_discount: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """P(alive), purchases in 90 days and Σ_m Δpurchases(month m) / (1 + d)^m per customer.

    The last is ``customer_lifetime_value`` of the library with an order value of 1 (the same
    formula: purchases valued at the end of the month they fall in), so the caller multiplies by
    whichever expected order value applies. Each is evaluated once per distinct (x, t_x, T):
    in days these repeat a lot (a million customers have a few hundred thousand triples).
    """
    key = (x.astype(np.int64) << 42) | (tx.astype(np.int64) << 21) | T.astype(np.int64)
    unique_keys, inverse = np.unique(key, return_inverse=True)
    ux = (unique_keys >> 42).astype(np.float64)
    utx = ((unique_keys >> 21) & ((1 << 21) - 1)).astype(np.float64)
    uT = (unique_keys & ((1 << 21) - 1)).astype(np.float64)
    alive = bgnbd_model.probability_alive(params, ux, utx, uT)
    in_90 = bgnbd_model.expected_purchases(params, PREDICTION_DAYS, ux, utx, uT)
    discounted = np.zeros_like(ux)
    previous = np.zeros_like(ux)
    for m in range(1, horizon_months + 1):
        cumulative = bgnbd_model.expected_purchases(params, m * DAYS_PER_MONTH, ux, utx, uT)
        discounted += (cumulative - previous) / (1 + monthly_discount) ** m
        previous = cumulative
    inverse = inverse.ravel()
    return alive[inverse], in_90[inverse], discounted[inverse]


def purchase_gaps(customer_ids: NDArray[np.int64], days: NDArray[np.int64]) -> dict[str, Any]:
    """Days between a customer's consecutive purchase days, over all customers: median, mean
    and a histogram (for the page's "time between purchases")."""
    if len(days) == 0:
        return {"n": 0, "median_days": None, "mean_days": None, "histogram": []}
    day0 = int(days.min())
    key = ((customer_ids - int(customer_ids.min())) << 21) | (days - day0)
    ordered = pl.Series(key).unique().sort().to_numpy()
    same = (ordered[1:] >> 21) == (ordered[:-1] >> 21)
    gaps = ((ordered[1:] & ((1 << 21) - 1)) - (ordered[:-1] & ((1 << 21) - 1)))[same]
    if len(gaps) == 0:
        return {"n": 0, "median_days": None, "mean_days": None, "histogram": []}
    edges = [1, 8, 15, 31, 61, 91, 181, 366]
    counts = np.histogram(gaps, bins=[*edges, max(int(gaps.max()) + 1, 367)])[0]
    labels = ["1–7", "8–14", "15–30", "31–60", "61–90", "91–180", "181–365", "366+"]
    return {
        "n": len(gaps),
        "median_days": float(np.median(gaps)),
        "mean_days": float(np.mean(gaps)),
        "histogram": [
            {"label": label, "count": int(c)} for label, c in zip(labels, counts, strict=True)
        ],
    }


# --- the service ------------------------------------------------------------------------------


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)


def metrics_recompute(
    *,
    workspace: Workspace,
    now: dt.datetime | None = None,
    horizon_months: int = 12,
    monthly_discount: float = 0.01,
    expected_lifespan_months: float = DEFAULT_LIFESPAN_MONTHS,
    progress: Callable[[str, float], None] | None = None,
) -> ModelRun:
    """Recompute every buyer's metrics and record the run (see the module docstring).

    The run is saved as ``running`` first; the metrics rows and the finished run are written in
    one transaction, so a failure anywhere leaves the previous metrics in place and the run
    ``failed`` with the error. ``progress(step, seconds)`` is called after each step.
    """
    if horizon_months < 0:
        raise ValueError("horizon_months must be ≥ 0")
    if monthly_discount <= -1:
        raise ValueError("monthly_discount must be greater than −1")
    now = now or timezone.now()
    run = ModelRun.objects.create(workspace=workspace, started_at=timezone.now())
    timer = _Timer()
    started = time.perf_counter()

    @contextmanager
    def step(name: str) -> Iterator[None]:
        with timer.step(name):
            yield
        if progress is not None:
            progress(name, timer.timings[name])

    try:
        with step("read"):
            purchases = purchases_read(workspace=workspace, until=now)
        observation_day = np.datetime64(now.astimezone(workspace_tz(workspace)).date(), "D")
        params: dict[str, Any] = {
            "observation_end": str(observation_day),
            "timezone": workspace_tz(workspace).key,
            "unit": "D",
            "horizon_months": horizon_months,
            "monthly_discount": monthly_discount,
            "expected_lifespan_months": expected_lifespan_months,
            "prediction_days": PREDICTION_DAYS,
            "orders": len(purchases.customer_id),
        }
        # The summary needs at least one purchase (the library indexes the last one).
        card, calibration, scores = _score(
            purchases,
            observation_day=observation_day,
            horizon_months=horizon_months,
            monthly_discount=monthly_discount,
            expected_lifespan_months=expected_lifespan_months,
            params=params,
            step=step,
        )
        # The step includes the commit: on PostgreSQL the deferred foreign-key checks of the
        # new rows run there.
        with step("write"), transaction.atomic():
            _metrics_replace(workspace=workspace, scores=scores, computed_at=now)
            run.status = ModelRun.Status.DONE
            run.customers = len(scores)
            run.params = _json_safe(params)
            run.model_card = _json_safe(card)
            run.calibration = _json_safe(calibration)
            run.save()
        with step("vacuum"):
            # The old rows' space, the visibility map and the statistics, so that the segment
            # counts joining this table plan on its new contents and a nightly rewrite does
            # not keep growing it.
            vacuum_analyze([CustomerMetrics])
        run.finished_at = timezone.now()
        run.timings = {**timer.timings, "total": round(time.perf_counter() - started, 3)}
        run.save(update_fields=["finished_at", "timings"])
    except Exception as exc:
        logger.exception("analytics recompute of workspace %s failed", workspace.pk)
        run.status = ModelRun.Status.FAILED
        run.finished_at = timezone.now()
        run.error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=5)}"
        run.timings = {**timer.timings, "total": round(time.perf_counter() - started, 3)}
        run.save()
        return run
    with transaction.atomic():
        # What depends on the scores (segment snapshots) refreshes after this commits.
        publish(
            MetricsRecomputed(workspace_id=workspace.pk, run_id=run.pk, customers=run.customers)
        )
    return run


def _json_safe(value: Any) -> Any:
    """NaN and infinities (a log-likelihood of a degenerate fit, say) as None: JSON has neither,
    and the database's JSON check refuses them."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _score(
    purchases: Purchases,
    *,
    observation_day: np.datetime64,
    horizon_months: int,
    monthly_discount: float,
    expected_lifespan_months: float,
    params: dict[str, Any],
    step: Callable[[str], Any],
) -> tuple[dict[str, Any], dict[str, Any], Scores]:
    ids, days, totals = purchases.customer_id, purchases.day, purchases.total_satang
    end_day = int(observation_day.astype(np.int64))
    if not np.any(days <= end_day):
        return _no_data_card(), {"skipped": True, "reason": "no_data"}, _empty_scores()
    with step("summary"):
        summary = rfm_summary(
            ids, days.astype("datetime64[D]"), totals, observation_end=observation_day, unit="D"
        )
        cid = np.asarray(summary.customer_id, dtype=np.int64)
        x, tx, T = summary.frequency, summary.recency, summary.T
        kept = days <= end_day
        if len(cid):
            low = int(cid[0])
            counts = np.bincount(ids[kept] - low, minlength=int(cid[-1]) - low + 1)
            orders = counts[cid - low].astype(np.int64)
        else:
            orders = np.zeros(0, dtype=np.int64)
        total = np.asarray(summary.total_value, dtype=np.float64)
        aov = np.divide(total, orders, out=np.zeros_like(total), where=orders > 0)
        recency_days = np.rint(T - tx).astype(np.int64)
        r = quintile_scores(recency_days, higher_is_better=False)
        f = quintile_scores(x)
        m = quintile_scores(aov)
        segments = rfm_segments(r, f, m) if len(cid) else np.zeros(0, dtype=object)
        months_known = np.maximum(T / DAYS_PER_MONTH, 1.0)
        historical = aov * (orders / months_known) * expected_lifespan_months
        shop_historical = historical_clv(
            frequency=x,
            T=T,
            total_value=total,
            unit="D",
            expected_lifespan_months=expected_lifespan_months,
        )
        params["purchase_gaps"] = purchase_gaps(ids[kept], days[kept])
        params["historical_clv"] = {
            "average_order_value_satang": shop_historical.average_order_value,
            "purchases_per_month": shop_historical.purchases_per_month,
            "expected_lifespan_months": expected_lifespan_months,
            "clv_satang": shop_historical.clv,
        }
    with step("fit_bgnbd"):
        bg_fit = bgnbd_model.fit(x, tx, T)
        params["bgnbd"] = bg_fit.params.as_dict()
    with step("fit_gamma_gamma"):
        gg_fit = gg_model.fit(x, summary.monetary_value)
        params["gamma_gamma"] = gg_fit.params.as_dict()
    with step("calibration"):
        calibration, holdout = _holdout(purchases, observation_day=observation_day)
    card = model_card(bgnbd=bg_fit, gamma_gamma=gg_fit, holdout=holdout)
    if holdout is None:
        card["calibration_skipped"] = calibration.get("reason", "")
    with step("predict"):
        alive, in_90, discounted = (
            _discounted_purchases(
                bg_fit.params,
                x,
                tx,
                T,
                horizon_months=horizon_months,
                monthly_discount=monthly_discount,
            )
            if len(cid)
            else (np.zeros(0), np.zeros(0), np.zeros(0))
        )
        gg_usable = gg_fit.converged and gg_fit.params.q > 1
        params["order_value_source"] = "gamma_gamma" if gg_usable else "own_average"
        if gg_usable:
            order_value = gg_model.expected_average_order_value(
                gg_fit.params, x, summary.monetary_value
            )
            order_value = np.where(np.isfinite(order_value), order_value, aov)
        else:
            order_value = aov
        clv = discounted * order_value
    scores = Scores(
        customer_id=cid,
        recency_days=recency_days,
        frequency=x.astype(np.int64),
        orders=orders,
        monetary_satang=_satang(aov),
        total_satang=_satang(total),
        r_score=r,
        f_score=f,
        m_score=m,
        rfm_segment=segments,
        historical_clv_satang=_satang(historical),
        predicted_purchases_90d=in_90,
        p_alive=alive,
        expected_order_value_satang=_satang(order_value),
        clv_satang=_satang(clv),
    )
    return card, calibration, scores


def _no_data_card() -> dict[str, Any]:
    return {
        "n_customers": 0,
        "n_repeat_customers": 0,
        "repeat_share": 0.0,
        "bgnbd": None,
        "gamma_gamma": None,
        "calibration": None,
        "calibration_error": None,
        "warnings": [
            {"code": "no_data", "message": "There are no paid orders yet, so nothing to model."}
        ],
        "trustworthy": False,
    }


def _empty_scores() -> Scores:
    i = np.zeros(0, dtype=np.int64)
    f = np.zeros(0, dtype=np.float64)
    return Scores(i, i, i, i, i, i, i, i, i, np.zeros(0, dtype=object), i, f, f, i, i)


def _holdout(purchases: Purchases, *, observation_day: np.datetime64) -> tuple[dict[str, Any], Any]:
    """Fit on the history up to 90 days ago and compare with the last 90 days.

    Skipped, with the reason recorded, when the history before the holdout is shorter than the
    holdout itself or has fewer than ``MIN_REPEAT_CUSTOMERS`` repeat customers: the check would
    then say more about the noise than about the model.
    """
    end_day = int(observation_day.astype(np.int64))
    cal_day = end_day - HOLDOUT_DAYS
    days = purchases.day
    if len(days) == 0 or int(days.min()) > cal_day - HOLDOUT_DAYS:
        return {
            "skipped": True,
            "reason": "history_too_short",
            "message": (
                f"The check needs at least {2 * HOLDOUT_DAYS} days of history: "
                f"{HOLDOUT_DAYS} to fit on and {HOLDOUT_DAYS} to compare with."
            ),
        }, None
    if not np.any((days > cal_day) & (days <= end_day)):
        # Nobody bought in the holdout: nothing to compare with (and the library's holdout
        # split cannot handle an empty holdout).
        return {
            "skipped": True,
            "reason": "no_holdout_purchases",
            "message": f"Nobody bought in the last {HOLDOUT_DAYS} days.",
        }, None
    split = calibration_and_holdout(
        purchases.customer_id,
        days.astype("datetime64[D]"),
        purchases.total_satang.astype(np.float64),
        calibration_end=np.datetime64(cal_day, "D"),
        observation_end=observation_day,
        unit="D",
    )
    repeaters = int(np.count_nonzero(split.calibration.frequency > 0))
    if repeaters < MIN_REPEAT_CUSTOMERS:
        return {
            "skipped": True,
            "reason": "few_repeat_customers",
            "message": (
                f"Only {repeaters} customers had bought twice before the last {HOLDOUT_DAYS} "
                f"days; the check needs at least {MIN_REPEAT_CUSTOMERS}."
            ),
        }, None
    check = holdout_check(split)
    data = check.as_dict()
    data["skipped"] = False
    data["calibration_end"] = str(np.datetime64(cal_day, "D"))
    data["params"] = check.fit.params.as_dict()
    return data, check


# --- writing ----------------------------------------------------------------------------------

_COLUMNS = (
    "workspace_id",
    "customer_id",
    "computed_at",
    "recency_days",
    "frequency",
    "orders",
    "monetary_satang",
    "total_satang",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "historical_clv_satang",
    "predicted_purchases_90d",
    "p_alive",
    "expected_order_value_satang",
    "clv_12m_satang",
)


def _frame(scores: Scores, workspace_id: int) -> pl.DataFrame:
    n = len(scores)
    return pl.DataFrame(
        {
            "workspace_id": np.full(n, workspace_id, dtype=np.int64),
            "customer_id": scores.customer_id,
            "recency_days": scores.recency_days,
            "frequency": scores.frequency,
            "orders": scores.orders,
            "monetary_satang": scores.monetary_satang,
            "total_satang": scores.total_satang,
            "r_score": scores.r_score,
            "f_score": scores.f_score,
            "m_score": scores.m_score,
            "rfm_segment": pl.Series(scores.rfm_segment.astype(str), dtype=pl.String),
            "historical_clv_satang": scores.historical_clv_satang,
            "predicted_purchases_90d": scores.predicted_purchases_90d,
            "p_alive": scores.p_alive,
            "expected_order_value_satang": scores.expected_order_value_satang,
            "clv_12m_satang": scores.clv_satang,
        }
    )


def _metrics_replace(*, workspace: Workspace, scores: Scores, computed_at: dt.datetime) -> None:
    """Delete the workspace's metrics and insert the new rows (inside the caller's atomic)."""
    CustomerMetrics.objects.filter(workspace=workspace).delete()
    if not len(scores):
        return
    frame = _frame(scores, workspace.pk)
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    table = CustomerMetrics._meta.db_table
    if connection.vendor == "postgresql":
        frame = frame.with_columns(pl.lit(str(stamp)).alias("computed_at")).select(_COLUMNS)
        with connection.cursor() as cursor:
            columns = ", ".join(_COLUMNS)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                chunk = 200_000
                for start in range(0, frame.height, chunk):
                    copy.write(frame.slice(start, chunk).write_csv(include_header=False))
        return
    frame = frame.with_columns(pl.lit(stamp).alias("computed_at")).select(_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, frame.height, 50_000):
            cursor.executemany(sql, frame.slice(start, 50_000).rows())
