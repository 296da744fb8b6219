"""Uplift of a campaign against its control group: the difference of two conversion rates
with a 95 % confidence interval by Newcombe's hybrid score method (method 10 of Newcombe 1998,
built from two Wilson score intervals), which stays inside [-1, 1] and behaves at small counts
and rates near 0 or 1, where the plain normal (Wald) interval does not."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Uplift:
    treated_rate: float
    control_rate: float
    uplift: float  # treated − control
    low: float
    high: float
    treated_n: int
    control_n: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def uplift(
    treated_conversions: int, treated_n: int, control_conversions: int, control_n: int
) -> Uplift | None:
    """conversion(treated) − conversion(control) with its 95 % interval; None when either group
    is empty (nothing to compare)."""
    if treated_n <= 0 or control_n <= 0:
        return None
    p1, p2 = treated_conversions / treated_n, control_conversions / control_n
    l1, u1 = wilson(treated_conversions, treated_n)
    l2, u2 = wilson(control_conversions, control_n)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Uplift(
        treated_rate=p1,
        control_rate=p2,
        uplift=d,
        low=max(-1.0, low),
        high=min(1.0, high),
        treated_n=treated_n,
        control_n=control_n,
    )
