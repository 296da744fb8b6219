"""Honest survey statistics: pure functions over plain numbers (no database), each with its
uncertainty.

- NPS: each answer scores +1 (promoter, 9–10), 0 (passive, 7–8) or −1 (detractor, 0–6); NPS is
  their mean × 100, and its 95% interval comes from the variance of that score,
  ``p_P + p_D − (p_P − p_D)²``, over n.
- CSAT: the share of 4–5 answers, with a Wilson score interval (good for small n and shares
  near 0 or 1).
- CES (and any mean): a Student t interval.
- Differences: a two-proportion z-test for shares; for NPS and means a z-test on the two
  standard errors. ``p ≥ 0.05`` is "within the noise".
- Expectation vs. performance: P < E disappointed, P = E satisfied, P > E delighted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from scipy import stats as sp

Z95 = 1.959963984540054
ALPHA = 0.05

EPClass = Literal["disappointed", "satisfied", "delighted"]


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval (``low``/``high`` None when n is too small) and the
    standard error the comparisons use."""

    n: int
    value: float | None
    low: float | None = None
    high: float | None = None
    se: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"n": self.n, "value": self.value, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class NpsEstimate(Estimate):
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            **super().as_dict(),
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
        }


@dataclass(frozen=True)
class ShareEstimate(Estimate):
    hits: int = 0

    def as_dict(self) -> dict[str, float | int | None]:
        return {**super().as_dict(), "hits": self.hits}


