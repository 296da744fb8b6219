"""Uplift with Newcombe's hybrid score interval, checked against the published examples
(Newcombe 1998, Statistics in Medicine 17:873–890, method 10; Wilson intervals of table I)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samphan.messaging.uplift import uplift, wilson


def test_wilson_matches_newcombe_table_one() -> None:
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 10)[0] == 0 and round(wilson(0, 10)[1], 4) == 0.2775
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(11, 10)


@pytest.mark.parametrize(
    "a,m,b,n,expected",
    [
        (56, 70, 48, 80, (0.0524, 0.3339)),
        (9, 10, 3, 10, (0.1705, 0.8090)),
        (6, 7, 2, 7, (0.0582, 0.8062)),
        (5, 56, 0, 29, (-0.0381, 0.1926)),
    ],
)
def test_newcombe_method_10_published_intervals(
    a: int, m: int, b: int, n: int, expected: tuple[float, float]
) -> None:
    result = uplift(a, m, b, n)
    assert result is not None
    assert result.uplift == pytest.approx(a / m - b / n)
    assert (round(result.low, 4), round(result.high, 4)) == expected


def test_no_control_group_means_no_uplift() -> None:
    assert uplift(3, 10, 0, 0) is None and uplift(0, 0, 1, 5) is None


def test_significance() -> None:
    assert uplift(56, 70, 48, 80).significant  # type: ignore[union-attr]
    assert not uplift(5, 56, 0, 29).significant  # type: ignore[union-attr]


@given(
    st.integers(1, 5000).flatmap(lambda m: st.tuples(st.integers(0, m), st.just(m))),
    st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_interval_always_holds_the_estimate_within_minus_one_and_one(
    treated: tuple[int, int], control: tuple[int, int]
) -> None:
    result = uplift(treated[0], treated[1], control[0], control[1])
    assert result is not None
    assert -1 <= result.low <= result.uplift <= result.high <= 1
