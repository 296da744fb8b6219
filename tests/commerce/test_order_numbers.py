"""Order numbers are unique per workspace, also when many sales arrive at the same moment."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from samphan.commerce.models import Order, OrderSequence
from samphan.commerce.services import LineInput, order_create
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError
from samphan.core.models import ApiKey
from samphan.core.services import api_key_create
from tests.factories import MembershipFactory, OrderFactory, SalesChannelFactory

CONCURRENT_SALES = 24
LINES = [LineInput(name="ชาไทย", quantity=1, unit_price_satang=6500)]


@pytest.fixture
def threads_database(tmp_path: Path) -> Iterator[None]:
    """Point the connections that new threads open at a database they can share as the app does.

    PostgreSQL: the test database as it is. SQLite: Django's test database lives in memory with
    a shared cache, where a second writer fails at once ("database table is locked") instead of
    waiting its turn, unlike the file database Samphan runs on (WAL, ``BEGIN IMMEDIATE`` and a
    busy timeout, from settings). So the threads get a file copy of the test database as it is
    when the test body calls this fixture's value, with the settings' connection options.
    """
    if connection.vendor != "sqlite":
        yield
        return
    original = connections.settings["default"]
    path = tmp_path / "threads.sqlite3"
    connections.settings["default"] = {**original, "NAME": str(path)}
    try:
        yield
    finally:
        connections.settings["default"] = original


def _share_test_data() -> None:
    """Copy what the test wrote so far into the threads' SQLite file (no-op on PostgreSQL)."""
    name = connections.settings["default"]["NAME"]
    if connection.vendor == "sqlite" and name != connection.settings_dict["NAME"]:
        connection.ensure_connection()
        target = sqlite3.connect(name)
        try:
            connection.connection.backup(target)
        finally:
            target.close()


def _count_orders(workspace_id: int) -> int:
    """Counted on a connection of its own: on SQLite the orders are in the threads' file."""

    def count() -> int:
        try:
            return Order.objects.filter(workspace_id=workspace_id).count()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(count).result()


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_through_the_api_get_distinct_numbers(threads_database: None) -> None:
    actor = actor_for_membership(MembershipFactory())
    channel = SalesChannelFactory(workspace=actor.workspace)
    secret = api_key_create(actor=actor, name="pos", scope=ApiKey.Scope.READ_WRITE).secret
    _share_test_data()
    start = threading.Barrier(CONCURRENT_SALES)

    def sell(i: int) -> tuple[int, Any]:
        # Each thread has its own database connection; all of them post at the same moment.
        try:
            start.wait(timeout=30)
            response = Client().post(
                "/api/v1/orders",
                {
                    "channel_id": channel.pk,
                    "lines": [{"name": f"ชาไทย {i}", "quantity": 1, "unit_price_satang": 6500}],
                },
                content_type="application/json",
                headers={"X-API-Key": secret},
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CONCURRENT_SALES) as pool:
        results = list(pool.map(sell, range(CONCURRENT_SALES)))

    assert [status for status, _body in results] == [201] * CONCURRENT_SALES, results
    numbers = [body["number"] for _status, body in results]
    assert len(set(numbers)) == CONCURRENT_SALES
    prefix = numbers[0][:8]
    assert sorted(numbers) == [f"{prefix}{n:06d}" for n in range(1, CONCURRENT_SALES + 1)]
    assert _count_orders(actor.workspace.pk) == CONCURRENT_SALES


def _sale(actor: Actor, channel_id: int, **kw: Any) -> Order:
    return order_create(actor=actor, channel_id=channel_id, lines=LINES, **kw).order


def test_numbering_continues_above_numbers_written_without_the_sequence(owner: Actor) -> None:
    channel = SalesChannelFactory(workspace=owner.workspace)
    now = timezone.now()
    prefix = f"ST-{timezone.localtime(now):%y%m}-"
    # Orders written by an import or the seeder: no sequence row yet.
    for number in (f"{prefix}000007", f"{prefix}000041", f"{prefix}000009-2", "ST-0001-999999"):
        OrderFactory(workspace=owner.workspace, channel=channel, number=number, placed_at=now)
    assert _sale(owner, channel.pk, placed_at=now).number == f"{prefix}000042"
    # One written behind the sequence's back after it exists is skipped, not reused.
    OrderFactory(workspace=owner.workspace, channel=channel, number=f"{prefix}000043")
    assert _sale(owner, channel.pk, placed_at=now).number == f"{prefix}000044"
    assert OrderSequence.objects.get(workspace=owner.workspace, prefix=prefix).last == 44
    # Another workspace has its own sequence.
    other = actor_for_membership(MembershipFactory())
    other_channel = SalesChannelFactory(workspace=other.workspace)
    assert _sale(other, other_channel.pk, placed_at=now).number == f"{prefix}000001"


def test_a_number_given_twice_is_a_clear_error(owner: Actor) -> None:
    channel = SalesChannelFactory(workspace=owner.workspace)
    _sale(owner, channel.pk, number="POS-1")
    with pytest.raises(ApplicationError) as err:
        _sale(owner, channel.pk, number="POS-1")
    assert err.value.code == "order_number_exists"
    assert err.value.details == {"field": "number"}
    assert Order.objects.filter(workspace=owner.workspace).count() == 1


@pytest.mark.django_db(transaction=True)
def test_migration_renumbers_existing_duplicates_before_the_constraint() -> None:
    before = [("commerce", "0006_purchase_lines")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        Workspace = apps.get_model("core", "Workspace")
        SalesChannel = apps.get_model("commerce", "SalesChannel")
        HistoricalOrder = apps.get_model("commerce", "Order")
        shop, other = Workspace.objects.create(name="ร้าน ก"), Workspace.objects.create(name="ข")
        ids: dict[str, int] = {}
        for key, workspace, number in [
            ("a1", shop, "ST-2611-000001"),
            ("a2", shop, "ST-2611-000001"),
            ("a3", shop, "ST-2611-000001"),
            ("taken", shop, "ST-2611-000001-3"),
            ("b1", shop, "ST-2611-000002"),
            ("b2", shop, "ST-2611-000002"),
            ("elsewhere", other, "ST-2611-000001"),
        ]:
            channel, _ = SalesChannel.objects.get_or_create(
                workspace=workspace, name="หน้าร้าน", defaults={"kind": "store"}
            )
            ids[key] = HistoricalOrder.objects.create(
                workspace=workspace, channel=channel, number=number, placed_at=timezone.now()
            ).pk
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    numbers = dict(Order.objects.values_list("pk", "number"))
    assert {key: numbers[pk] for key, pk in ids.items()} == {
        "a1": "ST-2611-000001",  # the oldest keeps its number
        "a2": "ST-2611-000001-2",
        "a3": "ST-2611-000001-4",  # -3 was in use
        "taken": "ST-2611-000001-3",
        "b1": "ST-2611-000002",
        "b2": "ST-2611-000002-2",
        "elsewhere": "ST-2611-000001",  # unique per workspace only
    }