def _clip(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def nps(scores: Iterable[int]) -> NpsEstimate:
    """NPS (−100…100) of 0–10 answers, with a normal 95% interval from the variance of the
    +1/0/−1 score."""
    values = list(scores)
    n = len(values)
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    passives = n - promoters - detractors
    if n == 0:
        return NpsEstimate(n=0, value=None)
    p_p, p_d = promoters / n, detractors / n
    mean = p_p - p_d
    variance = p_p + p_d - mean**2
    se = math.sqrt(variance / n) * 100
    value = mean * 100
    low = high = None
    if n >= 2:
        low = _clip(value - Z95 * se, -100.0, 100.0)
        high = _clip(value + Z95 * se, -100.0, 100.0)
    return NpsEstimate(
        n=n,
        value=value,
        low=low,
        high=high,
        se=se,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
    )


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a share (0–1), or None for n = 0."""
    if n <= 0:
        return None
    p = hits / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def share(hits: int, n: int) -> ShareEstimate:
    """A share in percent with its Wilson interval."""
    if n <= 0:
        return ShareEstimate(n=0, value=None)
    interval = wilson(hits, n)
    assert interval is not None
    p = hits / n
    return ShareEstimate(
        n=n,
        value=p * 100,
        low=interval[0] * 100,
        high=interval[1] * 100,
        se=math.sqrt(p * (1 - p) / n) * 100,
        hits=hits,
    )


def csat(scores: Iterable[int]) -> ShareEstimate:
    """CSAT: the percentage of 4–5 answers on a 1–5 scale, with a Wilson interval."""
    values = list(scores)
    return share(sum(1 for s in values if s >= 4), len(values))


def mean(values: Iterable[float]) -> Estimate:
    """A mean with a Student t 95% interval (none below two answers)."""
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        return Estimate(n=0, value=None)
    m = sum(xs) / n
    if n < 2:
        return Estimate(n=n, value=m)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    se = sd / math.sqrt(n)
    t = float(sp.t.ppf(0.975, n - 1))
    return Estimate(n=n, value=m, low=m - t * se, high=m + t * se, se=se)


def ces(scores: Iterable[int]) -> Estimate:
    """CES: the mean effort score (1–7, higher = easier) with a t interval."""
    return mean(scores)


# --- comparisons -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    difference: float
    z: float | None
    p_value: float | None
    intervals_overlap: bool | None

    @property
    def within_noise(self) -> bool:
        """True when the data cannot tell the two apart (p ≥ 0.05, or too little data)."""
        return self.p_value is None or self.p_value >= ALPHA


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> tuple[float, float] | None:
    """The pooled two-proportion z-test: (z, two-sided p), or None when it cannot be done."""
    if n_a <= 0 or n_b <= 0:
        return None
    pooled = (hits_a + hits_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    diff = hits_a / n_a - hits_b / n_b
    if se == 0:
        return (0.0, 1.0) if diff == 0 else None
    z = diff / se
    return z, float(2 * sp.norm.sf(abs(z)))


def _overlap(a: Estimate, b: Estimate) -> bool | None:
    if None in (a.low, a.high, b.low, b.high):
        return None
    assert a.low is not None and a.high is not None and b.low is not None and b.high is not None
    return a.low <= b.high and b.low <= a.high


def compare(a: Estimate, b: Estimate) -> Difference | None:
    """Whether ``a`` and ``b`` differ beyond the noise: shares by the two-proportion z-test,
    NPS and means by a z-test on their standard errors."""
    if a.value is None or b.value is None:
        return None
    diff = a.value - b.value
    overlap = _overlap(a, b)
    if isinstance(a, ShareEstimate) and isinstance(b, ShareEstimate):
        test = two_proportion_z(a.hits, a.n, b.hits, b.n)
        if test is None:
            return Difference(diff, None, None, overlap)
        return Difference(diff, test[0], test[1], overlap)
    if a.se is None or b.se is None or a.n < 2 or b.n < 2:
        return Difference(diff, None, None, overlap)
    se = math.sqrt(a.se**2 + b.se**2)
    if se == 0:
        return Difference(diff, None, 1.0 if diff == 0 else 0.0, overlap)
    z = diff / se
    return Difference(diff, z, float(2 * sp.norm.sf(abs(z))), overlap)


# --- expectation vs. performance -------------------------------------------------------------


def ep_classify(expectation: int, performance: int) -> EPClass:
    """P < E disappointed, P = E satisfied, P > E delighted."""
    if performance < expectation:
        return "disappointed"
    if performance == expectation:
        return "satisfied"
    return "delighted"


@dataclass(frozen=True)
class EPSummary:
    n: int
    expectation: float | None
    performance: float | None
    gap: Estimate  # mean of P − E, with its t interval
    disappointed: float  # shares, percent
    satisfied: float
    delighted: float

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "expectation": self.expectation,
            "performance": self.performance,
            "gap": self.gap.as_dict(),
            "disappointed": self.disappointed,
            "satisfied": self.satisfied,
            "delighted": self.delighted,
        }


def ep_summary(pairs: Sequence[tuple[int, int]]) -> EPSummary:
    """One attribute's (E, P) pairs: the means, the mean gap P − E and the shares of
    disappointed, satisfied and delighted customers."""
    n = len(pairs)
    if n == 0:
        return EPSummary(0, None, None, Estimate(0, None), 0.0, 0.0, 0.0)
    counts = {"disappointed": 0, "satisfied": 0, "delighted": 0}
    for e, p in pairs:
        counts[ep_classify(e, p)] += 1
    return EPSummary(
        n=n,
        expectation=sum(e for e, _ in pairs) / n,
        performance=sum(p for _, p in pairs) / n,
        gap=mean(p - e for e, p in pairs),
        disappointed=counts["disappointed"] * 100 / n,
        satisfied=counts["satisfied"] * 100 / n,
        delighted=counts["delighted"] * 100 / n,
    )


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The correlation of two equally long series, or None (fewer than 3, or no spread)."""
    n = len(xs)
    if n != len(ys) or n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


Quadrant = Literal["concentrate", "keep_up", "low_priority", "overkill"]


@dataclass(frozen=True)
class GridPoint:
    key: str
    importance: float
    performance: float
    quadrant: Quadrant


def importance_performance(points: Sequence[tuple[str, float, float]]) -> list[GridPoint]:
    """Place each (key, importance, performance) in the classic four quadrants, split at the
    means: important but weak = concentrate here; important and strong = keep up the good
    work; neither = low priority; strong but unimportant = possible overkill."""
    if not points:
        return []
    mi = sum(i for _, i, _ in points) / len(points)
    mp = sum(p for _, _, p in points) / len(points)
    grid = []
    for key, importance, performance in points:
        high_i, high_p = importance >= mi, performance >= mp
        quadrant: Quadrant
        if high_i and not high_p:
            quadrant = "concentrate"
        elif high_i:
            quadrant = "keep_up"
        elif not high_p:
            quadrant = "low_priority"
        else:
            quadrant = "overkill"
        grid.append(GridPoint(key, importance, performance, quadrant))
    return grid
