"""Suggested segments: k-means finds planted behaviours and explains them in plain words."""

from __future__ import annotations

import datetime as dt
from typing import cast

import numpy as np
import pytest

from samphan.analytics.clustering import suggest_segments
from samphan.analytics.models import CustomerMetrics
from samphan.core.models import Workspace
from samphan.customers.models import Customer
from tests.factories import CustomerFactory, WorkspaceFactory

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _plant(
    ws: Workspace, n: int, *, recency: int, frequency: int, aov_baht: int, seed: int
) -> set[int]:
    rng = np.random.default_rng(seed)
    ids = set()
    rows = []
    for _ in range(n):
        customer = cast(Customer, CustomerFactory(workspace=ws))
        ids.add(customer.pk)
        f = max(0, int(frequency + rng.integers(-1, 2)))
        aov = int(aov_baht * 100 * rng.uniform(0.8, 1.2))
        rows.append(
            CustomerMetrics(
                workspace=ws,
                customer=customer,
                computed_at=NOW,
                recency_days=int(recency * rng.uniform(0.7, 1.3)),
                frequency=f,
                orders=f + 1,
                monetary_satang=aov,
                total_satang=aov * (f + 1),
                p_alive=0.9 if recency < 60 else 0.2,
            )
        )
    CustomerMetrics.objects.bulk_create(rows)
    return ids


@pytest.fixture
def planted(db: None) -> tuple[Workspace, set[int], set[int]]:
    ws = cast(Workspace, WorkspaceFactory())
    loyal = _plant(ws, 25, recency=10, frequency=10, aov_baht=1000, seed=1)
    lapsed = _plant(ws, 25, recency=300, frequency=0, aov_baht=120, seed=2)
    return ws, loyal, lapsed


def test_finds_and_explains_two_planted_groups(
    planted: tuple[Workspace, set[int], set[int]],
) -> None:
    ws, loyal, lapsed = planted
    found = suggest_segments(workspace=ws, k=2)
    assert [s.size for s in found] == [25, 25]
    assert set(found[0].customer_ids) == loyal  # highest total spend first
    assert set(found[1].customer_ids) == lapsed
    assert "frequent" in found[0].explanation_en and "bought recently" in found[0].explanation_en
    assert "ซื้อบ่อย" in found[0].explanation_th
    assert "not bought for a long time" in found[1].explanation_en
    assert found[1].explanation("th") == found[1].explanation_th
    assert found[0].centroid["recency_days"] < 20 < 200 < found[1].centroid["recency_days"]
    assert 800 <= found[0].centroid["monetary_baht"] <= 1200
    # a representative rule in the segments format, which separates the planted groups
    for s in found:
        assert s.rule["op"] == "and"
        assert 1 <= len(s.rule["items"]) <= 4
        assert all(item["field"] for item in s.rule["items"])
        assert (s.rule_precision, s.rule_recall) == (1.0, 1.0)
    assert len(found[0].ranges) == 2


def test_rules_are_valid_segment_rules(planted: tuple[Workspace, set[int], set[int]]) -> None:
    from samphan.segments.rules import rules_validate

    ws, _, _ = planted
    for k in (2, None):
        for s in suggest_segments(workspace=ws, k=k, now=NOW):
            assert rules_validate(ws, s.rule) == s.rule


def test_recency_rule_counts_the_days_since_the_recompute(
    planted: tuple[Workspace, set[int], set[int]],
) -> None:
    ws, _, _ = planted

    def days(now: dt.datetime) -> int:
        loyal = suggest_segments(workspace=ws, k=2, now=now)[0]
        item = next(i for i in loyal.rule["items"] if i["operator"] == "within_days")
        assert item["field"] == "last_purchase"
        return int(item["value"])

    # loyal buyers bought 7–13 days before the recompute (the lapsed ones 210 or more)
    assert 13 <= days(NOW) <= 14
    assert days(NOW + dt.timedelta(days=30)) == days(NOW) + 30


def test_a_rule_never_takes_in_customers_who_never_bought() -> None:
    from samphan.analytics.clustering import HAS_BOUGHT, _representative_rule

    spent = np.array([10.0, 20.0, 30.0, 900.0, 1000.0, 1100.0])
    members = np.array([True, True, True, False, False, False])
    rule, precision, recall = _representative_rule({"total_spent": spent}, members, {})
    # "total spent at most 30" alone would also select every customer who never bought
    assert rule["items"] == [HAS_BOUGHT, {"field": "total_spent", "operator": "lte", "value": 30}]
    assert (precision, recall) == (1.0, 1.0)


def test_auto_k_keeps_the_planted_groups_apart(
    planted: tuple[Workspace, set[int], set[int]],
) -> None:
    ws, loyal, lapsed = planted
    found = suggest_segments(workspace=ws)
    assert 3 <= len(found) <= 6
    assert sum(s.size for s in found) == 50
    for s in found:  # no suggestion mixes the two behaviours
        members = set(s.customer_ids)
        assert members <= loyal or members <= lapsed


def test_deterministic_for_a_seed(planted: tuple[Workspace, set[int], set[int]]) -> None:
    ws, _, _ = planted
    first = suggest_segments(workspace=ws, seed=3)
    again = suggest_segments(workspace=ws, seed=3)
    assert [(s.customer_ids, s.explanation_en, s.rule) for s in first] == [
        (s.customer_ids, s.explanation_en, s.rule) for s in again
    ]


def test_large_workspace_path_samples(planted: tuple[Workspace, set[int], set[int]]) -> None:
    ws, loyal, lapsed = planted
    found = suggest_segments(workspace=ws, k=2, sample=30)  # MiniBatchKMeans on 30 of 50
    assert sorted(s.size for s in found) == [25, 25]
    assert {frozenset(s.customer_ids) for s in found} == {frozenset(loyal), frozenset(lapsed)}


def test_too_few_customers(db: None) -> None:
    ws = cast(Workspace, WorkspaceFactory())
    _plant(ws, 5, recency=10, frequency=1, aov_baht=100, seed=0)
    assert suggest_segments(workspace=ws) == []
