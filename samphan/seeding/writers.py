"""The seeder's writes: one generated chunk through the domains' bulk services, as an import's.

Each chunk is one transaction (a savepoint inside a caller's, e.g. a test's):

* ``customers_bulk_create``: the customers, each with its ``customer.created`` event (source
  ``seed``) at the moment they joined;
* ``contacts_bulk_add``: their phone, e-mail and LINE contact points, given when they joined;
* ``orders_bulk_record``: the orders with their lines, each with its ``order.placed`` event.

The services check what they check for anyone (permission, the workspace's active channels,
its branches, the choices) and write the big tables and the timeline rows through one
:class:`samphan.core.sink.RowSink` (``executemany`` on SQLite, ``COPY`` on PostgreSQL).
``deliveries_gathered`` hands each subscriber the chunk's events at once: commerce's purchase
summaries and lifecycle stages inside the transaction, the duplicate rescan after the commit
(or, inside the runner's ``deliveries_deferred``, once at the end of the seed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from samphan.commerce.bulk import LineRow, OrderInput, orders_bulk_record
from samphan.core.access import Actor
from samphan.core.models import Workspace
from samphan.core.roles import Role
from samphan.core.sink import RowSink
from samphan.customers.bulk import ContactInput, contacts_bulk_add, customers_bulk_create
from samphan.seeding.generator import CUSTOMER_COLUMNS, Chunk, Column, Columns
from samphan.timeline.publish import deliveries_gathered, sink_writer

SOURCE = "seed"  # customer.created's source: "Demo data" on the timeline


@dataclass(frozen=True)
class SeedActor(Actor):
    """The seeder: it may do what an owner may (it builds the whole shop), but it is nobody,
    so its timeline rows and audit entries name no one."""

    @property
    def label(self) -> str:
        return ""


def seed_actor(workspace: Workspace) -> Actor:
    return SeedActor(workspace=workspace, role=Role.OWNER)


def chunk_write(*, actor: Actor, sink: RowSink, chunk: Chunk) -> None:
    """Write one chunk in one transaction; its subscribers run once for the whole chunk."""
    with transaction.atomic(), deliveries_gathered(write_rows=sink_writer(sink)):
        ids = customers_bulk_create(
            actor=actor,
            sink=sink,
            customers=customers_input(chunk.customers),
            now=timezone.now(),  # unused: every customer says when they joined
            source=SOURCE,
        )
        customer_ids = np.array(ids, dtype=np.int64)
        # The generator's values are contact_normalize's output (it checks a share of them).
        contacts_bulk_add(
            actor=actor,
            sink=sink,
            contacts=contacts_input(chunk.contacts, customer_ids),
            normalized=True,
        )
        orders_bulk_record(
            actor=actor, sink=sink, orders=orders_input(chunk.orders, chunk.lines, customer_ids)
        )


# --- columns → the services' inputs -------------------------------------------------------------


def datetimes(seconds: np.ndarray) -> list[dt.datetime]:
    """Aware UTC datetimes of int64 seconds since the epoch."""
    utc = dt.UTC
    return [dt.datetime.fromtimestamp(s, utc) for s in seconds.tolist()]


def _values(column: Column) -> list[Any]:
    """Python values of a column (``datetime64[D]`` → dates, NaT → None)."""
    if isinstance(column, np.ndarray):
        values: list[Any] = column.tolist()
        return values
    return column


def customers_input(customers: Columns) -> list[dict[str, Any]]:
    names = (*CUSTOMER_COLUMNS, "created_at")
    columns = [_values(customers[name]) for name in CUSTOMER_COLUMNS]
    columns.append(datetimes(np.asarray(customers["created_at"])))
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def contacts_input(contacts: Columns, customer_ids: np.ndarray) -> list[ContactInput]:
    return list(
        map(
            ContactInput,
            customer_ids[contacts["customer"]].tolist(),
            contacts["kind"],
            contacts["value"],
            repeat(True),  # a new customer's: its customer.created says it all
            datetimes(np.asarray(contacts["created_at"])),
        )
    )


def orders_input(orders: Columns, lines: Columns, customer_ids: np.ndarray) -> list[OrderInput]:
    rows = list(
        map(
            LineRow,
            lines["sku"],
            lines["name"],
            _values(lines["quantity"]),
            _values(lines["unit_price_satang"]),
        )
    )
    ends = np.cumsum(orders["lines"]).tolist()
    starts = [0, *ends[:-1]]
    return [
        OrderInput(
            channel_id=channel_id, number=number, placed_at=placed_at, status=status,
            lines=rows[start:end], customer_id=customer_id, branch_id=branch_id,
            external_id=external_id, payment_method=payment, coupon_code=coupon,
            discount_satang=discount, shipping_satang=shipping,
        )
        for (channel_id, number, placed_at, status, start, end, customer_id, branch_id,
             external_id, payment, coupon, discount, shipping) in zip(
            _values(orders["channel_id"]), orders["number"],
            datetimes(np.asarray(orders["placed_at"])), orders["status"], starts, ends,
            customer_ids[orders["customer"]].tolist(), orders["branch_id"],
            orders["external_id"], orders["payment_method"], orders["coupon_code"],
            _values(orders["discount_satang"]), _values(orders["shipping_satang"]), strict=True,
        )
    ]  # fmt: skip
