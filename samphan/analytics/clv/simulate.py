"""Data drawn from the BG/NBD and Gamma-Gamma generative processes.

A fit can only be trusted if it recovers known parameters from data made by the model itself,
so tests and benchmarks draw such data here. Every draw is vectorised: no loop per customer.

The BG/NBD process (Fader, Hardie & Lee 2005, section 3): each customer has λ ~ Gamma(r, rate α)
and p ~ Beta(a, b); repeat purchases arrive as a Poisson process of rate λ from the first
purchase at time 0; after each repeat purchase the customer leaves for good with probability p.
So the customer would leave at repeat purchase K ~ Geometric(p), N ~ Poisson(λT) purchases would
fall in (0, T] were they to stay, and x = min(N, K). Given N = n, the purchase times are the order
statistics of n uniform draws on (0, T], so t_x is T times a Beta(x, n − x + 1) draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samphan.analytics.clv.bgnbd import BgNbdParams
from samphan.analytics.clv.gamma_gamma import GammaGammaParams

FloatArray = NDArray[np.float64]


def _rates_and_dropouts(
    params: BgNbdParams, n: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    lam = rng.gamma(params.r, 1.0 / params.alpha, size=n)
    p = rng.beta(params.a, params.b, size=n)
    # A Beta draw can round to exactly 0 with tiny a; such a customer simply never leaves.
    return lam, np.maximum(p, np.finfo(np.float64).tiny)


def _repeat_purchase_counts(
    lam: FloatArray, p: FloatArray, T: FloatArray, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(x, n): purchases made before leaving, and those there would have been without leaving."""
    would_buy = rng.poisson(lam * T)
    leaves_at = rng.geometric(p)  # ≥ 1; huge when p is tiny
    return np.minimum(would_buy, leaves_at).astype(np.int64), would_buy.astype(np.int64)


def simulate_bgnbd_summary(
    params: BgNbdParams, T: ArrayLike, *, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(frequency, recency, T) for customers of the given ages, drawn from the BG/NBD process."""
    age = np.asarray(T, dtype=np.float64)
    lam, p = _rates_and_dropouts(params, len(age), rng)
    x, n = _repeat_purchase_counts(lam, p, age, rng)
    recency = np.zeros_like(age)
    repeat = x > 0
    recency[repeat] = age[repeat] * rng.beta(x[repeat], n[repeat] - x[repeat] + 1)
    return x.astype(np.float64), recency, age


@dataclass(frozen=True)
class SimulatedLog:
    customer_id: NDArray[np.int64]
    time: NDArray[np.datetime64]  # second resolution
    amount: FloatArray


def simulate_transactions(
    params: BgNbdParams,
    spend: GammaGammaParams,
    *,
    n_customers: int,
    start: np.datetime64,
    end: np.datetime64,
    rng: np.random.Generator,
    time_unit_days: float = 1.0,
) -> SimulatedLog:
    """A transaction log: first purchases spread evenly over [start, end), then BG/NBD repeats.

    Times are in units of ``time_unit_days`` days for the BG/NBD parameters (α included). Order
    values follow Gamma-Gamma: each customer's values are Gamma(p, ν) with ν ~ Gamma(q, γ), so
    their mean is p/ν. Rows come out grouped by customer, in time order.
    """
    span = float((end - start) / np.timedelta64(1, "s"))
    first_offset = rng.uniform(0.0, span, size=n_customers)
    age = (span - first_offset) / (86_400.0 * time_unit_days)
    lam, p = _rates_and_dropouts(params, n_customers, rng)
    x, n = _repeat_purchase_counts(lam, p, age, rng)

    # The first x of n sorted uniforms, by the spacing recursion
    # log(1 − U₍ⱼ₎) = Σ_{k ≤ j} log(V_k) / (n − k + 1), summed within each customer.
    total = int(x.sum())
    owner = np.repeat(np.arange(n_customers), x)
    group_start = np.repeat(np.cumsum(x) - x, x)
    k = np.arange(total) - group_start + 1
    steps = np.log(rng.uniform(size=total)) / (n[owner] - k + 1)
    running = np.cumsum(steps)
    before_group = np.concatenate(([0.0], running))[group_start]
    fraction = -np.expm1(running - before_group)
    repeat_offset = first_offset[owner] + fraction * (span - first_offset[owner])

    customer = np.concatenate((np.arange(n_customers), owner))
    offset = np.concatenate((first_offset, repeat_offset))
    order = np.lexsort((offset, customer))
    customer, offset = customer[order], offset[order]
    nu = rng.gamma(spend.q, 1.0 / spend.gamma, size=n_customers)
    amount = rng.gamma(spend.p, 1.0 / nu[customer])
    time = start.astype("datetime64[s]") + np.floor(offset).astype("timedelta64[s]")
    return SimulatedLog(
        customer_id=customer.astype(np.int64), time=time, amount=np.round(amount, 2)
    )


def simulate_gamma_gamma(
    params: GammaGammaParams, frequency: ArrayLike, *, rng: np.random.Generator
) -> FloatArray:
    """Mean repeat-order value per customer (0 without a repeat), drawn from Gamma-Gamma.

    The mean of x Gamma(p, ν) values is Gamma(p·x, x·ν).
    """
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(params.q, 1.0 / params.gamma, size=len(x))
    out = np.zeros_like(x)
    repeat = x > 0
    out[repeat] = rng.gamma(params.p * x[repeat], 1.0 / (x[repeat] * nu[repeat]))
    return out
