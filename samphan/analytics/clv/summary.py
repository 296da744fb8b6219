"""From a transaction log to the per-customer RFM summary the CLV models read.

Definitions (those of lifetimes' ``summary_data_from_transaction_data`` with ``freq="D"``, and of
Fader & Hardie's CDNOW summary, which this reproduces exactly):

- a *purchase period* is a calendar day: a customer's transactions on one day count as one
  purchase whose value is their sum (the model is about shopping trips, not basket lines);
- ``frequency`` = number of distinct purchase days − 1 (repeat purchases);
- ``recency`` = time from the first to the last purchase day (0 without a repeat);
- ``T`` = time from the first purchase day to ``observation_end`` (the last day of the history,
  inclusive; later transactions are ignored);
- ``monetary_value`` = mean value of the repeat purchase days, the first day left out
  (``monetary="mean_repeat"``, lifetimes' definition and what Gamma-Gamma expects; 0 without a
  repeat), or the mean over all purchase days (``"mean_all"``).

``unit`` sets only the unit time is measured in: ``"D"`` days, ``"W"`` weeks (days / 7, as in
the CDNOW summary) or ``"M"`` calendar months. A calendar-month position is
``year·12 + month + (day − 1) / days_in_that_month``, and durations are differences of positions:
from the 1st of a month to the 1st of the next is exactly 1 whatever the month's length, and a
part-month is the fraction of the month it falls in (1 Jan → 16 Jan is 15/31; 1 Feb → 15 Feb 2025
is 14/28). So the same day of the month a few months on is a whole number only between months of
equal length (15 Jan → 15 Mar is 2, but 15 Jan → 15 Apr is 3 + 14/30 − 14/31 ≈ 3.015). Positions
rather than "whole months plus leftover days" keep durations additive: T − recency is exactly the
time from the last purchase to the end of the history.

Times are local wall-clock times (for Thai shops, Asia/Bangkok): the day boundary is midnight in
whatever clock the caller's times are in; timezone-aware datetimes are refused rather than
silently shifted to UTC.

Everything is vectorised (one sort of packed (customer, day) keys, ``bincount`` sums, NumPy date
arithmetic): no Python loop per customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
Unit = Literal["D", "W", "M"]
Monetary = Literal["mean_repeat", "mean_all"]
DateLike = dt.date | dt.datetime | np.datetime64 | str
# A column of the transaction log: a NumPy array, a Polars Series or a plain sequence (of ids,
# dates, naive datetimes, ISO strings or amounts).
Column = ArrayLike | pl.Series | Sequence[Any]


@dataclass(frozen=True)
class RFMSummary:
    """One row per customer, sorted by customer id; times in ``unit``."""

    customer_id: NDArray[Any]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray
    total_value: FloatArray  # all purchases, first included (historical CLV)
    unit: Unit
    observation_end: np.datetime64

    def __len__(self) -> int:
        return len(self.customer_id)

    def to_polars(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "customer_id": self.customer_id,
                "frequency": self.frequency,
                "recency": self.recency,
                "T": self.T,
                "monetary_value": self.monetary_value,
                "total_value": self.total_value,
            }
        )


@dataclass(frozen=True)
class CalibrationHoldout:
    """A history split in two: the models are fitted on ``calibration`` and judged on the rest.

    ``frequency_holdout`` counts each calibration customer's purchase days after
    ``calibration_end`` up to ``observation_end``; customers first seen in the holdout are left
    out, because the models predict only for customers they have seen.
    """

    calibration: RFMSummary
    frequency_holdout: FloatArray
    monetary_holdout: FloatArray  # mean value of the holdout purchase days (0 if none)
    duration_holdout: float  # in calibration.unit


_AWARE = (
    "times must be dates or naive local datetimes (convert aware datetimes to the shop's local "
    "time first: the day boundary is local midnight)"
)


def day_numbers(times: Column) -> NDArray[np.int64]:
    """Days since 1970-01-01 (floored) for dates, naive datetimes, datetime64 or ISO strings."""
    if isinstance(times, pl.Series):
        if isinstance(times.dtype, pl.Datetime) and times.dtype.time_zone is not None:
            raise ValueError(_AWARE)
        times = times.to_numpy()
    arr = np.asarray(times)
    if arr.dtype == object and any(getattr(v, "tzinfo", None) is not None for v in arr.flat):
        raise ValueError(_AWARE)
    if arr.dtype.kind != "M":
        try:
            arr = arr.astype("datetime64[us]")
        except (TypeError, ValueError) as exc:
            raise ValueError(_AWARE) from exc
    return np.asarray(arr.astype("datetime64[D]").astype(np.int64))


def _day_number(value: DateLike) -> int:
    return int(day_numbers(np.asarray([value]))[0])


def month_position(days: NDArray[np.int64]) -> FloatArray:
    """Calendar-month position of each day: year·12 + month + (day − 1) / days in that month."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    month_start = months.astype("datetime64[D]")
    month_length = ((months + 1).astype("datetime64[D]") - month_start).astype(np.float64)
    into_month = (d - month_start).astype(np.float64)
    return months.astype(np.float64) + into_month / month_length


