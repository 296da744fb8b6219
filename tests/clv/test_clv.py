"""Predicted and historical CLV, and what the model card tells the user."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from samphan.analytics.clv import bgnbd, gamma_gamma
from samphan.analytics.clv.bgnbd import BgNbdParams
from samphan.analytics.clv.calibration import holdout_check
from samphan.analytics.clv.clv import (
    MONTH_IN_UNITS,
    customer_lifetime_value,
    historical_clv,
    model_card,
)
from samphan.analytics.clv.gamma_gamma import GammaGammaParams
from samphan.analytics.clv.simulate import simulate_bgnbd_summary
from samphan.analytics.clv.summary import RFMSummary, calibration_and_holdout, rfm_summary
from tests.clv.conftest import CALIBRATION_END, OBSERVATION_END, Transactions

BG = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # weeks
GG = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)


@pytest.fixture(scope="module")
def months(cdnow_transactions: Transactions) -> RFMSummary:
    tx = cdnow_transactions
    return rfm_summary(tx.customer_id, tx.day, tx.amount, observation_end=CALIBRATION_END, unit="M")


def _clv(
    s: RFMSummary, horizon: int, rate: float, bg: BgNbdParams, spend: GammaGammaParams
) -> np.ndarray:
    return customer_lifetime_value(
        bg, spend, s.frequency, s.recency, s.T, s.monetary_value,
        horizon_months=horizon, monthly_discount_rate=rate, unit=s.unit,
    )  # fmt: skip


def test_calendar_month_clv_sanity(months: RFMSummary) -> None:
    bg = bgnbd.fit(months.frequency, months.recency, months.T)
    spend = gamma_gamma.fit(months.frequency, months.monetary_value)
    assert bg.converged and spend.converged
    year = _clv(months, 12, 0.0, bg.params, spend.params)
    discounted = _clv(months, 12, 0.01, bg.params, spend.params)
    assert np.all(year >= 0) and np.all(np.isfinite(year))
    assert np.all(discounted < year)  # discounting lowers CLV
    assert np.all(_clv(months, 0, 0.01, bg.params, spend.params) == 0)  # horizon 0 → 0
    assert np.all(_clv(months, 24, 0.01, bg.params, spend.params) > discounted)  # longer → more
    # Undiscounted, CLV is expected purchases over the horizon × expected order value.
    purchases = bgnbd.expected_purchases(
        bg.params, 12.0, months.frequency, months.recency, months.T
    )
    value = gamma_gamma.expected_average_order_value(
        spend.params, months.frequency, months.monetary_value
    )
    assert year == pytest.approx(purchases * value, rel=1e-9)


def test_one_month_discounted_once() -> None:
    x, tx, T, m = [3.0], [20.0], [30.0], [40.0]
    plain = customer_lifetime_value(
        BG, GG, x, tx, T, m, horizon_months=1, monthly_discount_rate=0.0, unit="W"
    )
    discounted = customer_lifetime_value(
        BG, GG, x, tx, T, m, horizon_months=1, monthly_discount_rate=0.02, unit="W"
    )
    assert discounted == pytest.approx(plain / 1.02)
    month_in_weeks = 365.2425 / 12 / 7
    expected = bgnbd.expected_purchases(
        BG, month_in_weeks, x, tx, T
    ) * gamma_gamma.expected_average_order_value(GG, x, m)
    assert plain == pytest.approx(expected)


def test_days_and_weeks_give_the_same_clv(cdnow_transactions: Transactions) -> None:
    tx = cdnow_transactions
    values = []
    for unit in ("D", "W"):
        s = rfm_summary(
            tx.customer_id, tx.day, tx.amount, observation_end=CALIBRATION_END, unit=unit
        )
        bg = bgnbd.fit(s.frequency, s.recency, s.T).params
        values.append(_clv(s, 12, 0.01, bg, GG))
    assert values[0] == pytest.approx(values[1], rel=1e-5)
    assert MONTH_IN_UNITS["D"] == pytest.approx(30.436875)


def test_calendar_months_close_to_days(
    cdnow_transactions: Transactions, months: RFMSummary
) -> None:
    tx = cdnow_transactions
    days = rfm_summary(tx.customer_id, tx.day, tx.amount, observation_end=CALIBRATION_END, unit="D")
    by_day = _clv(days, 12, 0.01, bgnbd.fit(days.frequency, days.recency, days.T).params, GG)
    by_month = _clv(
        months, 12, 0.01, bgnbd.fit(months.frequency, months.recency, months.T).params, GG
    )
    assert by_month.sum() == pytest.approx(by_day.sum(), rel=0.02)


def test_historical_clv_by_hand() -> None:
    # Two customers observed 3 and 0.5 months (counted as 1): 4 purchases in 4 customer-months.
    h = historical_clv(
        frequency=[2, 0],
        T=[3.0, 0.5],
        total_value=[300.0, 100.0],
        unit="M",
        expected_lifespan_months=10.0,
    )
    assert h.average_order_value == 100.0
    assert h.purchases_per_month == 1.0
    assert h.clv == 1000.0


def test_model_card_for_cdnow(cdnow_transactions: Transactions) -> None:
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
    s = split.calibration
    card = model_card(
        bgnbd=check.fit, gamma_gamma=gamma_gamma.fit(s.frequency, s.monetary_value), holdout=check
    )
    assert card["trustworthy"], card["warnings"]
    assert (card["n_customers"], card["n_repeat_customers"]) == (2357, 946)
    assert card["bgnbd"]["converged"] and card["gamma_gamma"]["converged"]
    assert card["calibration_error"] == check.mean_absolute_error
    assert card["calibration"]["chart"]["labels"] == ["0", "1", "2", "3", "4", "5", "6", "7+"]


def test_model_card_warns_about_few_repeat_customers() -> None:
    rng = np.random.default_rng(4)
    T = rng.uniform(5, 50, 1000)
    x = np.zeros(1000)
    x[:20] = 2  # 2 % came back
    tx = np.where(x > 0, T / 2, 0.0)
    card = model_card(bgnbd=bgnbd.fit(x, tx, T))
    codes = [w["code"] for w in card["warnings"]]
    assert "few_repeat_customers" in codes
    assert "too few repeat customers (< 30 or < 5 %)" in card["warnings"][0]["message"]
    assert not card["trustworthy"]


def test_model_card_says_no_churn_instead_of_not_converged() -> None:
    # Customers who never leave (p ~ Beta(1e-9, 1e6)): the fit drives a → 0, the plain NBD model.
    rng = np.random.default_rng(1)
    x, tx, T = simulate_bgnbd_summary(
        BgNbdParams(r=0.5, alpha=5.0, a=1e-9, b=1e6), rng.uniform(20, 52, 2000), rng=rng
    )
    fit = bgnbd.fit(x, tx, T)
    assert fit.warnings == (bgnbd.NO_CHURN,)
    card = model_card(bgnbd=fit)
    assert [w["code"] for w in card["warnings"]] == ["no_churn"]
    message = card["warnings"][0]["message"]
    assert "no customer has dropped out" in message and "simpler" in message
    assert "converge" not in message
    # What the card says is true: everyone is still a customer.
    alive = bgnbd.probability_alive(fit.params, x, tx, T)
    assert alive.min() > 0.99


def test_model_card_warns_when_the_fit_fails() -> None:
    T = np.linspace(10, 50, 500)
    x = np.full(500, 4.0)
    fit = bgnbd.fit(x, T / 2, T)
    failed = dataclasses.replace(
        fit, converged=False, message="stopped early", warnings=(bgnbd.NOT_CONVERGED,)
    )
    card = model_card(bgnbd=failed)
    messages = [w["message"] for w in card["warnings"] if w["code"] == "fit_not_converged"]
    assert messages == ["fit did not converge (BG/NBD): stopped early"]
    assert not card["trustworthy"]


def test_model_card_warns_when_frequency_and_order_value_correlate() -> None:
    rng = np.random.default_rng(6)
    x = rng.integers(1, 20, 800).astype(float)
    m = 20 * x * rng.gamma(20, 1 / 20, 800)  # big spenders also buy often
    T = rng.uniform(30, 52, 800)
    tx = T * rng.uniform(0.3, 1.0, 800)
    card = model_card(bgnbd=bgnbd.fit(x, tx, T), gamma_gamma=gamma_gamma.fit(x, m))
    codes = [w["code"] for w in card["warnings"]]
    assert "frequency_monetary_correlation" in codes
    assert card["frequency_monetary_correlation"] > 0.3
