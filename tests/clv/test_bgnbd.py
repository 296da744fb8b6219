"""BG/NBD: the published CDNOW estimates, the gradient, stability, no-churn data, recovery."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import integrate
from scipy.special import betaln

from samphan.analytics.clv import bgnbd
from samphan.analytics.clv.bgnbd import BgNbdParams
from samphan.analytics.clv.gamma_gamma import GammaGammaParams
from samphan.analytics.clv.simulate import simulate_bgnbd_summary, simulate_transactions
from samphan.analytics.clv.summary import rfm_summary
from tests.clv.conftest import CALIBRATION_END, Transactions

CDNOW = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


def _arrays(summary: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(summary[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))  # type: ignore[return-value]


def test_cdnow_published_estimates(cdnow_summary: pl.DataFrame) -> None:
    fitted = bgnbd.fit(*_arrays(cdnow_summary))
    assert fitted.converged, fitted.message
    p = fitted.params
    assert (round(p.r, 3), round(p.alpha, 3), round(p.a, 3), round(p.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(fitted.log_likelihood, 1) == -9582.4
    assert (fitted.n_customers, fitted.n_repeat_customers) == (2357, 946)


def test_cdnow_from_the_transactions(cdnow_transactions: Transactions) -> None:
    """The exact (unrounded) summary gives the same published figures."""
    tx = cdnow_transactions
    s = rfm_summary(tx.customer_id, tx.day, tx.amount, observation_end=CALIBRATION_END, unit="W")
    fitted = bgnbd.fit(s.frequency, s.recency, s.T)
    p = fitted.params
    assert (round(p.r, 3), round(p.alpha, 3), round(p.a, 3), round(p.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(fitted.log_likelihood, 1) == -9582.4


def test_time_unit_only_rescales_alpha(cdnow_summary: pl.DataFrame) -> None:
    x, tx, T = _arrays(cdnow_summary)
    weeks = bgnbd.fit(x, tx, T).params
    days = bgnbd.fit(x, tx * 7, T * 7).params
    assert days.alpha == pytest.approx(weeks.alpha * 7, rel=1e-5)
    assert (days.r, days.a, days.b) == pytest.approx((weeks.r, weeks.a, weeks.b), rel=1e-5)


def test_weights_count_identical_customers(cdnow_summary: pl.DataFrame) -> None:
    x, tx, T = _arrays(cdnow_summary)
    rows = pl.DataFrame({"x": x, "tx": tx, "T": T}).group_by("x", "tx", "T").len()
    condensed = bgnbd.fit(rows["x"], rows["tx"], rows["T"], weights=rows["len"])
    full = bgnbd.fit(x, tx, T)
    assert condensed.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-9)
    assert condensed.params.r == pytest.approx(full.params.r, rel=1e-5)


@pytest.mark.parametrize(
    "log_params",
    [
        np.log([0.243, 4.414, 0.793, 2.426]),
        np.log([2.0, 0.5, 3.0, 0.4]),
        np.log([0.05, 40.0, 0.02, 300.0]),
    ],
)
def test_gradient_matches_finite_differences(log_params: np.ndarray) -> None:
    rng = np.random.default_rng(11)
    T = rng.uniform(1, 60, 400)
    x, tx, T = simulate_bgnbd_summary(BgNbdParams(1.0, 2.0, 0.7, 3.0), T, rng=rng)
    x[:5] = [350, 500, 1200, 3, 2]  # heavy buyers …
    tx[:5] = T[:5]  # … and recency == T

    def f(lp: np.ndarray) -> float:
        return bgnbd.neg_log_likelihood_and_gradient(lp, x, tx, T)[0]

    def central(e: np.ndarray, h: float) -> float:
        return (f(log_params + h * e) - f(log_params - h * e)) / (2 * h)

    # Richardson extrapolation: error O(h⁴), so h can be large enough that rounding in the
    # log-likelihood (betaln at b = 300) does not swamp the difference.
    h = 1e-3
    numeric = np.array([(4 * central(e, h / 2) - central(e, h)) / 3 for e in np.eye(4)])
    _, grad = bgnbd.neg_log_likelihood_and_gradient(log_params, x, tx, T)
    assert grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_heavy_buyers_and_recency_equal_to_T_stay_finite() -> None:
    x = np.array([0.0, 1, 301, 5000, 20000, 301])
    T = np.array([52.0, 52, 52, 52, 52, 52])
    tx = np.array([0.0, 52, 52, 51.9, 52, 1.0])
    for p in (CDNOW, BgNbdParams(8.0, 0.1, 0.01, 1e4)):
        ll = bgnbd.log_likelihood(p, x, tx, T)
        assert np.all(np.isfinite(ll))
        value, grad = bgnbd.neg_log_likelihood_and_gradient(
            np.log([p.r, p.alpha, p.a, p.b]), x, tx, T
        )
        assert np.isfinite(value) and np.all(np.isfinite(grad))
        for out in (
            bgnbd.probability_alive(p, x, tx, T),
            bgnbd.expected_purchases(p, 10.0, x, tx, T),
            bgnbd.expected_lifetime(p, 10.0, x, tx, T),
        ):
            assert np.all(np.isfinite(out))
    # A naive exp(A3) + exp(A4) underflows to log(0) here; log-sum-exp gives a number.
    assert bgnbd.log_likelihood(CDNOW, [20000], [1.0], [52.0])[0] > -1e6


def test_probability_alive() -> None:
    alive = bgnbd.probability_alive(CDNOW, [0, 2, 2, 2], [0, 30.43, 38.86, 5.0], [38.86] * 4)
    assert alive[0] == 1.0  # no repeat purchase: cannot have left yet
    assert alive[2] > alive[1] > alive[3]  # the longer since the last purchase, the less alive
    assert alive[1] == pytest.approx(0.7266, abs=1e-4)  # lifetimes gives 0.72661


def _purchases_by_quadrature(p: BgNbdParams, t: float, x: float, tx: float, T: float) -> float:
    """E[(1 − e^(−λpt))/p] over the active customer's posterior, by 2-d numerical integration."""

    def over_p(q: float) -> float:
        k = t / (p.alpha + T)
        return float(-np.expm1(-(p.r + x) * np.log1p(q * k)) / q) if q > 0 else (p.r + x) * k

    inner, _ = integrate.quad(over_p, 0, 1, weight="alg", wvar=(p.a - 1, p.b + x - 1), limit=200)
    return float(bgnbd.probability_alive(p, x, tx, T)) * inner / np.exp(betaln(p.a, p.b + x))


