"""The holdout check: would the model have predicted what customers actually did?

Fit BG/NBD on the first part of the history (the calibration period), predict each customer's
purchases in the rest (the holdout), and compare with what they bought, overall and by how often
they had bought before (Fader, Hardie & Lee 2005, figure 4). The figures are plain numbers and
lists so a page can draw the chart and the model card can quote the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from samphan.analytics.clv import bgnbd
from samphan.analytics.clv.bgnbd import BgNbdFit
from samphan.analytics.clv.summary import CalibrationHoldout, Unit

MAX_BUCKET = 7  # frequencies 0, 1, …, 6 get their own bucket; 7 and more share "7+"


@dataclass(frozen=True)
class HoldoutBucket:
    label: str  # "0", "1", …, "7+": repeat purchases in the calibration period
    n_customers: int
    actual_mean: float  # mean purchases per customer in the holdout
    predicted_mean: float


@dataclass(frozen=True)
class HoldoutCheck:
    fit: BgNbdFit  # fitted on the calibration period only
    unit: Unit
    duration: float  # holdout length, in ``unit``
    n_customers: int
    mean_absolute_error: float  # per customer, in purchases over the holdout
    total_actual: float
    total_predicted: float
    buckets: list[HoldoutBucket] = field(default_factory=list)

    @property
    def total_relative_error(self) -> float | None:
        """(predicted − actual) / actual over all customers; None when nobody bought."""
        if self.total_actual == 0:
            return None
        return (self.total_predicted - self.total_actual) / self.total_actual

    def as_dict(self) -> dict[str, Any]:
        """The check as plain JSON-ready data, with the chart's series side by side."""
        return {
            "unit": self.unit,
            "duration": self.duration,
            "n_customers": self.n_customers,
            "mean_absolute_error": self.mean_absolute_error,
            "total_actual": self.total_actual,
            "total_predicted": self.total_predicted,
            "total_relative_error": self.total_relative_error,
            "fit_converged": self.fit.converged,
            "chart": {
                "labels": [b.label for b in self.buckets],
                "customers": [b.n_customers for b in self.buckets],
                "actual": [b.actual_mean for b in self.buckets],
                "predicted": [b.predicted_mean for b in self.buckets],
            },
        }


def holdout_check(split: CalibrationHoldout, *, max_bucket: int = MAX_BUCKET) -> HoldoutCheck:
    """Fit on ``split.calibration`` and compare predicted with actual holdout purchases."""
    cal = split.calibration
    fitted = bgnbd.fit(cal.frequency, cal.recency, cal.T)
    predicted = bgnbd.expected_purchases(
        fitted.params, split.duration_holdout, cal.frequency, cal.recency, cal.T
    )
    actual = split.frequency_holdout
    bucket_of = np.minimum(cal.frequency, max_bucket).astype(np.int64)
    counts = np.bincount(bucket_of, minlength=max_bucket + 1)
    actual_sum = np.bincount(bucket_of, weights=actual, minlength=max_bucket + 1)
    predicted_sum = np.bincount(bucket_of, weights=predicted, minlength=max_bucket + 1)
    buckets = [
        HoldoutBucket(
            label=f"{k}+" if k == max_bucket else str(k),
            n_customers=int(counts[k]),
            actual_mean=float(actual_sum[k] / counts[k]),
            predicted_mean=float(predicted_sum[k] / counts[k]),
        )
        for k in range(max_bucket + 1)
        if counts[k] > 0
    ]
    return HoldoutCheck(
        fit=fitted,
        unit=cal.unit,
        duration=split.duration_holdout,
        n_customers=len(cal),
        mean_absolute_error=float(np.mean(np.abs(predicted - actual))) if len(cal) else 0.0,
        total_actual=float(actual.sum()),
        total_predicted=float(predicted.sum()),
        buckets=buckets,
    )
