"""Maximum likelihood in log-parameter space, shared by the BG/NBD and Gamma-Gamma fits.

Both models have strictly positive parameters, so they are fitted as logarithms: the search is
unconstrained in shape, and a parameter running off to 0 or infinity (data with no churn, say)
shows up as a log-parameter reaching a wide box bound instead of an overflow or a NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

FloatArray = NDArray[np.float64]
Objective = Callable[[FloatArray], tuple[float, FloatArray]]

# exp(±25) spans 1e-11 … 7e10: far outside any sensible estimate on time-scaled data, yet small
# enough that every special function stays finite at the edge.
LOG_BOUND = 25.0
# A log-parameter this close to a bound is treated as "ran off", not as an estimate.
_AT_BOUND = 1e-3
# Mean-per-customer gradient (log space) small enough to call the optimum found.
GRADIENT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Optimum:
    log_params: FloatArray
    mean_neg_log_likelihood: float
    gradient: FloatArray
    iterations: int
    scipy_message: str
    at_lower_bound: tuple[bool, ...]
    at_upper_bound: tuple[bool, ...]

    @property
    def gradient_small(self) -> bool:
        return bool(
            np.all(np.isfinite(self.gradient))
            and np.max(np.abs(self.gradient)) < GRADIENT_TOLERANCE
        )

    @property
    def any_at_bound(self) -> bool:
        return any(self.at_lower_bound) or any(self.at_upper_bound)


def guarded(objective: Objective) -> Objective:
    """The objective inside a soft box of ±LOG_BOUND, with a big finite value where it is not finite.

    Outside the box the objective is evaluated at the nearest point inside and a quadratic wall
    is added, so an unbounded quasi-Newton method stops at the edge (a parameter "running off")
    instead of overflowing. A non-finite value becomes a large finite one so the line search
    steps back rather than carrying a NaN along.
    """

    def wrapped(log_params: FloatArray) -> tuple[float, FloatArray]:
        inside = np.clip(log_params, -LOG_BOUND, LOG_BOUND)
        outside = log_params - inside
        with np.errstate(all="ignore"):
            value, grad = objective(inside)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return 1e100, np.zeros_like(log_params)
        grad = np.where(outside != 0, 0.0, grad) + _WALL * outside
        return value + 0.5 * _WALL * float(np.sum(outside * outside)), grad

    return wrapped


_WALL = 10.0


def minimize_log_params(
    objective: Objective,
    x0: FloatArray,
    *,
    hess_inv0: FloatArray | None = None,
    max_iter: int = 1000,
) -> Optimum:
    """Minimise a mean negative log-likelihood over log-parameters within ±LOG_BOUND.

    BFGS rather than L-BFGS-B: with four parameters its pure-NumPy updates cost microseconds,
    while L-BFGS-B's compiled routine calls a multi-threaded BLAS that stalls for milliseconds per
    iteration on a busy machine. ``hess_inv0`` (an inverse-Hessian guess, say from a fit on a
    subsample) saves the iterations BFGS spends learning the curvature. The stopping rule that
    matters is the gradient check in ``Optimum.gradient_small``; when BFGS stops short of it (its
    line search gives up in the long flat valley along (r, α)), Newton steps on a
    finite-difference Hessian of the analytic gradient finish the job.
    """
    fun = guarded(objective)
    options: dict[str, object] = {"maxiter": max_iter, "gtol": 1e-9}
    if hess_inv0 is not None:
        options["hess_inv0"] = hess_inv0
    result = minimize(
        fun, np.asarray(x0, dtype=np.float64), jac=True, method="BFGS", options=options
    )
    x = np.clip(np.asarray(result.x, dtype=np.float64), -LOG_BOUND, LOG_BOUND)
    value, grad = fun(x)
    if np.max(np.abs(grad)) > _POLISH_ABOVE:
        x, value, grad = _newton_polish(fun, x)
    return Optimum(
        log_params=x,
        mean_neg_log_likelihood=float(value),
        gradient=grad,
        iterations=int(result.nit),
        scipy_message=str(result.message),
        at_lower_bound=tuple(bool(v <= -LOG_BOUND + _AT_BOUND) for v in x),
        at_upper_bound=tuple(bool(v >= LOG_BOUND - _AT_BOUND) for v in x),
    )


_POLISH_ABOVE = 1e-9


def inverse_hessian(objective: Objective, x: FloatArray) -> FloatArray | None:
    """Inverse of the finite-difference Hessian at ``x``, if it is positive definite."""
    hessian = _hessian(guarded(objective), x)
    try:
        np.linalg.cholesky(hessian)
        inverse = np.linalg.inv(hessian)
        inverse = (inverse + inverse.T) / 2  # BFGS insists on exact symmetry
        np.linalg.cholesky(inverse)
    except np.linalg.LinAlgError:
        return None
    return np.asarray(inverse, dtype=np.float64)


def _newton_polish(
    fun: Objective, x: FloatArray, *, steps: int = 8
) -> tuple[FloatArray, float, FloatArray]:
    """Newton steps with a central-difference Hessian; each step kept only if it lowers the value."""
    value, grad = fun(x)
    for _ in range(steps):
        if np.max(np.abs(grad)) < 1e-12 or np.any(np.abs(x) >= LOG_BOUND - _AT_BOUND):
            break
        hessian = _hessian(fun, x)
        try:
            step = np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or float(np.sum(grad * step)) <= 0:
            break  # not a descent direction: the Hessian is not positive definite here
        for shrink in (1.0, 0.5, 0.25, 0.1):
            candidate = np.clip(x - shrink * step, -LOG_BOUND, LOG_BOUND)
            cand_value, cand_grad = fun(candidate)
            if cand_value <= value:
                x, value, grad = candidate, cand_value, cand_grad
                break
        else:
            break
    return x, float(value), grad


def _hessian(fun: Objective, x: FloatArray, h: float = 1e-5) -> FloatArray:
    n = len(x)
    hessian = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        hessian[i] = (fun(x + e)[1] - fun(x - e)[1]) / (2 * h)
    return (hessian + hessian.T) / 2
