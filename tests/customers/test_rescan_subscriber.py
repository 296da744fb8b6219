"""When the duplicate rescan runs a full scan: only when the customers it is handed are every
live customer of the workspace (a seeded or imported shop), so the scan is recorded and nothing
scans the shop again right after."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import Actor
from samphan.customers import subscribers
from samphan.customers.events import CustomerCreated
from samphan.customers.models import Customer, DuplicateCandidate, DuplicateScan
from tests.factories import CustomerFactory


@pytest.fixture
def calls(monkeypatch: Any) -> list[list[int] | None]:
    monkeypatch.setattr(subscribers, "SCOPED_MAX", 2)
    seen: list[list[int] | None] = []
    real = subscribers.duplicates_scan

    def spy(*, workspace: Any, customer_ids: list[int] | None = None) -> int:
        seen.append(customer_ids)
        return real(workspace=workspace, customer_ids=customer_ids)

    monkeypatch.setattr(subscribers, "duplicates_scan", spy)
    return seen


def _created(owner: Actor, ids: list[int]) -> list[CustomerCreated]:
    return [
        CustomerCreated(workspace_id=owner.workspace.pk, customer_id=pk, source="import")
        for pk in ids
    ]


def _shop(owner: Actor) -> list[int]:
    people = [
        CustomerFactory(workspace=owner.workspace, first_name="สมศรี", last_name="ใจดี")
        for _ in range(3)
    ] + [CustomerFactory(workspace=owner.workspace, first_name="มานะ", last_name="ขยัน")]
    return [c.pk for c in people]


def test_everyone_new_is_a_recorded_full_scan(owner: Actor, calls: list[list[int] | None]) -> None:
    ids = _shop(owner)
    DuplicateCandidate.objects.all().delete()
    calls.clear()
    subscribers.duplicates_rescan(_created(owner, ids))
    assert calls == [None]
    scan = DuplicateScan.objects.get(workspace=owner.workspace)
    assert scan.finished_at is not None
    assert scan.candidates == DuplicateCandidate.objects.filter(workspace=owner.workspace).count()


def test_a_merged_away_customer_does_not_count(owner: Actor, calls: list[list[int] | None]) -> None:
    ids = _shop(owner)
    Customer.objects.filter(pk=ids[0]).update(merged_into_id=ids[1])
    calls.clear()
    subscribers.duplicates_rescan(_created(owner, ids[1:]))
    assert calls == [None]


def test_someone_left_out_keeps_it_incremental(owner: Actor, calls: list[list[int] | None]) -> None:
    ids = _shop(owner)
    calls.clear()
    subscribers.duplicates_rescan(_created(owner, ids[:3]))
    assert calls == [ids[:3]]
    assert not DuplicateScan.objects.filter(workspace=owner.workspace).exists()


def test_a_small_set_stays_incremental(owner: Actor, calls: list[list[int] | None]) -> None:
    ids = [CustomerFactory(workspace=owner.workspace).pk for _ in range(2)]
    calls.clear()
    subscribers.duplicates_rescan(_created(owner, ids))
    assert calls == [ids]  # not more than SCOPED_MAX: scoped to their own keys, not recorded
