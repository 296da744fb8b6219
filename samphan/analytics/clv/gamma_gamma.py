"""Gamma-Gamma: what a customer's orders will be worth on average.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
Journal of Marketing Research 42(4), and Fader & Hardie's note "The Gamma-Gamma Model of Monetary
Value" (2013). A customer's order values are Gamma(p, ν) around their own mean p/ν, and
ν ~ Gamma(q, γ) across customers. Only the mean of the repeat orders (``monetary_value``, first
order left out) and their count x are needed, and only repeat customers (x > 0) carry information.

The model assumes order value does not depend on how often a customer buys; the fit reports the
Pearson correlation between the two so the model card can say when that assumption fails.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from samphan.analytics.clv._mle import FloatArray, minimize_log_params

PARAM_NAMES = ("p", "q", "gamma")

# Warning codes carried by GammaGammaFit.warnings.
TOO_FEW_REPEAT = "too_few_repeat_customers"
NOT_CONVERGED = "not_converged"
INFINITE_MEAN = "infinite_mean_order_value"


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @property
    def mean_order_value(self) -> float:
        """Population mean order value p·γ/(q − 1); infinite when q ≤ 1."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")


@dataclass(frozen=True)
class GammaGammaFit:
    params: GammaGammaParams
    log_likelihood: float
    converged: bool
    message: str
    iterations: int
    n_customers: int  # repeat customers with a positive order value: those fitted
    n_excluded: int  # repeat customers left out because their mean order value was ≤ 0
    frequency_monetary_correlation: float | None
    warnings: tuple[str, ...] = ()


def _repeat_rows(
    frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if not (x.shape == m.shape == w.shape) or x.ndim != 1:
        raise ValueError("frequency, monetary_value and weights must be 1-d and the same length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(m)) and np.all(np.isfinite(w))):
        raise ValueError("frequency, monetary_value and weights must be finite")
    repeat = (x > 0) & (w > 0)
    usable = repeat & (m > 0)
    excluded = round(float(w[repeat & ~usable].sum()))
    return x[usable], m[usable], w[usable], excluded


def log_likelihood(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Each repeat customer's log-likelihood of their mean order value (x > 0, m > 0)."""
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    p, q, g = params.p, params.q, params.gamma
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + x * m),
        dtype=np.float64,
    )


def _neg_mean_ll_and_grad(
    log_params: FloatArray, x: FloatArray, m: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    p, q, g = np.exp(log_params)
    px = p * x
    xm = x * m
    log_g_xm = np.log(g + xm)
    psi_pxq = digamma(px + q)
    # Plain sums, not ``w @ v``: see bgnbd._wsum.
    ll = np.sum(
        w
        * (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(g)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * log_g_xm
        )
    )
    # ∂/∂log p = p·x·[ψ(px+q) − ψ(px) + log(xm) − log(γ + xm)], and so on.
    g_p = np.sum(w * px * (psi_pxq - digamma(px) + np.log(xm) - log_g_xm))
    g_q = q * np.sum(w * (psi_pxq - digamma(q) - np.log1p(xm / g)))
    g_g = np.sum(w * (q - (px + q) * g / (g + xm)))
    total = float(w.sum())
    return -float(ll) / total, -np.array([g_p, g_q, g_g]) / total


def neg_log_likelihood_and_gradient(
    log_params: ArrayLike,
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[float, FloatArray]:
    """The fit's objective over (log p, log q, log γ), for the gradient check."""
    x, m, w, _ = _repeat_rows(frequency, monetary_value, weights)
    return _neg_mean_ll_and_grad(np.asarray(log_params, dtype=np.float64), x, m, w)


def frequency_monetary_correlation(frequency: ArrayLike, monetary_value: ArrayLike) -> float | None:
    """Pearson correlation of frequency and order value among repeat customers.

    Gamma-Gamma assumes these are independent; Fader & Hardie find 0.11 on CDNOW. None when it
    cannot be computed (fewer than 3 repeat customers, or no variation).
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    repeat = (x > 0) & (m > 0)
    if repeat.sum() < 3 or np.std(x[repeat]) == 0 or np.std(m[repeat]) == 0:
        return None
    return float(np.corrcoef(x[repeat], m[repeat])[0, 1])


def fit(
    frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers.

    One-time buyers are skipped (their ``monetary_value`` is 0 by definition), as are repeat
    customers whose mean order value is not positive (refunds). Money is rescaled to a mean of 1
    while fitting and γ scaled back, so the fixed start point suits baht as well as dollars.
    """
    x, m, w, excluded = _repeat_rows(frequency, monetary_value, weights)
    n = round(float(w.sum()))
    correlation = frequency_monetary_correlation(frequency, monetary_value)
    if n < 2:
        return GammaGammaFit(
            params=GammaGammaParams(p=1.0, q=2.0, gamma=1.0),
            log_likelihood=0.0,
            converged=False,
            message="Fewer than two customers bought twice, so order values cannot be modelled.",
            iterations=0,
            n_customers=n,
            n_excluded=excluded,
            frequency_monetary_correlation=correlation,
            warnings=(TOO_FEW_REPEAT,),
        )
    scale = float(np.average(m, weights=w))
    ms = m / scale
    optimum = minimize_log_params(lambda lp: _neg_mean_ll_and_grad(lp, x, ms, w), np.zeros(3))
    p, q, g = np.exp(optimum.log_params)
    params = GammaGammaParams(p=float(p), q=float(q), gamma=float(g * scale))
    total_ll = float(np.sum(w * log_likelihood(params, x, m)))
    warnings: tuple[str, ...] = ()
    converged = optimum.gradient_small and not optimum.any_at_bound
    if not converged:
        message = (
            "The order-value fit did not settle on parameters "
            f"(optimiser: {optimum.scipy_message}); expected order values are unreliable."
        )
        warnings = (NOT_CONVERGED,)
    elif params.q <= 1:
        message = (
            "Order values vary so much between customers that their average is not defined "
            "(q ≤ 1); expected order values for new customers cannot be given."
        )
        warnings = (INFINITE_MEAN,)
    else:
        message = "The fit converged."
    return GammaGammaFit(
        params=params,
        log_likelihood=total_ll,
        converged=converged,
        message=message,
        iterations=optimum.iterations,
        n_customers=n,
        n_excluded=excluded,
        frequency_monetary_correlation=correlation,
        warnings=warnings,
    )


def expected_average_order_value(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """A customer's expected order value, given x repeat orders averaging m (equation 5).

    (p·γ + p·x·m)/(p·x + q − 1): a weighted average of the population mean p·γ/(q − 1) and the
    customer's own mean, leaning on the own mean the more orders there are. With x = 0 it is the
    population mean. NaN where undefined (p·x + q ≤ 1, only possible when q ≤ 1). Lifetimes calls
    this ``conditional_expected_average_profit``.
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.where(x > 0, np.asarray(monetary_value, dtype=np.float64), 0.0)
    p, q, g = params.p, params.q, params.gamma
    denominator = p * x + q - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (p * g + p * x * m) / denominator
    return np.asarray(np.where(denominator > 0, value, np.nan), dtype=np.float64)


conditional_expected_average_profit = expected_average_order_value
