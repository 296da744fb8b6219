"""Writing a plan: batched inserts, in the caller's transaction.

What is written is what the services write for the same input, in bulk:

* new customers (``customer_create``), their contacts (the first of each kind is primary, as
  ``_attach`` does) and a ``customer.created`` event with ``source: import``;
* contacts added to existing customers, each with a ``contact.added`` event; profile and tag
  changes (customers files) with one ``customer.updated`` event per customer, as
  ``customer_update`` writes it; consent decisions appended to the ledger with
  ``consent.changed`` events;
* orders with their lines (``order_create``: subtotal = Σ quantity × unit price, total =
  subtotal − discount + shipping unless the file gives the order's total), linked to a catalogue
  product when the SKU is known, and an ``order.placed`` event for orders with a customer;
* status changes of existing orders with ``order.status_changed`` events;
* finally the cached purchase summary of every customer touched
  (``customer_summaries_refresh``).

The payloads of the events are those of ``samphan.timeline.events`` (whose writers create one
row at a time). Customers, contact points, orders, order lines and timeline events, the tables
that grow with the file, go through ``sink.RowSink`` (plain tuples; ``executemany`` or
``COPY``); the small rest through the ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import models

from samphan.commerce.events import OrderPlaced, OrderStatusChanged
from samphan.commerce.models import Order, OrderLine, Product, SalesChannel
from samphan.commerce.services import customer_summaries_refresh
from samphan.core.access import Actor
from samphan.customers.events import ConsentChanged, ContactAdded, CustomerCreated, CustomerUpdated
from samphan.customers.models import ConsentEvent, ContactPoint, Customer, Tag
from samphan.imports.plan import CHUNK, OrderDraft, Person, Plan, chunks
from samphan.imports.sink import RowSink
from samphan.timeline.models import TimelineEvent

ORDER_BATCH = 2000
SUMMARY_BATCH = 1000
EVENT_BUFFER = 10000

Tick = Callable[[str, int, int], None]


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


class _Table:
    """Rows of one model: the columns the importer fills, then every other column with its
    default (``auto_now_add`` → now), so that a field added to the model later still gets a
    value here."""

    def __init__(self, sink: RowSink, model: type[models.Model], given: tuple[str, ...]) -> None:
        self.sink, self.model = sink, model
        rest: list[str] = []
        constants: list[Any] = []
        now = dt.datetime.now(dt.UTC)
        for field in model._meta.concrete_fields:
            if field.column is None or field.column in given or field.primary_key:
                continue  # a primary key not given is the database's to assign
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                value: Any = sink.datetime(now)
            elif field.has_default() or not field.has_db_default():
                value = field.get_db_prep_save(field.get_default(), sink.connection)
            else:
                continue  # only a database default: leave the column to it
            rest.append(field.column)
            constants.append(value)
        self.columns = (*given, *rest)
        self.constants = tuple(constants)
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values + self.constants)

    def flush(self) -> None:
        if self.rows:
            self.sink.insert(self.model, self.columns, self.rows)
            self.rows = []


class Applier:
    def __init__(
        self,
        *,
        actor: Actor,
        plan: Plan,
        channels: dict[int, SalesChannel],
        now: dt.datetime,
        evidence: str,
        tick: Tick,
    ) -> None:
        self.actor = actor
        self.workspace_id = actor.workspace.pk
        self.user_id = actor.user.pk if actor.user is not None and actor.user.pk else None
        self.plan = plan
        self.channels = channels
        self.now = now
        self.evidence = evidence
        self.tick = tick
        self.sink = RowSink()
        self.events = _Table(
            self.sink,
            TimelineEvent,
            ("workspace_id", "customer_id", "type", "occurred_at", "actor_id", "actor_label",
             "payload", "links"),
        )  # fmt: skip
        self.touched: set[int] = set()

    # --- events ------------------------------------------------------------------------------

    def event(
        self,
        customer_id: int,
        type: str,
        payload: dict[str, Any],
        links: dict[str, Any] | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> None:
        sink = self.sink
        self.events.add(
            self.workspace_id,
            customer_id,
            type,
            sink.datetime(occurred_at or self.now),
            self.user_id,
            self.actor.label,
            sink.json(payload),
            sink.json(links or {}),
        )
        if len(self.events.rows) >= EVENT_BUFFER:
            self.events.flush()

    # --- the whole plan ----------------------------------------------------------------------

    def run(self) -> None:
        total_steps = max(len(self.plan.persons_new) + len(self.plan.orders), 1)
        self._customers_new(total_steps)
        self._customers_existing()
        self._contacts()
        self._tags()
        self._consents()
        self._orders(total_steps, done_before=len(self.plan.persons_new))
        self.events.flush()
        self._summaries()

    def _customers_new(self, total_steps: int) -> None:
        persons = self.plan.persons_new
        sink = self.sink
        ids = sink.reserve_ids(Customer, len(persons))
        table = _Table(
            sink,
            Customer,
            ("id", "workspace_id", "created_at", "title", "first_name", "last_name", "nickname",
             "gender", "birthday", "province", "acquisition_source"),
        )  # fmt: skip
        created_at = sink.datetime(self.now)
        for done, (person, pk) in enumerate(zip(persons, ids, strict=True), 1):
            person.pk = pk
            v = person.values
            table.add(
                pk, self.workspace_id, created_at, v.get("title", ""), v.get("first_name", ""),
                v.get("last_name", ""), v.get("nickname", ""), v.get("gender", ""),
                sink.date(v.get("birthday")), v.get("province", ""),
                v.get("acquisition_source", ""),
            )  # fmt: skip
            self.event(pk, CustomerCreated.type, {"source": "import"})
            if len(table.rows) >= ORDER_BATCH:
                table.flush()
                self.tick("writing", done, total_steps)
        table.flush()
        self.tick("writing", len(persons), total_steps)

    def _customers_existing(self) -> None:
        groups: dict[tuple[str, ...], list[Customer]] = {}
        for person in self.plan.persons_existing.values():
            assert person.pk is not None
            if person.changes:
                fields = tuple(sorted(person.changes))
                groups.setdefault(fields, []).append(Customer(pk=person.pk, **person.changes))
            changes = {
                name: {"from": _jsonable(person.before.get(name)), "to": _jsonable(value)}
                for name, value in person.changes.items()
            }
            if person.tags_add:
                after = sorted([*person.tags_before, *person.tags_add], key=str.casefold)
                changes["tags"] = {"from": person.tags_before, "to": after}
            if changes:
                self.event(
                    person.pk,
                    CustomerUpdated.type,
                    {"section": "profile", "changes": changes},
                )
        for fields, objs in groups.items():
            Customer.objects.bulk_update(objs, list(fields), batch_size=500)

    def _persons(self) -> list[Person]:
        return [*self.plan.persons_new, *self.plan.persons_existing.values()]

    def _contacts(self) -> None:
        existing_ids = [
            p.pk for p in self.plan.persons_existing.values() if p.contacts_new and p.pk is not None
        ]
        primary: set[tuple[int, str]] = set()
        for batch in chunks(existing_ids):
            primary.update(
                ContactPoint.objects.filter(customer_id__in=batch, is_primary=True).values_list(
                    "customer_id", "kind"
                )
            )
        pending = [
            (person, kind, value)
            for person in self._persons()
            for kind, value in person.contacts_new
        ]
        ids = self.sink.reserve_ids(ContactPoint, len(pending))
        table = _Table(
            self.sink,
            ContactPoint,
            ("id", "workspace_id", "customer_id", "kind", "value", "is_primary"),
        )
        for (person, kind, value), pk in zip(pending, ids, strict=True):
            assert person.pk is not None
            is_primary = (person.pk, kind) not in primary
            primary.add((person.pk, kind))
            table.add(pk, self.workspace_id, person.pk, kind, value, is_primary)
            if not person.is_new:
                self.event(
                    person.pk, ContactAdded.type, {"kind": kind, "value": value},
                    {"contact": pk},
                )  # fmt: skip
            if len(table.rows) >= 5 * CHUNK:
                table.flush()
        table.flush()

    def _tags(self) -> None:
        wanted: dict[str, str] = {}
        for person in self._persons():
            for name in person.tags_add:
                wanted.setdefault(name.casefold(), name)
        if not wanted:
            return
        ids = self.plan.tag_ids
        missing = [name for key, name in wanted.items() if key not in ids]
        if missing:
            Tag.objects.bulk_create(
                [Tag(workspace_id=self.workspace_id, name=name) for name in missing],
                ignore_conflicts=True,
            )
            for pk, name in Tag.objects.filter(
                workspace_id=self.workspace_id, name__in=missing
            ).values_list("pk", "name"):
                ids.setdefault(name.casefold(), pk)
        Through = Customer.tags.through
        links = [
            Through(customer_id=person.pk, tag_id=ids[name.casefold()])
            for person in self._persons()
            for name in person.tags_add
        ]
        Through.objects.bulk_create(links, batch_size=CHUNK, ignore_conflicts=True)

    def _consents(self) -> None:
        rows: list[ConsentEvent] = []
        for person in self._persons():
            assert person.pk is not None
            for purpose, granted in person.consents_record.items():
                rows.append(
                    ConsentEvent(
                        workspace_id=self.workspace_id,
                        customer_id=person.pk,
                        purpose=purpose,
                        granted=granted,
                        notice_version="",
                        source="import",
                        evidence=f"{self.evidence}, line {person.line}"[:500],
                        recorded_at=self.now,
                        actor_id=self.user_id,
                    )
                )
        ConsentEvent.objects.bulk_create(rows, batch_size=CHUNK)
        for row in rows:
            self.event(
                row.customer_id,
                ConsentChanged.type,
                {"purpose": row.purpose, "granted": row.granted, "source": "import",
                 "notice_version": ""},
                {"consent": row.pk},
                occurred_at=row.recorded_at,
            )  # fmt: skip

    # --- orders ------------------------------------------------------------------------------

    def _products(self) -> dict[str, int]:
        skus = sorted({i.sku for d in self.plan.orders for i in d.items if i.sku})
        found: dict[str, int] = {}
        for batch in chunks(skus):
            found.update(
                Product.objects.filter(workspace_id=self.workspace_id, sku__in=batch).values_list(
                    "sku", "pk"
                )
            )
        return found

    def _orders(self, total_steps: int, *, done_before: int) -> None:
        kind = self.plan.kind
        sink = self.sink
        products = self._products()
        new = [d for d in self.plan.orders if d.existing_id is None]
        ids = sink.reserve_ids(Order, len(new))
        orders = _Table(
            sink,
            Order,
            ("id", "workspace_id", "customer_id", "channel_id", "branch_id", "number",
             "external_id", "status", "placed_at", "staff_id", "payment_method", "coupon_code",
             "subtotal_satang", "discount_satang", "shipping_satang", "total_satang"),
        )  # fmt: skip
        lines = _Table(
            sink,
            OrderLine,
            ("workspace_id", "order_id", "product_id", "sku", "name", "quantity",
             "unit_price_satang", "line_total_satang"),
        )  # fmt: skip
        for done, (draft, pk) in enumerate(zip(new, ids, strict=True), done_before + 1):
            draft.pk = pk
            subtotal, discount, shipping, total = draft.amounts(kind)
            customer_id = draft.person.pk if draft.person is not None else None
            orders.add(
                pk, self.workspace_id, customer_id, draft.channel_id, draft.branch_id,
                draft.number, draft.key, draft.status, sink.datetime(draft.placed_at),
                self.user_id, draft.payment_method, draft.coupon_code, subtotal, discount,
                shipping, total,
            )  # fmt: skip
            for item in draft.items:
                lines.add(
                    self.workspace_id, pk, products.get(item.sku), item.sku, item.name,
                    item.quantity, item.unit_price, item.quantity * item.unit_price,
                )  # fmt: skip
            if customer_id is not None:
                self.touched.add(customer_id)
                self.event(
                    customer_id,
                    OrderPlaced.type,
                    {"number": draft.number, "total_satang": total,
                     "channel": self.channels[draft.channel_id].name},
                    {"order": pk},
                    occurred_at=draft.placed_at,
                )  # fmt: skip
            if len(orders.rows) >= ORDER_BATCH:
                orders.flush()
                lines.flush()
                self.tick("writing", done, total_steps)
        orders.flush()
        lines.flush()
        self.tick("writing", done_before + len(new), total_steps)
        self._status_changes([d for d in self.plan.orders if d.existing_id is not None])

    def _status_changes(self, drafts: list[OrderDraft]) -> None:
        by_status: dict[str, list[int]] = {}
        for d in drafts:
            assert d.existing_id is not None
            by_status.setdefault(d.status, []).append(d.existing_id)
            if d.existing_customer_id is not None:
                self.touched.add(d.existing_customer_id)
                self.event(
                    d.existing_customer_id,
                    OrderStatusChanged.type,
                    {"number": d.number, "from": d.existing_status, "to": d.status,
                     "total_satang": d.existing_total},
                    {"order": d.existing_id},
                )  # fmt: skip
        for status, ids in by_status.items():
            for batch in chunks(ids):
                Order.objects.filter(workspace_id=self.workspace_id, pk__in=batch).update(
                    status=status
                )

    def _summaries(self) -> None:
        ids = sorted(self.touched)
        done = 0
        for batch in chunks(ids, SUMMARY_BATCH):
            customer_summaries_refresh(workspace=self.actor.workspace, customer_ids=batch)
            done += len(batch)
            self.tick("summaries", done, len(ids))
