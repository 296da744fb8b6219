"""Earning many orders in one go (an import's or a seed chunk's, set-based) gives exactly what
earning them one at a time gives: the same lots, entries, balances, tiers, order points and
timeline events, a member's move up a tier mid-batch counting from their next order."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from samphan.core.access import Actor
from samphan.core.models import Workspace
from samphan.core.roles import Role
from samphan.loyalty.models import Account, LedgerEntry, OrderPoints, PointLot, Programme
from samphan.loyalty.services import EARN_BATCH, orders_earn
from samphan.loyalty.tiers import tiers_replace
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, OrderFactory, WorkspaceFactory
from tests.loyalty.helpers import assert_consistent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 5, tzinfo=dt.UTC)
TIERS = [
    {"name": "Member", "code": "member", "threshold": 0},
    {"name": "Silver", "code": "silver", "threshold": 300_000, "multiplier_percent": 200},
    {"name": "Gold", "code": "gold", "threshold": 900_000, "multiplier_percent": 300},
]
POINT_TIERS = [
    {"name": "Member", "code": "member", "threshold": 0},
    {"name": "Silver", "code": "silver", "threshold": 80, "multiplier_percent": 150},
    {"name": "Gold", "code": "gold", "threshold": 300, "multiplier_percent": 250},
]


def _shop(basis: str, plan: list[list[tuple[int, int]]]) -> tuple[Workspace, list[int]]:
    """A shop whose programme is off while its orders are recorded (nothing earned yet), then
    on: customers with orders of (satang, days ago) as ``plan`` says."""
    shop = WorkspaceFactory()
    owner = Actor(workspace=shop, role=Role.OWNER)
    Programme.objects.create(
        workspace=shop, is_active=False, pending_days=7, expiry_months=12, tier_basis=basis
    )
    tiers_replace(actor=owner, tiers=POINT_TIERS if basis == "points" else TIERS)
    ids = []
    for orders in plan:
        customer = CustomerFactory(workspace=shop)
        for satang, days in orders:
            order = OrderFactory(
                workspace=shop,
                customer=customer,
                total_satang=satang,
                placed_at=NOW - dt.timedelta(days=days, hours=1),
            )
            ids.append(order.pk)
    Programme.objects.filter(workspace=shop).update(is_active=True)
    return shop, ids


def _state(shop: Workspace) -> dict[str, Any]:
    """What earning left in ``shop``, without ids (customers and orders by their position)."""
    customers = {
        pk: n
        for n, pk in enumerate(
            Account.objects.filter(workspace=shop)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
        )
    }
    accounts = Account.objects.filter(workspace=shop).order_by("customer_id")
    for account in accounts:
        assert_consistent(account)
    orders: dict[int | None, int | None] = {None: None}
    for n, pk in enumerate(OrderPoints.objects.filter(workspace=shop).order_by("order_id")):
        orders[pk.order_id] = n
    events = [
        (customers[e.customer_id], e.type, {k: v for k, v in e.payload.items() if k != "order"})
        for e in TimelineEvent.objects.filter(
            workspace=shop, type__in=["points.earned", "tier.changed"]
        )
    ]
    return {
        "accounts": [
            (customers[a.customer_id], a.balance, a.pending, a.version, a.tier and a.tier.code)
            for a in accounts.select_related("tier")
        ],
        "lots": [
            (
                customers[lot.account.customer_id],
                orders[lot.order_id],
                lot.points,
                lot.remaining,
                lot.is_pending,
                lot.available_at,
                lot.expires_at,
            )
            for lot in PointLot.objects.filter(workspace=shop)
            .select_related("account")
            .order_by("pk")
        ],
        "entries": [
            (
                customers[e.account.customer_id],
                e.kind,
                e.points,
                e.pending_points,
                orders[e.order_id],
            )
            for e in LedgerEntry.objects.filter(workspace=shop)
            .select_related("account")
            .order_by("pk")
        ],
        "order points": [
            (orders[p.order_id], p.earned, p.base_satang, sorted(p.lines.values(), key=str))
            for p in OrderPoints.objects.filter(workspace=shop).order_by("order_id")
        ],
        "events": sorted(events, key=repr),
    }


@pytest.mark.parametrize("basis", ["spend", "points"])
def test_a_batch_earns_what_one_at_a_time_earns(basis: str) -> None:
    rng = random.Random(2569)
    # Some orders are over a year old (their points would have expired: not credited), some
    # from the last week (pending); big spenders move up a tier or two within the batch.
    plan = [
        [(rng.choice([9_900, 45_000, 120_000, 380_000]), rng.randint(0, 420)) for _ in range(n)]
        for n in [rng.randint(1, 7) for _ in range(14)]
    ]
    for orders in plan[:3]:
        orders.append((45_000, 2))
    together, ids_together = _shop(basis, plan)
    apart, ids_apart = _shop(basis, plan)
    credited = orders_earn(workspace_id=together.pk, order_ids=ids_together, now=NOW)
    one_at_a_time = sum(
        orders_earn(workspace_id=apart.pk, order_ids=[pk], now=NOW) for pk in ids_apart
    )
    assert credited == one_at_a_time > 0
    state = _state(together)
    assert state == _state(apart)
    # The batch exercised what it claims: expired orders skipped, pending and released lots,
    # members moving up more than one tier.
    assert len(state["order points"]) < len(ids_together)
    assert {lot[4] for lot in state["lots"]} == {True, False}
    assert {a[4] for a in state["accounts"]} >= {"member", "silver", "gold"}
    # Earning the same orders again credits nothing (once per order).
    assert orders_earn(workspace_id=together.pk, order_ids=ids_together, now=NOW) == 0
    assert _state(together) == state


def test_batches_larger_than_one_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders split over several batches (here of 3) come out as one batch does."""
    plan = [[(120_000, d) for d in (1, 20, 40, 60)] for _ in range(3)]
    whole, ids_whole = _shop("spend", plan)
    split, ids_split = _shop("spend", plan)
    orders_earn(workspace_id=whole.pk, order_ids=ids_whole, now=NOW)
    monkeypatch.setattr("samphan.loyalty.services.EARN_BATCH", 3)
    orders_earn(workspace_id=split.pk, order_ids=ids_split, now=NOW)
    assert EARN_BATCH > 3
    assert _state(whole) == _state(split)
