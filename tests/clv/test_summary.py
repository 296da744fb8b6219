"""The RFM summary: definitions checked by hand, and the published CDNOW summary reproduced."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from samphan.analytics.clv.summary import calibration_and_holdout, rfm_summary
from tests.clv.conftest import CALIBRATION_END, OBSERVATION_END, Transactions

# A small shop, observed to Thursday 29 February 2024 (a leap year):
#   A buys twice on 1 Jan (one purchase of 150), then 15 Jan (200) and 1 Feb (300); a 5 Mar
#     purchase falls after the end of the history;
#   B buys once, on 10 Feb;
#   C first buys on 1 Mar, after the end: not a customer yet;
#   D buys on 31 Jan and 15 Feb (month lengths differ across that gap).
LOG = [
    ("A", dt.datetime(2024, 1, 1, 10, 0), 100.0),
    ("A", dt.datetime(2024, 1, 1, 18, 30), 50.0),
    ("A", dt.datetime(2024, 1, 15, 9, 0), 200.0),
    ("A", dt.datetime(2024, 2, 1, 12, 0), 300.0),
    ("A", dt.datetime(2024, 3, 5, 12, 0), 999.0),
    ("B", dt.datetime(2024, 2, 10, 20, 0), 80.0),
    ("C", dt.datetime(2024, 3, 1, 8, 0), 40.0),
    ("D", dt.datetime(2024, 1, 31, 23, 59), 10.0),
    ("D", dt.datetime(2024, 2, 15, 0, 1), 20.0),
]
END = dt.date(2024, 2, 29)


def _columns(
    log: list[tuple[str, dt.datetime, float]],
) -> tuple[list[str], list[dt.datetime], list[float]]:
    return [r[0] for r in log], [r[1] for r in log], [r[2] for r in log]


def test_days() -> None:
    s = rfm_summary(*_columns(LOG), observation_end=END, unit="D")
    assert list(s.customer_id) == ["A", "B", "D"]
    assert list(s.frequency) == [2, 0, 1]  # two purchases on 1 Jan count once
    assert list(s.recency) == [31, 0, 15]
    assert list(s.T) == [59, 19, 29]
    assert list(s.monetary_value) == [250, 0, 20]  # mean of the repeat purchases only
    assert list(s.total_value) == [650, 80, 30]  # the 5 Mar purchase is after the end


def test_weeks_are_days_over_seven() -> None:
    s = rfm_summary(*_columns(LOG), observation_end=END, unit="W")
    assert s.recency == pytest.approx([31 / 7, 0, 15 / 7])
    assert pytest.approx([59 / 7, 19 / 7, 29 / 7]) == s.T
    assert list(s.frequency) == [2, 0, 1]


def test_calendar_months() -> None:
    s = rfm_summary(*_columns(LOG), observation_end=END, unit="M")
    # Position in months: 1 Jan = 0, 1 Feb = 1, 29 Feb = 1 + 28/29, 10 Feb = 1 + 9/29,
    # 31 Jan = 30/31, 15 Feb = 1 + 14/29.
    assert s.recency == pytest.approx([1.0, 0.0, 1 + 14 / 29 - 30 / 31])
    assert pytest.approx([1 + 28 / 29, 28 / 29 - 9 / 29, 1 + 28 / 29 - 30 / 31]) == s.T


def test_calendar_months_are_positions_not_day_counts() -> None:
    days = ["2025-01-01", "2025-02-01", "2025-03-15", "2025-04-15"]
    s = rfm_summary(
        [7] * 4,
        np.array(days, dtype="datetime64[D]"),
        [1.0] * 4,
        observation_end="2025-05-01",
        unit="M",
    )
    assert pytest.approx([4.0]) == s.T  # 1st to 1st: whole months, whatever their lengths
    assert s.recency == pytest.approx([3 + 14 / 30])  # 15 Apr is 14/30 into April
    first_to_mid_march = rfm_summary(
        [1, 1],
        np.array(["2025-01-15", "2025-03-15"], dtype="datetime64[D]"),
        [1.0, 1.0],
        observation_end="2025-03-15",
        unit="M",
    )
    assert first_to_mid_march.recency == pytest.approx([2.0])  # January and March: 31 days each


def test_mean_all_includes_the_first_purchase() -> None:
    s = rfm_summary(*_columns(LOG), observation_end=END, monetary="mean_all")
    assert s.monetary_value == pytest.approx([650 / 3, 80, 15])


def test_id_kinds_and_row_order_do_not_matter() -> None:
    ids, times, amounts = _columns(LOG)
    reference = rfm_summary(ids, times, amounts, observation_end=END)
    shuffle = np.random.default_rng(3).permutation(len(LOG))
    for kind in ({"A": 1, "B": 2, "C": 3, "D": 4}, {"A": 10**15, "B": 7, "C": 3, "D": 10**12}):
        coded = np.array([kind[i] for i in ids])[shuffle]
        s = rfm_summary(
            pl.Series(coded),
            pl.Series([times[i] for i in shuffle]),
            np.array(amounts)[shuffle],
            observation_end=END,
        )
        assert list(s.customer_id) == sorted(kind[c] for c in ("A", "B", "D"))
        by_id = dict(zip(s.customer_id, s.monetary_value, strict=True))
        assert [by_id[kind[c]] for c in ("A", "B", "D")] == list(reference.monetary_value)
        assert sorted(s.T) == sorted(reference.T)


def test_aware_datetimes_are_refused() -> None:
    aware = [dt.datetime(2024, 1, 1, tzinfo=dt.UTC)]
    with pytest.raises(ValueError, match="local"):
        rfm_summary([1], aware, [1.0], observation_end=END)
    with pytest.raises(ValueError, match="local"):
        rfm_summary([1], pl.Series(aware), [1.0], observation_end=END)


def test_calibration_and_holdout() -> None:
    split = calibration_and_holdout(
        *_columns(LOG), calibration_end=dt.date(2024, 1, 31), observation_end=END, unit="D"
    )
    cal = split.calibration
    assert list(cal.customer_id) == ["A", "D"]  # B and C arrive in the holdout: left out
    assert list(cal.frequency) == [1, 0]
    assert list(cal.T) == [30, 0]
    assert list(split.frequency_holdout) == [1, 1]
    assert list(split.monetary_holdout) == [300, 20]
    assert split.duration_holdout == 29
    months = calibration_and_holdout(
        *_columns(LOG), calibration_end=dt.date(2024, 1, 31), observation_end=END, unit="M"
    )
    assert months.duration_holdout == pytest.approx(1 + 28 / 29 - 30 / 31)


def test_cdnow_summary_is_reproduced(
    cdnow_transactions: Transactions, cdnow_summary_with_values: pl.DataFrame
) -> None:
    tx = cdnow_transactions
    s = rfm_summary(tx.customer_id, tx.day, tx.amount, observation_end=CALIBRATION_END, unit="W")
    published = cdnow_summary_with_values
    assert list(s.customer_id) == published["ID"].to_list()
    assert np.array_equal(s.frequency, published["x"].to_numpy())
    assert np.abs(s.recency - published["t_x"].to_numpy()).max() < 0.005 + 1e-9  # 2 decimals
    assert np.abs(s.T - published["T"].to_numpy()).max() < 0.005 + 1e-9
    assert np.abs(s.monetary_value - published["zbar"].to_numpy()).max() < 0.005 + 1e-9
    assert int((s.frequency > 0).sum()) == 946


def test_cdnow_holdout_counts(cdnow_transactions: Transactions) -> None:
    tx = cdnow_transactions
    split = calibration_and_holdout(
        tx.customer_id,
        tx.day,
        tx.amount,
        calibration_end=CALIBRATION_END,
        observation_end=OBSERVATION_END,
        unit="W",
    )
    assert len(split.calibration) == 2357
    assert split.duration_holdout == 39.0
    in_holdout = (tx.day > np.datetime64(CALIBRATION_END)) & (
        tx.day <= np.datetime64(OBSERVATION_END)
    )
    distinct_days = len(
        {(c, d) for c, d in zip(tx.customer_id[in_holdout], tx.day[in_holdout], strict=True)}
    )
    assert split.frequency_holdout.sum() == distinct_days


def test_no_purchases_give_an_empty_summary() -> None:
    import numpy as np

    from samphan.analytics.clv.summary import rfm_summary

    summary = rfm_summary(
        np.array([], dtype=np.int64),
        np.array([], dtype="datetime64[D]"),
        np.array([], dtype=float),
        observation_end=np.datetime64("2026-11-23"),
    )
    assert len(summary.customer_id) == 0 and len(summary.frequency) == 0


def test_holdout_with_no_purchases_in_it() -> None:
    import numpy as np

    from samphan.analytics.clv.summary import calibration_and_holdout

    split = calibration_and_holdout(
        np.array([1, 1, 2]),
        np.array(["2026-01-01", "2026-02-01", "2026-03-01"], dtype="datetime64[D]"),
        np.array([10.0, 20.0, 30.0]),
        calibration_end=np.datetime64("2026-06-01"),
        observation_end=np.datetime64("2026-09-01"),
    )
    assert list(split.frequency_holdout) == [0.0, 0.0]
    assert list(split.monetary_holdout) == [0.0, 0.0]
