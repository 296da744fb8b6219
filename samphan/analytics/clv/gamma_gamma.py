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


@dataclass(frozen=True)
class _Data:
    """The repeat customers as the fit needs them. The terms that depend on the parameters
    only through p·x (the Gamma functions) are computed once per distinct x, a few dozen values
    however many customers there are; the sums that do not depend on the parameters at all are
    computed once per fit. What is left per customer at each step is one logarithm and one
    division over x·m."""

    xs: FloatArray  # the distinct repeat counts
    wk: FloatArray  # the weight of the customers with each of them
    xm: FloatArray  # per customer: x·m
    w: FloatArray
    wx: FloatArray  # w·x
    total: float  # Σ w
    sum_x_log_m: float  # Σ w·x·log m
    sum_log_m: float  # Σ w·log m
    sum_x_log_x: float  # Σ w·x·log x
    sum_x_log_xm: float  # Σ w·x·log(x·m)


def _data(x: FloatArray, m: FloatArray, w: FloatArray) -> _Data:
    xs, inverse = np.unique(x, return_inverse=True)
    wx = w * x
    xm = x * m
    log_m = np.log(m)
    # Plain sums, not ``w @ v``: see bgnbd._wsum.
    return _Data(
        xs=xs,
        wk=np.bincount(inverse, weights=w, minlength=len(xs)).astype(np.float64),
        xm=xm,
        w=w,
        wx=wx,
        total=float(np.sum(w)),
        sum_x_log_m=float(np.sum(wx * log_m)),
        sum_log_m=float(np.sum(w * log_m)),
        sum_x_log_x=float(np.sum(wx * np.log(x))),
        sum_x_log_xm=float(np.sum(wx * np.log(xm))),
    )


def _neg_mean_ll_and_grad(log_params: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood per customer and its gradient in log-parameter space.

    Per customer, ℓ = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q·log γ + (px−1)·log m + px·log x
    − (px+q)·log(γ+xm); summed with the weights, the Gamma terms go by distinct x and the
    log m, log x terms are the fit's constants."""
    p, q, g = np.exp(log_params)
    pxk = p * d.xs
    log_g_xm = np.log(g + d.xm)
    share = g / (g + d.xm)
    sum_l = float(np.sum(d.w * log_g_xm))
    sum_x_l = float(np.sum(d.wx * log_g_xm))
    sum_s = float(np.sum(d.w * share))
    sum_x_s = float(np.sum(d.wx * share))
    psi_pxq = digamma(pxk + q)
    ll = (
        float(np.sum(d.wk * (gammaln(pxk + q) - gammaln(pxk))))
        - d.total * float(gammaln(q))
        + d.total * q * np.log(g)
        + p * d.sum_x_log_m
        - d.sum_log_m
        + p * d.sum_x_log_x
        - (p * sum_x_l + q * sum_l)
    )
    # ∂/∂log p = p·Σ x·[ψ(px+q) − ψ(px) + log(xm) − log(γ + xm)], and so on.
    g_p = p * (float(np.sum(d.wk * d.xs * (psi_pxq - digamma(pxk)))) + d.sum_x_log_xm - sum_x_l)
    g_q = q * (
        float(np.sum(d.wk * psi_pxq)) - d.total * float(digamma(q)) - (sum_l - d.total * np.log(g))
    )
    g_g = q * d.total - (p * sum_x_s + q * sum_s)
    return -float(ll) / d.total, -np.array([g_p, g_q, g_g]) / d.total


def neg_log_likelihood_and_gradient(
    log_params: ArrayLike,
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[float, FloatArray]:
    """The fit's objective over (log p, log q, log γ), for the gradient check."""
    x, m, w, _ = _repeat_rows(frequency, monetary_value, weights)
    return _neg_mean_ll_and_grad(np.asarray(log_params, dtype=np.float64), _data(x, m, w))


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
    data = _data(x, m / scale, w)
    optimum = minimize_log_params(lambda lp: _neg_mean_ll_and_grad(lp, data), np.zeros(3))
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