@pytest.mark.parametrize(
    "p",
    [
        CDNOW,
        BgNbdParams(1.5, 10.0, 1.0, 4.0),  # a = 1: the closed form's removable singularity
        BgNbdParams(0.5, 3.0, 0.3, 0.5),  # a + b < 1: c = a + b − 1 < 0 for x = 0
        BgNbdParams(0.3, 2.0, 3.0, 10.0),
    ],
)
def test_expected_purchases_match_direct_integration(p: BgNbdParams) -> None:
    cases = [(0, 0, 38.86), (2, 30.43, 38.86), (7, 35.0, 38.0), (350, 38.0, 38.86), (1, 0.5, 0.5)]
    for x, tx, T in cases:
        for t in (0.5, 39.0, 520.0):
            ours = float(bgnbd.expected_purchases(p, t, x, tx, T))
            assert ours == pytest.approx(
                _purchases_by_quadrature(p, t, x, tx, T), rel=1e-6, abs=1e-12
            )


def test_expected_purchases_without_churn_are_the_poisson_mean() -> None:
    """With p → 0 nobody leaves: E = t·E[λ | history] = t·(r + x)/(α + T)."""
    p = BgNbdParams(2.0, 5.0, 1e-9, 2e4)
    x, tx, T = np.array([0.0, 3, 350]), np.array([0.0, 20, 38]), np.array([38.86, 38.86, 38.86])
    for t in (0.5, 39.0, 520.0):
        expected = t * (p.r + x) / (p.alpha + T)
        assert bgnbd.expected_purchases(p, t, x, tx, T) == pytest.approx(expected, rel=1e-6)


def test_expected_purchases_agree_with_lifetimes_on_cdnow() -> None:
    # lifetimes 0.11.3 BetaGeoFitter on cdnow_customers_summary.csv, t = 39 weeks:
    # customer (x=2, t_x=30.43, T=38.86) → 1.22591042; (x=7, 35, 38.86) → 4.38752932.
    lifetimes_params = BgNbdParams(
        0.2425929282798216, 4.413532265271803, 0.7928859664405851, 2.42575238262545
    )
    got = bgnbd.expected_purchases(lifetimes_params, 39, [2, 7], [30.43, 35], [38.86, 38.86])
    assert got == pytest.approx([1.22591042, 4.38752932], rel=1e-7)


def test_new_customer_expectation_is_the_conditional_one_at_zero() -> None:
    t = np.array([1.0, 10.0, 52.0])
    new = bgnbd.expected_purchases_new_customer(CDNOW, t)
    assert np.all(np.diff(new) > 0) and new[0] > 0


def test_expected_lifetime() -> None:
    x, tx, T = [0, 2, 12, 350], [0, 30.0, 38.0, 38.8], [38.86] * 4
    year = bgnbd.expected_lifetime(CDNOW, 52.0, x, tx, T)
    two_years = bgnbd.expected_lifetime(CDNOW, 104.0, x, tx, T)
    assert np.all(year > 0) and np.all(year <= 52.0)
    assert np.all(two_years > year)
    assert np.all(bgnbd.expected_lifetime(CDNOW, 0.0, x, tx, T) == 0)
    # ∫ P(active at T + s) ds by direct quadrature of the survival function:
    for i in range(4):
        alive = float(bgnbd.probability_alive(CDNOW, x[i], tx[i], T[i]))
        direct, _ = integrate.quad(
            lambda s, i=i: bgnbd._survival_if_alive(CDNOW, s, x[i], T[i]), 0, 52, limit=200
        )
        assert year[i] == pytest.approx(alive * direct, rel=1e-7)
    # Nobody churns: the customer is active for the whole horizon.
    stay = BgNbdParams(1.0, 5.0, 1e-9, 1e6)
    assert bgnbd.expected_lifetime(stay, 52.0, [5], [30.0], [38.0])[0] == pytest.approx(
        52.0, rel=1e-3
    )


