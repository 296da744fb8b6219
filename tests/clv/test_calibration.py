"""The holdout check on CDNOW: weeks 1–39 to fit, weeks 40–78 to judge (FHL 2005, figure 4)."""

from __future__ import annotations

import pytest

from samphan.analytics.clv.calibration import holdout_check
from samphan.analytics.clv.summary import calibration_and_holdout
from tests.clv.conftest import CALIBRATION_END, OBSERVATION_END, Transactions


def test_cdnow_holdout(cdnow_transactions: Transactions) -> None:
    tx = cdnow_transactions
    split = calibration_and_holdout(
        tx.customer_id,
        tx.day,
        tx.amount,
        calibration_end=CALIBRATION_END,
        observation_end=OBSERVATION_END,
        unit="W",
    )
    check = holdout_check(split)
    assert check.fit.converged
    assert check.total_actual == 1882  # purchase days of the 2,357 customers in weeks 40–78
    # The model under-predicts the holdout a little overall, and tracks every bucket.
    assert check.total_relative_error == pytest.approx(-0.12, abs=0.01)
    assert check.mean_absolute_error == pytest.approx(0.785, abs=0.005)
    assert [b.label for b in check.buckets] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(b.n_customers for b in check.buckets) == 2357
    for bucket in check.buckets:
        assert bucket.predicted_mean == pytest.approx(bucket.actual_mean, rel=0.3)
    means = [b.actual_mean for b in check.buckets]
    assert means == sorted(means)  # who bought more before buys more after

    chart = check.as_dict()["chart"]
    assert (
        len(chart["labels"])
        == len(chart["actual"])
        == len(chart["predicted"])
        == len(chart["customers"])
    )
    assert all(isinstance(v, float) for v in chart["actual"] + chart["predicted"])
