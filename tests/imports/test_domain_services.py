"""Imports write through the domains' bulk services: their subscribers and checks apply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from samphan.commerce.bulk import LineRow, OrderInput, orders_bulk_record
from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.roles import Role
from samphan.core.sink import RowSink
from samphan.customers.duplicates import duplicate_list
from samphan.customers.models import Customer
from samphan.customers.services import customer_create
from samphan.imports.models import ImportJob
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db


def test_an_imported_customer_who_duplicates_an_existing_one_is_listed_after_the_import(
    owner: Actor,
    run_file: Callable[..., ImportJob],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Same name as a row of customers.csv, its phone one digit off (a typo): the import creates a
    # second record. (A name alone is never proposed.)
    existing = customer_create(
        actor=owner, first_name="สมหญิง", last_name="ใจดี", contacts=[("phone", "0813596921")]
    ).customer
    assert not duplicate_list(actor=owner).exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_file("customers.csv", "customers")
    imported = Customer.objects.get(
        workspace=owner.workspace, first_name="สมหญิง", contacts__value="+66813596920"
    )
    pairs = {(c.customer_a_id, c.customer_b_id) for c in duplicate_list(actor=owner)}
    assert tuple(sorted((existing.pk, imported.pk))) in pairs


def _order(channel: SalesChannel, **kw: Any) -> OrderInput:
    return replace(
        OrderInput(
            channel_id=channel.pk,
            number="IMP-1",
            placed_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC),
            status="paid",
            lines=[LineRow("LATTE", "ลาเต้", 2, 6500)],
            external_id="IMP-1",
        ),
        **kw,
    )


def test_staff_limited_to_a_branch_cannot_record_orders_in_another(
    owner: Actor, channels: dict[str, SalesChannel]
) -> None:
    mine = BranchFactory(workspace=owner.workspace)
    other = BranchFactory(workspace=owner.workspace)
    staff = replace(owner, role=Role.STAFF, branch_ids=frozenset({mine.pk}))
    store = channels["store"]
    with pytest.raises(ApplicationError) as exc:
        orders_bulk_record(actor=staff, sink=RowSink(), orders=[_order(store, branch_id=other.pk)])
    assert exc.value.code == "branch_not_found"
    assert not Order.objects.filter(workspace=owner.workspace).exists()
    orders_bulk_record(actor=staff, sink=RowSink(), orders=[_order(store, branch_id=mine.pk)])
    order = Order.objects.get(workspace=owner.workspace)
    assert (order.branch_id, order.total_satang) == (mine.pk, 13000)


def test_orders_cannot_go_to_a_switched_off_or_foreign_channel(
    owner: Actor, channels: dict[str, SalesChannel]
) -> None:
    store = channels["store"]
    store.is_active = False
    store.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError) as exc:
        orders_bulk_record(actor=owner, sink=RowSink(), orders=[_order(store)])
    assert exc.value.code == "channel_inactive"
    foreign = SalesChannel.objects.create(
        workspace=BranchFactory().workspace, kind="store", name="อื่น"
    )
    with pytest.raises(ApplicationError) as exc:
        orders_bulk_record(actor=owner, sink=RowSink(), orders=[_order(foreign)])
    assert exc.value.code == "channel_not_found"
    assert not Order.objects.filter(workspace=owner.workspace).exists()
