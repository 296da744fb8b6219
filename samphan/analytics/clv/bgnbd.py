"""BG/NBD: how many purchases a customer will make, and whether they are still a customer.

The beta-geometric / negative-binomial model of Fader, Hardie & Lee (2005), "Counting Your
Customers the Easy Way", Marketing Science 24(2). While active, a customer buys at a Poisson rate
λ ~ Gamma(r, α); after each repeat purchase they leave for good with probability p ~ Beta(a, b).
A customer is summarised by x = repeat purchases (``frequency``), t_x = time of the last one
since the first purchase (``recency``) and T = time since the first purchase; times are in
whatever unit the summary used (days, weeks, calendar months), and α carries that unit.

The fit maximises the likelihood (equation 6 of the paper) over log-parameters with an analytic
gradient. The two-term likelihood is combined with log-sum-exp, so heavy buyers (x in the
hundreds) cannot overflow and recency == T gives an ordinary number. Instead of raising, a fit
that cannot be trusted (nobody churned, nobody bought twice, the optimiser stopped early) comes
back with ``converged=False``, a warning code and a sentence saying why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from samphan.analytics.clv._mle import (
    LOG_BOUND,
    FloatArray,
    Optimum,
    inverse_hessian,
    minimize_log_params,
)

PARAM_NAMES = ("r", "alpha", "a", "b")

# Warning codes (stable, for the UI) carried by BgNbdFit.warnings.
NO_REPEAT_CUSTOMERS = "no_repeat_customers"
NO_CHURN = "no_churn"
RATE_UNIDENTIFIED = "rate_unidentified"
NOT_CONVERGED = "not_converged"

# Below this share of drop-out per purchase, E[p] = a / (a + b), the data show no churn.
_NO_CHURN_DROPOUT = 1e-6


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class BgNbdFit:
    params: BgNbdParams
    log_likelihood: float  # summed over customers (weighted), in the summary's time unit
    converged: bool
    message: str  # plain words, for the model card
    iterations: int
    n_customers: int
    n_repeat_customers: int
    warnings: tuple[str, ...] = ()


def as_rfm_arrays(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check an RFM summary and return it as float arrays.

    Bad input is a programming error (a summary built wrongly), so it raises; odd but valid data
    (no churn, no repeat buyers) never does.
    """
    x = np.asarray(frequency, dtype=np.float64)
    tx = np.asarray(recency, dtype=np.float64)
    age = np.asarray(T, dtype=np.float64)
    if not (x.shape == tx.shape == age.shape) or x.ndim != 1:
        raise ValueError("frequency, recency and T must be 1-d arrays of the same length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(tx)) and np.all(np.isfinite(age))):
        raise ValueError("frequency, recency and T must be finite")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a whole number ≥ 0")
    if np.any(tx < 0) or np.any(tx > age * (1 + 1e-12) + 1e-12):
        raise ValueError("recency must lie between 0 and T")
    if np.any((x == 0) & (tx != 0)):
        raise ValueError("recency must be 0 for customers with no repeat purchase")
    return x, tx, age


# --- likelihood -------------------------------------------------------------------------------


def log_likelihood(
    params: BgNbdParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Each customer's log-likelihood (equation 6 of Fader, Hardie & Lee 2005)."""
    x, tx, age = as_rfm_arrays(frequency, recency, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    a12 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + age)
    with np.errstate(divide="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
    return np.asarray(a12 + np.logaddexp(a3, a4), dtype=np.float64)


@dataclass(frozen=True)
class _Data:
    """An RFM summary compressed to distinct (x, t_x, T) rows with weights.

    Customers sharing a history contribute identical terms, and per-x terms (gammaln, digamma) are
    computed once per distinct x: on day-resolution data this shrinks 100,000 customers to a few
    tens of thousands of rows and a few hundred special-function calls.
    """

    x: FloatArray
    tx: FloatArray
    T: FloatArray
    w: FloatArray
    xs: FloatArray  # distinct x
    xs_weight: FloatArray  # total weight per distinct x
    total_weight: float


def _compress(x: FloatArray, tx: FloatArray, T: FloatArray, w: FloatArray) -> _Data:
    order = np.lexsort((T, tx, x))
    xo, txo, To, wo = x[order], tx[order], T[order], w[order]
    new = np.ones(len(xo), dtype=bool)
    new[1:] = (xo[1:] != xo[:-1]) | (txo[1:] != txo[:-1]) | (To[1:] != To[:-1])
    starts = np.flatnonzero(new)
    weights = np.add.reduceat(wo, starts) if len(starts) else wo[:0]
    ux, ux_start = np.unique(xo[starts], return_index=True)
    xs_weight = np.add.reduceat(weights, ux_start) if len(ux_start) else weights[:0]
    return _Data(
        x=xo[starts],
        tx=txo[starts],
        T=To[starts],
        w=weights,
        xs=ux,
        xs_weight=xs_weight,
        total_weight=float(weights.sum()),
    )


def _wsum(weights: FloatArray, values: FloatArray) -> float:
    """Weighted sum without BLAS.

    ``weights @ values`` goes to a multi-threaded BLAS dot, which on a busy two-core machine
    stalls for milliseconds per call waking its threads; a plain (pairwise) sum does not.
    """
    return float(np.sum(weights * values))


def _neg_mean_ll_and_grad(log_params: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood per customer and its gradient in log-parameter space.

    With L = A12(x) + logaddexp(A3, A4) and w4 = expit(A4 − A3) the share of the second term,
    ∂L/∂θ = ∂A12/∂θ + (1 − w4)·∂A3/∂θ + w4·∂A4/∂θ; the chain rule to log θ multiplies by θ.
    """
    r, alpha, a, b = np.exp(log_params)
    xs, xw, x, w = d.xs, d.xs_weight, d.x, d.w
    repeat = x > 0
    b_x1 = b + np.maximum(x, 1) - 1
    log_alpha_T = np.log(alpha + d.T)
    log_alpha_tx = np.log(alpha + d.tx)

    a12 = gammaln(r + xs) - gammaln(r) + r * np.log(alpha) + betaln(a, b + xs) - betaln(a, b)
    a3 = -(r + x) * log_alpha_T
    diff = np.where(
        repeat, np.log(a) - np.log(b_x1) - (r + x) * (log_alpha_tx - log_alpha_T), -np.inf
    )
    # log(1 + e^d) and the logistic weight e^d/(1 + e^d) from one exp(−|d|), which cannot
    # overflow: about twice as fast as np.logaddexp plus scipy's expit.
    small = np.exp(-np.abs(diff))  # 0 where x == 0 (d = −∞)
    positive = diff > 0
    ll = _wsum(xw, a12) + _wsum(w, a3 + np.where(positive, diff, 0.0) + np.log1p(small))
    w4 = np.where(positive, 1.0, small) / (1.0 + small)
    w3 = 1.0 - w4

    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + xs)
    g_r = r * (
        _wsum(xw, digamma(r + xs) - digamma(r) + np.log(alpha))
        - _wsum(w, w3 * log_alpha_T + w4 * log_alpha_tx)
    )
    g_alpha = d.total_weight * r - _wsum(
        w, (r + x) * (w3 * alpha / (alpha + d.T) + w4 * alpha / (alpha + d.tx))
    )
    g_a = a * _wsum(xw, psi_ab - psi_abx) + _wsum(w, w4)
    g_b = b * _wsum(xw, psi_ab + digamma(b + xs) - digamma(b) - psi_abx) - _wsum(w, w4 * b / b_x1)
    grad = -np.array([g_r, g_alpha, g_a, g_b]) / d.total_weight
    return -ll / d.total_weight, grad


def neg_log_likelihood_and_gradient(
    log_params: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[float, FloatArray]:
    """The fit's objective: mean negative log-likelihood and its analytic gradient.

    ``log_params`` is (log r, log α, log a, log b). Public so the gradient can be checked against
    finite differences.
    """
    x, tx, age = as_rfm_arrays(frequency, recency, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    return _neg_mean_ll_and_grad(np.asarray(log_params, dtype=np.float64), _compress(x, tx, age, w))


# --- fit --------------------------------------------------------------------------------------


def fit(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters for an RFM summary (any time unit).

    ``weights`` counts customers sharing a row, as in Fader & Hardie's condensed tables. Times are
    rescaled so the oldest customer has T = 10 while fitting (α is scaled back), which puts every
    data set's optimum in the same region for the fixed starting point.
    """
    x, tx, age = as_rfm_arrays(frequency, recency, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != x.shape or np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite, ≥ 0 and one per customer")
    keep = w > 0
    x, tx, age, w = x[keep], tx[keep], age[keep], w[keep]
    n_customers = round(float(w.sum()))
    n_repeat = round(float(w[x > 0].sum()))
    if n_customers == 0 or age.max() <= 0:
        return BgNbdFit(
            params=BgNbdParams(r=1.0, alpha=1.0, a=1.0, b=1.0),
            log_likelihood=0.0,
            converged=False,
            message="There are no customers with any history to fit.",
            iterations=0,
            n_customers=n_customers,
            n_repeat_customers=n_repeat,
            warnings=(NO_REPEAT_CUSTOMERS,),
        )
    scale = 10.0 / float(age.max())
    data = _compress(x, tx * scale, age * scale, w)
    x0, hess_inv0 = _warm_start(x, tx * scale, age * scale, w)
    optimum = minimize_log_params(lambda p: _neg_mean_ll_and_grad(p, data), x0, hess_inv0=hess_inv0)
    r, alpha_scaled, a, b = np.exp(optimum.log_params)
    params = BgNbdParams(r=float(r), alpha=float(alpha_scaled / scale), a=float(a), b=float(b))
    total_ll = _wsum(w, log_likelihood(params, x, tx, age))
    converged, message, warnings = _judge(optimum, params, n_repeat)
    return BgNbdFit(
        params=params,
        log_likelihood=total_ll,
        converged=converged,
        message=message,
        iterations=optimum.iterations,
        n_customers=n_customers,
        n_repeat_customers=n_repeat,
        warnings=warnings,
    )


_SUBSAMPLE = 20_000


def _warm_start(
    x: FloatArray, tx: FloatArray, T: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray | None]:
    """A starting point (and curvature) for large data: the optimum of a fixed subsample.

    The mean log-likelihood of 20,000 customers has nearly the optimum and the curvature of the
    whole, so BFGS on all the data then needs a few iterations instead of a few dozen. The
    subsample is drawn with a fixed seed, so a fit is repeatable; the answer is still the
    optimum on all the data.
    """
    if len(x) <= 2 * _SUBSAMPLE:
        return np.zeros(4), None
    pick = np.random.default_rng(0).choice(len(x), size=_SUBSAMPLE, replace=False)
    sub = _compress(x[pick], tx[pick], T[pick], w[pick])
    if not np.any(sub.x > 0):
        return np.zeros(4), None

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        return _neg_mean_ll_and_grad(log_params, sub)

    optimum = minimize_log_params(objective, np.zeros(4))
    if optimum.any_at_bound or not optimum.gradient_small:
        return np.zeros(4), None
    return optimum.log_params, inverse_hessian(objective, optimum.log_params)


def _judge(
    optimum: Optimum, params: BgNbdParams, n_repeat: int
) -> tuple[bool, str, tuple[str, ...]]:
    """Decide whether the estimate can be used, and say why not in plain words."""
    low, high = optimum.at_lower_bound, optimum.at_upper_bound
    if n_repeat == 0:
        return (
            False,
            "Nobody has bought a second time yet, so purchase rates and drop-out cannot be "
            "estimated. Wait for repeat purchases before trusting these predictions.",
            (NO_REPEAT_CUSTOMERS,),
        )
    if low[2] or high[3] or params.a / (params.a + params.b) < _NO_CHURN_DROPOUT:
        return (
            False,
            "The history shows no churn: customers kept buying up to the end of the data, so "
            "the chance that a customer leaves cannot be estimated (the model drifts to 'nobody "
            "ever leaves'). Predictions assume everyone stays; use a longer history.",
            (NO_CHURN,),
        )
    if optimum.any_at_bound:
        return (
            False,
            "The purchase-rate parameters ran to the edge of their range, so the model cannot "
            "tell how often customers buy. Check the data (time unit, duplicate customers).",
            (RATE_UNIDENTIFIED,),
        )
    if not optimum.gradient_small:
        return (
            False,
            "The fit stopped before reaching the best parameters "
            f"(optimiser: {optimum.scipy_message}). Treat predictions with caution.",
            (NOT_CONVERGED,),
        )
    return True, "The fit converged.", ()


# --- predictions ------------------------------------------------------------------------------


def probability_alive(
    params: BgNbdParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(alive): the probability the customer has not left by T (Fader, Hardie & Lee 2008 note).

    1 / (1 + a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x)) for x > 0, computed as a logistic of a
    log-ratio so large x cannot overflow; 1 for customers who never bought again (in BG/NBD a
    customer can only leave right after a repeat purchase).
    """
    x, tx, age = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_ratio = (
        (r + x) * (np.log(alpha + age) - np.log(alpha + tx))
        + np.log(a)
        - np.log(b + np.maximum(x, 1) - 1)
    )
    return np.asarray(np.where(x == 0, 1.0, expit(-log_ratio)), dtype=np.float64)


def expected_purchases(
    params: BgNbdParams,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """Expected repeat purchases in the next ``t`` periods, given the history (equation 10).

    Lifetimes' ``conditional_expected_number_of_purchases_up_to_time``. Its form is
    P(alive)·(a + b + x − 1)/(a − 1)·[1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)] with
    z = t/(α+T+t). Here the 2F1 is taken after Euler's transformation,
    ((α+T)/(α+T+t))^(r+x)·2F1(r+x, b+x; c; z) = (1−z)^(a−1)·2F1(a+b−1−r, a−1; c; z),
    whose first two parameters no longer grow with x, so heavy buyers stay accurate. Two removable
    singularities (a = 1, and a + b + x = 1) are bridged by averaging values just either side;
    anything still not finite is integrated numerically.
    """
    tt, x, tx, age = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (t, frequency, recency, T))
    )
    if np.any(tt < 0):
        raise ValueError("t must be ≥ 0")
    alive = probability_alive(params, x, tx, age)
    given_alive = _purchases_if_alive(params, tt, x, age)
    return np.asarray(alive * given_alive, dtype=np.float64)


conditional_expected_number_of_purchases_up_to_time = expected_purchases


def expected_purchases_new_customer(params: BgNbdParams, t: ArrayLike) -> FloatArray:
    """Expected repeat purchases in ``t`` periods after a first purchase (equation 9)."""
    tt = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(tt)
    return expected_purchases(params, tt, zero, zero, zero)


_SINGULAR = 1e-5
_SHIFT = 3 * _SINGULAR


def _purchases_if_alive(
    params: BgNbdParams, t: FloatArray, x: FloatArray, T: FloatArray
) -> FloatArray:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    near = (abs(a - 1) < _SINGULAR) | (np.abs(a + b + x - 1) < _SINGULAR)
    out = _purchases_if_alive_hyp2f1(r, alpha, a, b, t, x, T)
    if np.any(near):
        up = _purchases_if_alive_hyp2f1(r, alpha, a + _SHIFT, b + _SHIFT, t, x, T)
        down = _purchases_if_alive_hyp2f1(r, alpha, a - _SHIFT, b - _SHIFT, t, x, T)
        out = np.where(near, (up + down) / 2, out)
    out = np.array(out, dtype=np.float64, ndmin=1)
    bad = ~np.isfinite(out) | (out < 0)
    if np.any(bad):
        flat_t, flat_x, flat_T = (np.ravel(v) for v in np.broadcast_arrays(t, x, T))
        for i in np.flatnonzero(bad):
            out.flat[i] = _purchases_if_alive_quad(params, flat_t[i], flat_x[i], flat_T[i])
    return out.reshape(np.shape(t))


def _purchases_if_alive_hyp2f1(
    r: float, alpha: float, a: float, b: float, t: FloatArray, x: FloatArray, T: FloatArray
) -> FloatArray:
    with np.errstate(all="ignore"):
        c = a + b + x - 1
        log_1mz = np.log(alpha + T) - np.log(alpha + T + t)
        z = t / (alpha + T + t)
        second = 1.0 - np.exp((a - 1) * log_1mz) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        return np.asarray(c / (a - 1) * second, dtype=np.float64)


def _purchases_if_alive_quad(params: BgNbdParams, t: float, x: float, T: float) -> float:
    """E[(1 − e^(−λpt))/p] over the posterior of an active customer, by quadrature.

    Given alive at T, λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x) independently; integrating λ
    out leaves a one-dimensional integral over p with a Beta weight, which quad handles exactly
    with its algebraic weight function.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    k = t / (alpha + T)

    def integrand(p: float) -> float:
        if p == 0.0:
            return (r + x) * k
        return float(-np.expm1(-(r + x) * np.log1p(p * k)) / p)

    value, _ = integrate.quad(integrand, 0.0, 1.0, weight="alg", wvar=(a - 1, b + x - 1), limit=200)
    return float(value / np.exp(betaln(a, b + x)))


def expected_lifetime(
    params: BgNbdParams,
    horizon: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """Expected time the customer stays active within the next ``horizon`` periods.

    Definition: ∫₀^horizon P(still active at T + s | history) ds, in the summary's time unit, so
    a customer certain to stay scores ``horizon`` and one who has surely left scores 0. It is
    capped by a horizon because the uncapped mean remaining lifetime, E[1/(λp)], is infinite
    whenever a ≤ 1 or r + x ≤ 1 (CDNOW's fit has a = 0.79).

    P(active at T + s) = P(alive at T) · E[e^(−λ p s)], and over the posterior of an active
    customer E[e^(−λ p s)] = 2F1(r+x, a; a+b+x; −s/k) with k = α + T (Euler's integral). Since
    d/dz 2F1(A−1, B−1; C−1; z) = (A−1)(B−1)/(C−1)·2F1(A, B; C; z), the integral is
    k(a+b+x−1)/((r+x−1)(a−1))·[1 − 2F1(r+x−1, a−1; a+b+x−1; −u)] with u = horizon/k, and the
    2F1 is evaluated through Pfaff's transformation, (1+u)^(1−a)·2F1(a−1, a+b−r; a+b+x−1;
    u/(1+u)), whose argument stays in [0, 1) and whose first parameters do not grow with x.
    Removable singularities (a = 1, r + x = 1, a + b + x = 1) are bridged as in
    ``expected_purchases``; anything still not finite is integrated numerically.
    """
    x, tx, age = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    )
    if horizon < 0:
        raise ValueError("horizon must be ≥ 0")
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    near = (
        (abs(a - 1) < _SINGULAR)
        | (np.abs(r + x - 1) < _SINGULAR)
        | (np.abs(a + b + x - 1) < _SINGULAR)
    )
    out = _active_time_if_alive(r, alpha, a, b, horizon, x, age)
    if np.any(near):
        up = _active_time_if_alive(r + _SHIFT, alpha, a + _SHIFT, b + _SHIFT, horizon, x, age)
        down = _active_time_if_alive(r - _SHIFT, alpha, a - _SHIFT, b - _SHIFT, horizon, x, age)
        out = np.where(near, (up + down) / 2, out)
    out = np.array(out, dtype=np.float64, ndmin=1)
    bad = ~np.isfinite(out) | (out < 0) | (out > horizon * (1 + 1e-9))
    if np.any(bad):
        flat_x, flat_T = np.ravel(x), np.ravel(age)
        for i in np.flatnonzero(bad):
            out.flat[i] = _active_time_if_alive_quad(params, horizon, flat_x[i], flat_T[i])
    alive = probability_alive(params, x, tx, age)
    return np.asarray(alive * out.reshape(x.shape), dtype=np.float64)


def _survival_if_alive(params: BgNbdParams, s: float, x: float, T: float) -> float:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    u = s / (alpha + T)
    return float((1 + u) ** (-a) * hyp2f1(a, a + b - r, a + b + x, u / (1 + u)))


def _active_time_if_alive(
    r: float, alpha: float, a: float, b: float, horizon: float, x: FloatArray, T: FloatArray
) -> FloatArray:
    with np.errstate(all="ignore"):
        k = alpha + T
        u = horizon / k
        c = a + b + x - 1
        tail = (1 + u) ** (1 - a) * hyp2f1(a - 1, a + b - r, c, u / (1 + u))
        return np.asarray(k * c / ((r + x - 1) * (a - 1)) * (1 - tail), dtype=np.float64)


def _active_time_if_alive_quad(params: BgNbdParams, horizon: float, x: float, T: float) -> float:
    value, _ = integrate.quad(
        lambda s: _survival_if_alive(params, s, x, T), 0.0, horizon, limit=200
    )
    return float(value)


__all__ = [
    "LOG_BOUND",
    "NOT_CONVERGED",
    "NO_CHURN",
    "NO_REPEAT_CUSTOMERS",
    "PARAM_NAMES",
    "RATE_UNIDENTIFIED",
    "BgNbdFit",
    "BgNbdParams",
    "conditional_expected_number_of_purchases_up_to_time",
    "expected_lifetime",
    "expected_purchases",
    "expected_purchases_new_customer",
    "fit",
    "log_likelihood",
    "neg_log_likelihood_and_gradient",
    "probability_alive",
]
