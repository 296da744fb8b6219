"""The statistics against values worked out by hand (and, for Wilson, the textbook table)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samphan.feedback import stats


def test_nps_and_its_interval_by_hand() -> None:
    # 4 promoters, 2 passives, 4 detractors: NPS 0; var = .4 + .4 − 0 = .8; se = √(.08) = .28284
    e = stats.nps([10, 9, 9, 8, 7, 6, 5, 3, 10, 0])
    assert (e.promoters, e.passives, e.detractors) == (4, 2, 4)
    assert e.value == pytest.approx(0.0)
    assert e.se == pytest.approx(28.2843, abs=1e-3)
    assert e.low == pytest.approx(-55.437, abs=1e-2) and e.high == pytest.approx(55.437, abs=1e-2)
    # 6 promoters, 2 passives, 2 detractors: NPS 40; var = .6 + .2 − .16 = .64; se = .25298
    e = stats.nps([10] * 6 + [8] * 2 + [2] * 2)
    assert e.value == pytest.approx(40.0)
    assert e.low == pytest.approx(40 - 1.959964 * 25.2982, abs=1e-2)
    assert e.high == pytest.approx(40 + 1.959964 * 25.2982, abs=1e-2)


def test_nps_edges() -> None:
    assert stats.nps([]).value is None
    one = stats.nps([10])
    assert one.value == 100 and one.low is None  # one answer: no interval
    all_promoters = stats.nps([9, 10, 10])
    assert all_promoters.low == all_promoters.high == 100  # no spread, clipped


def test_csat_wilson_interval() -> None:
    # 8 of 10 answered 4–5: Wilson 95% (0.4902, 0.9433).
    e = stats.csat([5, 5, 4, 4, 5, 4, 5, 4, 2, 3])
    assert e.hits == 8 and e.value == pytest.approx(80.0)
    assert e.low == pytest.approx(49.02, abs=0.01) and e.high == pytest.approx(94.33, abs=0.01)
    low, high = stats.wilson(0, 5)  # type: ignore[misc]
    assert low == 0 and high == pytest.approx(0.4345, abs=1e-3)
    assert stats.wilson(0, 0) is None


def test_ces_mean_with_t_interval() -> None:
    # mean 5.6, sd √1.3, se = sd/√5 = .50990, t(.975, 4) = 2.776445
    e = stats.ces([5, 6, 7, 4, 6])
    assert e.value == pytest.approx(5.6)
    half = 2.776445 * math.sqrt(1.3) / math.sqrt(5)
    assert e.low == pytest.approx(5.6 - half, abs=1e-4)
    assert e.high == pytest.approx(5.6 + half, abs=1e-4)
    assert stats.ces([4]).low is None


def test_two_proportion_z_test_and_the_noise_note() -> None:
    z, p = stats.two_proportion_z(45, 50, 30, 50)  # type: ignore[misc]
    assert z == pytest.approx(3.4641, abs=1e-3) and p == pytest.approx(0.000532, abs=1e-5)
    big = stats.compare(stats.share(45, 50), stats.share(30, 50))
    assert big is not None and not big.within_noise and big.difference == pytest.approx(30)
    small = stats.compare(stats.share(8, 10), stats.share(7, 10))
    assert small is not None and small.within_noise
    assert small.p_value == pytest.approx(0.6056, abs=1e-3)
    assert small.intervals_overlap is True
    # NPS groups compared on their standard errors.
    a, b = stats.nps([10] * 30 + [0] * 5), stats.nps([0] * 30 + [10] * 5)
    diff = stats.compare(a, b)
    assert diff is not None and not diff.within_noise
    tiny = stats.compare(stats.nps([10, 0]), stats.nps([9, 3]))
    assert tiny is not None and tiny.within_noise


@pytest.mark.parametrize(
    "e,p,expected",
    [(4, 2, "disappointed"), (4, 4, "satisfied"), (4, 5, "delighted"), (1, 7, "delighted"),
     (7, 6, "disappointed"), (1, 1, "satisfied")],
)  # fmt: skip
def test_ep_classification(e: int, p: int, expected: str) -> None:
    assert stats.ep_classify(e, p) == expected


@given(st.integers(1, 7), st.integers(1, 7))
def test_ep_classification_is_the_sign_of_the_gap(e: int, p: int) -> None:
    label = stats.ep_classify(e, p)
    assert label == {-1: "disappointed", 0: "satisfied", 1: "delighted"}[(p > e) - (p < e)]


def test_ep_summary_shares_and_gap() -> None:
    s = stats.ep_summary([(3, 2), (3, 3), (3, 5), (4, 4)])
    assert (s.disappointed, s.satisfied, s.delighted) == (25.0, 50.0, 25.0)
    assert s.expectation == pytest.approx(3.25) and s.performance == pytest.approx(3.5)
    assert s.gap.value == pytest.approx(0.25)
    assert stats.ep_summary([]).n == 0


def test_importance_performance_quadrants_and_correlation() -> None:
    grid = {
        g.key: g.quadrant
        for g in stats.importance_performance([("a", 5, 2), ("b", 5, 5), ("c", 1, 1), ("d", 1, 5)])
    }
    assert grid == {"a": "concentrate", "b": "keep_up", "c": "low_priority", "d": "overkill"}
    assert stats.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert stats.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert stats.pearson([1, 1, 1], [1, 2, 3]) is None