def elapsed(start_days: NDArray[np.int64], end_days: NDArray[np.int64], unit: Unit) -> FloatArray:
    """Time from ``start_days`` to ``end_days`` in ``unit`` (see the module docstring)."""
    if unit == "D":
        return (end_days - start_days).astype(np.float64)
    if unit == "W":
        return (end_days - start_days).astype(np.float64) / 7.0
    if unit == "M":
        return month_position(end_days) - month_position(start_days)
    raise ValueError(f"unit must be 'D', 'W' or 'M', not {unit!r}")


_DAY_BITS = 21  # 2**21 days ≈ 5,700 years of history in the low bits of a sort key
_DAY_MASK = (1 << _DAY_BITS) - 1


@dataclass(frozen=True)
class _Log:
    """A transaction log in integer form: customer code and day number per transaction."""

    codes: NDArray[np.int64]
    days: NDArray[np.int64]
    amounts: FloatArray
    ids: NDArray[Any]  # the customer id of each code
    n_codes: int


def _customer_codes(customer_ids: Column) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Dense integer codes for customer ids, and the id of each code.

    Integer ids in a compact range are used as they are (offset), which avoids a sort; anything
    else (strings, sparse ids) is factorised.
    """
    ids = (
        customer_ids.to_numpy() if isinstance(customer_ids, pl.Series) else np.asarray(customer_ids)
    )
    if ids.ndim != 1:
        raise ValueError("customer_ids must be one-dimensional")
    if ids.dtype.kind in "iu" and len(ids):
        low, high = int(ids.min()), int(ids.max())
        if high - low <= 4 * len(ids) + 1_000_000:
            codes = ids.astype(np.int64) - low
            return codes, np.arange(low, high + 1, dtype=ids.dtype)
    uniques, inverse = np.unique(ids, return_inverse=True)
    return inverse.astype(np.int64).ravel(), uniques


def _transaction_log(
    customer_ids: Column,
    times: Column,
    amounts: Column | None,
) -> _Log:
    codes, ids = _customer_codes(customer_ids)
    days = day_numbers(times)
    if amounts is None:
        values = np.zeros(len(days))
    else:
        raw = amounts.to_numpy() if isinstance(amounts, pl.Series) else np.asarray(amounts)
        values = np.asarray(raw, dtype=np.float64)
    if not (len(codes) == len(days) == len(values)):
        raise ValueError("customer_ids, times and amounts must have the same length")
    if not np.all(np.isfinite(values)):
        raise ValueError("amounts must be finite")
    return _Log(codes=codes, days=days, amounts=values, ids=ids, n_codes=len(ids))


def _distinct_purchase_days(
    codes: NDArray[np.int64], days: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct (customer code, day) pairs, sorted by code then day.

    One sort of a packed int64 key (Polars' multi-threaded sort) instead of a two-column
    group-by: on a million transactions this is several times faster.
    """
    if len(codes) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    day0 = int(days.min())
    if int(days.max()) - day0 > _DAY_MASK:
        raise ValueError("the history spans too many days")
    key = (codes << _DAY_BITS) | (days - day0)
    ordered = pl.Series(key).sort().to_numpy()
    distinct = np.empty(len(ordered), dtype=bool)
    distinct[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=distinct[1:])
    unique_keys = ordered[distinct]
    return unique_keys >> _DAY_BITS, (unique_keys & _DAY_MASK) + day0


def _group_starts(sorted_codes: NDArray[np.int64]) -> NDArray[np.intp]:
    new = np.empty(len(sorted_codes), dtype=bool)
    if len(sorted_codes):
        new[0] = True
        np.not_equal(sorted_codes[1:], sorted_codes[:-1], out=new[1:])
    return np.flatnonzero(new)


