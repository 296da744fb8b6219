"""Gamma-Gamma: the published CDNOW estimates, the gradient, recovery, expected order value."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from samphan.analytics.clv import gamma_gamma as gg
from samphan.analytics.clv.gamma_gamma import GammaGammaParams
from samphan.analytics.clv.simulate import simulate_gamma_gamma
from samphan.analytics.clv.summary import rfm_summary
from tests.clv.conftest import CALIBRATION_END, Transactions


def test_cdnow_published_estimates(cdnow_transactions: Transactions) -> None:
    """p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat customers, from exact order values."""
    tx = cdnow_transactions
    s = rfm_summary(tx.customer_id, tx.day, tx.amount, observation_end=CALIBRATION_END, unit="W")
    fitted = gg.fit(s.frequency, s.monetary_value)
    assert fitted.converged, fitted.message
    assert fitted.n_customers == 946
    p = fitted.params
    assert (round(p.p, 2), round(p.q, 2), round(p.gamma, 2)) == (6.25, 3.74, 15.44)
    assert fitted.frequency_monetary_correlation == pytest.approx(0.11, abs=0.005)  # as published


def test_cent_rounded_order_values_move_gamma(cdnow_summary_with_values: pl.DataFrame) -> None:
    """The published zbar column is rounded to cents, which shifts γ to 15.45 (lifetimes: 15.4477)."""
    s = cdnow_summary_with_values
    p = gg.fit(s["x"].to_numpy(), s["zbar"].to_numpy()).params
    assert (round(p.p, 2), round(p.q, 2)) == (6.25, 3.74)
    assert p.gamma == pytest.approx(15.4477, abs=1e-4)


@pytest.mark.parametrize("log_params", [np.log([6.25, 3.74, 15.44]), np.log([0.5, 1.2, 300.0])])
def test_gradient_matches_finite_differences(
    log_params: np.ndarray, cdnow_summary_with_values: pl.DataFrame
) -> None:
    x = cdnow_summary_with_values["x"].to_numpy()
    m = cdnow_summary_with_values["zbar"].to_numpy()

    def central(e: np.ndarray, h: float) -> float:
        up = gg.neg_log_likelihood_and_gradient(log_params + h * e, x, m)[0]
        down = gg.neg_log_likelihood_and_gradient(log_params - h * e, x, m)[0]
        return (up - down) / (2 * h)

    numeric = np.array([(4 * central(e, 5e-4) - central(e, 1e-3)) / 3 for e in np.eye(3)])
    _, grad = gg.neg_log_likelihood_and_gradient(log_params, x, m)
    assert grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("log_params", [np.log([6.25, 3.74, 15.44]), np.log([0.5, 1.2, 300.0])])
def test_objective_is_the_weighted_mean_of_each_customers_log_likelihood(
    log_params: np.ndarray, cdnow_summary_with_values: pl.DataFrame
) -> None:
    """The fit sums the Gamma terms per distinct repeat count and the data terms once; the
    value must be what summing every customer's own log-likelihood gives."""
    x = cdnow_summary_with_values["x"].to_numpy().astype(float)
    m = cdnow_summary_with_values["zbar"].to_numpy().astype(float)
    weights = np.random.default_rng(7).integers(1, 4, len(x)).astype(float)
    p, q, g = np.exp(log_params)
    repeat = (x > 0) & (m > 0)
    each = gg.log_likelihood(GammaGammaParams(p=p, q=q, gamma=g), x[repeat], m[repeat])
    expected = -float(np.sum(weights[repeat] * each)) / float(weights[repeat].sum())
    value, _ = gg.neg_log_likelihood_and_gradient(log_params, x, m, weights)
    assert value == pytest.approx(expected, rel=1e-12)


def test_parameter_recovery() -> None:
    truth = GammaGammaParams(p=6.0, q=4.0, gamma=1500.0)  # baht
    rng = np.random.default_rng(8)
    x = rng.integers(0, 15, 30_000).astype(float)
    m = simulate_gamma_gamma(truth, x, rng=rng)
    fitted = gg.fit(x, m)
    assert fitted.converged, fitted.message
    assert (fitted.params.p, fitted.params.q, fitted.params.gamma) == pytest.approx(
        (6.0, 4.0, 1500.0), rel=0.1
    )
    assert fitted.params.mean_order_value == pytest.approx(truth.mean_order_value, rel=0.03)
    assert abs(fitted.frequency_monetary_correlation or 0.0) < 0.05


def test_refunds_and_one_time_buyers_are_left_out() -> None:
    x = np.array([0, 0, 2, 3, 1, 4, 2, 5])
    m = np.array([0, 0, 50, 40, -10, 60, 55, 45.0])
    fitted = gg.fit(x, m)
    assert (fitted.n_customers, fitted.n_excluded) == (5, 1)


def test_too_few_repeat_customers_is_reported() -> None:
    fitted = gg.fit([0, 0, 3], [0, 0, 20.0])
    assert not fitted.converged
    assert fitted.warnings == (gg.TOO_FEW_REPEAT,)


def test_expected_order_value_shrinks_towards_the_population_mean() -> None:
    p = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
    population = p.mean_order_value
    values = gg.expected_average_order_value(p, [0, 1, 10, 100], [0, 100.0, 100.0, 100.0])
    assert values[0] == pytest.approx(population)  # no repeat purchase: the population mean
    assert population < values[1] < values[2] < values[3] < 100  # more orders, more own weight
    assert values[1] == pytest.approx((p.p * p.gamma + p.p * 100) / (p.p + p.q - 1))


def test_undefined_mean_is_nan_not_an_error() -> None:
    p = GammaGammaParams(p=0.1, q=0.5, gamma=10.0)
    assert p.mean_order_value == float("inf")
    values = gg.expected_average_order_value(p, [0, 20], [0, 50.0])
    assert np.isnan(values[0]) and np.isfinite(values[1])