def test_no_churn_is_reported_not_raised() -> None:
    rng = np.random.default_rng(1)
    T = rng.uniform(10, 52, 2000)
    x = rng.integers(1, 20, 2000).astype(float)
    fitted = bgnbd.fit(x, T.copy(), T)  # everyone bought on the last day
    assert not fitted.converged
    assert fitted.warnings == (bgnbd.NO_CHURN,)
    assert "no churn" in fitted.message
    assert all(np.isfinite(v) and v > 0 for v in fitted.params.as_dict().values())
    assert np.all(np.isfinite(bgnbd.expected_purchases(fitted.params, 52.0, x, T, T)))


def test_no_repeat_customers_is_reported_not_raised() -> None:
    fitted = bgnbd.fit(np.zeros(50), np.zeros(50), np.linspace(1, 30, 50))
    assert not fitted.converged
    assert fitted.warnings == (bgnbd.NO_REPEAT_CUSTOMERS,)
    assert all(np.isfinite(v) for v in fitted.params.as_dict().values())


def test_invalid_summaries_raise() -> None:
    with pytest.raises(ValueError, match="recency"):
        bgnbd.fit([1], [5.0], [4.0])
    with pytest.raises(ValueError, match="recency"):
        bgnbd.fit([0], [1.0], [4.0])
    with pytest.raises(ValueError, match="whole number"):
        bgnbd.fit([1.5], [1.0], [4.0])


RECOVERY = {
    # name: (true parameters, customers, oldest T)
    "cdnow-like": (CDNOW, 20_000, 39.0),
    "frequent, churning": (BgNbdParams(1.5, 10.0, 1.2, 4.0), 100_000, 52.0),
    "almost no churn": (BgNbdParams(1.0, 5.0, 0.1, 40.0), 20_000, 52.0),
    "heavy buyers (x > 300)": (BgNbdParams(8.0, 1.0, 0.5, 200.0), 5_000, 52.0),
}


@pytest.mark.parametrize("name", RECOVERY)
def test_parameter_recovery(name: str) -> None:
    truth, n, oldest = RECOVERY[name]
    rng = np.random.default_rng(2569)
    x, tx, T = simulate_bgnbd_summary(truth, rng.uniform(oldest / 4, oldest, n), rng=rng)
    fitted = bgnbd.fit(x, tx, T)
    assert fitted.converged, fitted.message
    p = fitted.params
    # The purchase rate is well identified in every setting …
    assert p.r == pytest.approx(truth.r, rel=0.08)
    assert p.r / p.alpha == pytest.approx(truth.r / truth.alpha, rel=0.05)
    # … and so is the mean drop-out probability E[p] = a/(a + b); a and b one by one are only
    # identified when churn is common (with little churn, only their ratio is).
    assert p.a / (p.a + p.b) == pytest.approx(truth.a / (truth.a + truth.b), rel=0.25)
    if name in ("cdnow-like", "frequent, churning"):
        assert (p.a, p.b) == pytest.approx((truth.a, truth.b), rel=0.12)
    if name == "heavy buyers (x > 300)":
        assert x.max() > 300


def test_recovery_from_a_transaction_log() -> None:
    """Simulated transactions → daily RFM summary → fit: the whole pipeline, in weeks."""
    truth = BgNbdParams(r=0.8, alpha=6.0, a=0.9, b=3.0)
    log = simulate_transactions(
        truth,
        GammaGammaParams(6.0, 4.0, 1500.0),
        n_customers=20_000,
        start=np.datetime64("2024-01-01"),
        end=np.datetime64("2025-07-01"),
        rng=np.random.default_rng(5),
        time_unit_days=7.0,
    )
    s = rfm_summary(log.customer_id, log.time, log.amount, observation_end="2025-06-30", unit="W")
    assert len(s) == 20_000
    p = bgnbd.fit(s.frequency, s.recency, s.T).params
    assert (p.r, p.alpha, p.a, p.b) == pytest.approx(
        (truth.r, truth.alpha, truth.a, truth.b), rel=0.15
    )


def test_warm_start_reaches_the_same_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large fits start from a subsample's optimum; the answer must not depend on it."""
    rng = np.random.default_rng(21)
    x, tx, T = simulate_bgnbd_summary(CDNOW, rng.uniform(10, 39, 60_000), rng=rng)
    warm = bgnbd.fit(x, tx, T)
    monkeypatch.setattr(bgnbd, "_SUBSAMPLE", 10**9)  # no subsample: start from r = α = a = b = 1
    cold = bgnbd.fit(x, tx, T)
    assert warm.converged and cold.converged
    assert warm.iterations < cold.iterations
    for name in ("r", "alpha", "a", "b"):
        assert getattr(warm.params, name) == pytest.approx(getattr(cold.params, name), rel=1e-6)
    assert warm.log_likelihood == pytest.approx(cold.log_likelihood, rel=1e-12)
