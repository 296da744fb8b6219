"""Customer lifetime value: predicted (BG/NBD × Gamma-Gamma), historical, and the model card.

Predicted CLV follows lifetimes' ``customer_lifetime_value`` (expected purchases month by month
× expected order value, discounted monthly), but a month is a real month in every unit: lifetimes
counts a month as 30 days or 4.345 weeks whatever the calendar; here it is 365.2425/12 days
(30.44) or that divided by 7 weeks, and exactly 1 when the summary is in calendar months.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from samphan.analytics.clv import bgnbd as bgnbd_model
from samphan.analytics.clv import gamma_gamma as gg_model
from samphan.analytics.clv._mle import FloatArray
from samphan.analytics.clv.bgnbd import NO_CHURN, BgNbdFit, BgNbdParams
from samphan.analytics.clv.calibration import HoldoutCheck
from samphan.analytics.clv.gamma_gamma import GammaGammaFit, GammaGammaParams
from samphan.analytics.clv.summary import Unit

DAYS_PER_MONTH = 365.2425 / 12  # the Gregorian calendar's mean month
MONTH_IN_UNITS: dict[str, float] = {"D": DAYS_PER_MONTH, "W": DAYS_PER_MONTH / 7, "M": 1.0}

MIN_REPEAT_CUSTOMERS = 30
MIN_REPEAT_SHARE = 0.05
MAX_FREQUENCY_MONETARY_CORRELATION = 0.3
MAX_HOLDOUT_ERROR = 0.25


def _month(unit: Unit) -> float:
    try:
        return MONTH_IN_UNITS[unit]
    except KeyError:
        raise ValueError(f"unit must be 'D', 'W' or 'M', not {unit!r}") from None


def customer_lifetime_value(
    bgnbd: BgNbdParams | BgNbdFit,
    gamma_gamma: GammaGammaParams | GammaGammaFit,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon_months: int,
    monthly_discount_rate: float,
    unit: Unit,
) -> FloatArray:
    """Discounted value of each customer's purchases over the next ``horizon_months`` months.

    Σ over months m = 1…H of (expected purchases by the end of month m − by the end of month
    m − 1) × expected order value / (1 + d)^m: purchases are valued at the end of the month they
    fall in. ``unit`` is the unit of recency and T (and of the fitted α). Money is in the unit of
    ``monetary_value``.
    """
    if horizon_months < 0:
        raise ValueError("horizon_months must be ≥ 0")
    if monthly_discount_rate <= -1:
        raise ValueError("monthly_discount_rate must be greater than −1")
    bg = bgnbd.params if isinstance(bgnbd, BgNbdFit) else bgnbd
    spend = gamma_gamma.params if isinstance(gamma_gamma, GammaGammaFit) else gamma_gamma
    x, tx, age = bgnbd_model.as_rfm_arrays(frequency, recency, T)
    order_value = gg_model.expected_average_order_value(spend, x, monetary_value)
    month = _month(unit)
    value = np.zeros_like(x)
    previous = np.zeros_like(x)
    for m in range(1, horizon_months + 1):
        cumulative = bgnbd_model.expected_purchases(bg, m * month, x, tx, age)
        value += (cumulative - previous) * order_value / (1 + monthly_discount_rate) ** m
        previous = cumulative
    return value


@dataclass(frozen=True)
class HistoricalClv:
    """The textbook formula: average order value × purchases per month × lifespan in months."""

    average_order_value: float
    purchases_per_month: float
    expected_lifespan_months: float
    clv: float


def historical_clv(
    *,
    frequency: ArrayLike,
    T: ArrayLike,
    total_value: ArrayLike,
    unit: Unit,
    expected_lifespan_months: float,
) -> HistoricalClv:
    """CLV from past averages, without a model (as in the marketing articles).

    - average order value = all revenue / all purchases (first purchases included);
    - purchases per month = all purchases / customer-months since each customer's first purchase,
      counting at least one month per customer so this month's newcomers don't inflate it;
    - expected lifespan: the shop's own figure, for instance 1 / monthly churn rate. There is no
      default: the observed span between first and last purchase is no estimate of it (on CDNOW it
      is 1.6 months, because most customers have not come back yet, not because they left).

    Use it as the simple baseline to read the predictive CLV against.
    """
    if expected_lifespan_months < 0:
        raise ValueError("expected_lifespan_months must be ≥ 0")
    x = np.asarray(frequency, dtype=np.float64)
    age = np.asarray(T, dtype=np.float64)
    revenue = float(np.sum(np.asarray(total_value, dtype=np.float64)))
    purchases = float(np.sum(x + 1))
    exposure = float(np.sum(np.maximum(age / _month(unit), 1.0)))
    aov = revenue / purchases if purchases else 0.0
    per_month = purchases / exposure if exposure else 0.0
    return HistoricalClv(
        average_order_value=aov,
        purchases_per_month=per_month,
        expected_lifespan_months=expected_lifespan_months,
        clv=aov * per_month * expected_lifespan_months,
    )


def _warning(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def model_card(
    *,
    bgnbd: BgNbdFit,
    gamma_gamma: GammaGammaFit | None = None,
    holdout: HoldoutCheck | None = None,
) -> dict[str, Any]:
    """What the user is told about the models: sizes, fit status, holdout error, warnings.

    ``trustworthy`` is False as soon as there is a warning; each warning has a stable ``code`` for
    the page and a plain-words ``message``.
    """
    n = bgnbd.n_customers
    n_repeat = bgnbd.n_repeat_customers
    share = n_repeat / n if n else 0.0
    warnings: list[dict[str, str]] = []
    if n_repeat < MIN_REPEAT_CUSTOMERS or share < MIN_REPEAT_SHARE:
        warnings.append(
            _warning(
                "few_repeat_customers",
                f"too few repeat customers (< {MIN_REPEAT_CUSTOMERS} or < 5 %): {n_repeat} of {n} "
                "customers bought more than once, so the estimates rest on too little evidence.",
            )
        )
    if NO_CHURN in bgnbd.warnings:
        # Not a failure: with no drop-out the BG/NBD likelihood is best as p → 0, where the
        # model is the plain NBD (Poisson purchases, Gamma rates) and P(alive) → 1.
        warnings.append(
            _warning(
                "no_churn",
                "no customer has dropped out in this data yet, so the model reduces to a simpler "
                "one (purchases at a steady rate); P(alive) is close to 1 for everyone.",
            )
        )
    elif not bgnbd.converged:
        warnings.append(
            _warning("fit_not_converged", f"fit did not converge (BG/NBD): {bgnbd.message}")
        )
    correlation = None
    if gamma_gamma is not None:
        correlation = gamma_gamma.frequency_monetary_correlation
        if not gamma_gamma.converged:
            warnings.append(
                _warning(
                    "fit_not_converged",
                    f"fit did not converge (Gamma-Gamma): {gamma_gamma.message}",
                )
            )
        elif gamma_gamma.params.q <= 1:
            warnings.append(_warning("infinite_mean_order_value", gamma_gamma.message))
        if correlation is not None and abs(correlation) > MAX_FREQUENCY_MONETARY_CORRELATION:
            warnings.append(
                _warning(
                    "frequency_monetary_correlation",
                    f"frequency and order value correlate (Pearson {correlation:.2f}); the "
                    "Gamma-Gamma model assumes they don't, so expected order values are biased.",
                )
            )
    holdout_data = holdout.as_dict() if holdout is not None else None
    if holdout is not None:
        error = holdout.total_relative_error
        if error is not None and abs(error) > MAX_HOLDOUT_ERROR:
            warnings.append(
                _warning(
                    "holdout_error",
                    f"in the holdout check the model was off by {error:+.0%} on total purchases.",
                )
            )
    return {
        "n_customers": n,
        "n_repeat_customers": n_repeat,
        "repeat_share": share,
        "bgnbd": {
            "params": bgnbd.params.as_dict(),
            "log_likelihood": bgnbd.log_likelihood,
            "converged": bgnbd.converged,
            "iterations": bgnbd.iterations,
            "message": bgnbd.message,
        },
        "gamma_gamma": None
        if gamma_gamma is None
        else {
            "params": gamma_gamma.params.as_dict(),
            "log_likelihood": gamma_gamma.log_likelihood,
            "converged": gamma_gamma.converged,
            "n_customers": gamma_gamma.n_customers,
            "message": gamma_gamma.message,
        },
        "frequency_monetary_correlation": correlation,
        "calibration": holdout_data,
        "calibration_error": None if holdout is None else holdout.mean_absolute_error,
        "warnings": warnings,
        "trustworthy": not warnings,
    }