def _summarise(log: _Log, end_day: int, unit: Unit, monetary: Monetary) -> RFMSummary:
    """Summary of the transactions on or before ``end_day``."""
    if monetary not in ("mean_repeat", "mean_all"):
        raise ValueError(f"monetary must be 'mean_repeat' or 'mean_all', not {monetary!r}")
    codes, days, amounts = log.codes, log.days, log.amounts
    if len(days) and int(days.max()) > end_day:
        keep = days <= end_day
        codes, days, amounts = codes[keep], days[keep], amounts[keep]
    day_codes, day_days = _distinct_purchase_days(codes, days)
    starts = _group_starts(day_codes)
    # No purchases at all gives an empty summary (not an index error on the missing last group).
    ends = np.append(starts[1:], len(day_codes)) if len(starts) else starts
    customer = day_codes[starts]
    first = day_days[starts]
    last = day_days[ends - 1]
    n = (ends - starts).astype(np.float64)

    total = np.bincount(codes, weights=amounts, minlength=log.n_codes)[customer].astype(np.float64)
    if monetary == "mean_repeat":
        first_day_of = np.zeros(log.n_codes, dtype=np.int64)
        first_day_of[customer] = first
        on_first_day = np.where(days == first_day_of[codes], amounts, 0.0)
        repeat_total = (
            total - np.bincount(codes, weights=on_first_day, minlength=log.n_codes)[customer]
        )
        value = np.divide(repeat_total, n - 1, out=np.zeros_like(total), where=n > 1)
    else:
        value = total / n
    end = np.full_like(first, end_day)
    return RFMSummary(
        customer_id=log.ids[customer],
        frequency=n - 1,
        recency=elapsed(first, last, unit),
        T=elapsed(first, end, unit),
        monetary_value=value,
        total_value=total,
        unit=unit,
        observation_end=np.datetime64(end_day, "D"),
    )


def rfm_summary(
    customer_ids: Column,
    times: Column,
    amounts: Column | None,
    *,
    observation_end: DateLike,
    unit: Unit = "D",
    monetary: Monetary = "mean_repeat",
) -> RFMSummary:
    """Frequency, recency, T and order value per customer from a transaction log.

    ``customer_ids``, ``times`` and ``amounts`` are parallel sequences (one transaction each; any
    order). See the module docstring for the definitions.
    """
    log = _transaction_log(customer_ids, times, amounts)
    return _summarise(log, _day_number(observation_end), unit, monetary)


def calibration_and_holdout(
    customer_ids: Column,
    times: Column,
    amounts: Column | None,
    *,
    calibration_end: DateLike,
    observation_end: DateLike,
    unit: Unit = "D",
    monetary: Monetary = "mean_repeat",
) -> CalibrationHoldout:
    """Split a history at ``calibration_end`` (inclusive) for a holdout check of the models."""
    cal_day, end_day = _day_number(calibration_end), _day_number(observation_end)
    if end_day <= cal_day:
        raise ValueError("observation_end must come after calibration_end")
    log = _transaction_log(customer_ids, times, amounts)
    calibration = _summarise(log, cal_day, unit, monetary)
    in_holdout = (log.days > cal_day) & (log.days <= end_day)
    codes, days, amounts = log.codes[in_holdout], log.days[in_holdout], log.amounts[in_holdout]
    day_codes, _ = _distinct_purchase_days(codes, days)
    purchase_days = np.bincount(day_codes, minlength=log.n_codes).astype(np.float64)
    # float even when nobody bought in the holdout (bincount of nothing is integer)
    spent = np.bincount(codes, weights=amounts, minlength=log.n_codes).astype(np.float64)
    mean_value = np.divide(spent, purchase_days, out=np.zeros_like(spent), where=purchase_days > 0)
    seen = _codes_of(log, calibration.customer_id)
    duration = elapsed(np.array([cal_day]), np.array([end_day]), unit)[0]
    return CalibrationHoldout(
        calibration=calibration,
        frequency_holdout=purchase_days[seen],
        monetary_holdout=mean_value[seen],
        duration_holdout=float(duration),
    )


def _codes_of(log: _Log, ids: NDArray[Any]) -> NDArray[np.intp]:
    """Codes of ids known to be in the log (``log.ids`` is sorted either way)."""
    return np.searchsorted(log.ids, ids)
