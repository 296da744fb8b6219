"""Writing a plan, in the caller's transaction, through the domains' bulk services only:

* new customers (``customers_bulk_create``, ``customer.created`` with ``source: import``) and
  their contacts (``contacts_bulk_add``: the first of each kind is primary);
* contacts added to existing customers (``contact.added``); profile and tag changes
  (``customers_bulk_update``: one ``customer.updated`` per customer); consent decisions
  (``consents_bulk_record``: ``consent.changed``);
* orders with their lines (``orders_bulk_record``: ``order.placed``; the purchase summaries and
  lifecycle stages follow from those events) and status changes of existing orders
  (``order_statuses_bulk_change``: ``order.status_changed``).

The services write the big tables through ``samphan.core.sink.RowSink`` (plain tuples;
``executemany`` or ``COPY``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from samphan.commerce.bulk import (
    LineRow,
    OrderInput,
    StatusChange,
    order_statuses_bulk_change,
    orders_bulk_record,
)
from samphan.commerce.models import SalesChannel
from samphan.core.access import Actor
from samphan.core.sink import RowSink
from samphan.customers.bulk import (
    ConsentInput,
    ContactInput,
    ProfileChange,
    consents_bulk_record,
    contacts_bulk_add,
    customers_bulk_create,
    customers_bulk_update,
)
from samphan.imports.plan import Person, Plan
from samphan.timeline.publish import deliveries_gathered, sink_writer

Tick = Callable[[str, int, int], None]


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
        self.plan = plan
        self.channels = channels
        self.now = now
        self.evidence = evidence
        self.tick = tick
        self.sink = RowSink()

    def run(self) -> None:
        total = max(len(self.plan.persons_new) + len(self.plan.orders), 1)
        with deliveries_gathered(write_rows=sink_writer(self.sink)):
            self._customers_new(total)
            self._customers_existing()
            self._contacts()
            self._consents()
            self._orders(total, done_before=len(self.plan.persons_new))

    def _persons(self) -> list[Person]:
        return [*self.plan.persons_new, *self.plan.persons_existing.values()]

    def _customers_new(self, total: int) -> None:
        persons = self.plan.persons_new
        ids = customers_bulk_create(
            actor=self.actor,
            sink=self.sink,
            customers=[p.values for p in persons],
            now=self.now,
            source="import",
            progress=lambda done: self.tick("writing", done, total),
        )
        for person, pk in zip(persons, ids, strict=True):
            person.pk = pk

    def _customers_existing(self) -> None:
        updates = []
        for person in self._persons():
            assert person.pk is not None
            if person.is_new and not person.tags_add:
                continue
            updates.append(
                ProfileChange(
                    customer_id=person.pk,
                    changes={} if person.is_new else person.changes,
                    before=person.before,
                    tags_before=person.tags_before,
                    tags_add=person.tags_add,
                    new_customer=person.is_new,
                )
            )
        customers_bulk_update(
            actor=self.actor, sink=self.sink, updates=updates, tag_ids=self.plan.tag_ids
        )

    def _contacts(self) -> None:
        contacts = []
        for person in self._persons():
            assert person.pk is not None
            for kind, value in person.contacts_new:
                contacts.append(ContactInput(person.pk, kind, value, new_customer=person.is_new))
        # The cell parsers (values.py) gave every value through contact_normalize already.
        contacts_bulk_add(actor=self.actor, sink=self.sink, contacts=contacts, normalized=True)

    def _consents(self) -> None:
        decisions = []
        for person in self._persons():
            assert person.pk is not None
            for purpose, granted in person.consents_record.items():
                decisions.append(
                    ConsentInput(
                        person.pk, purpose, granted, f"{self.evidence}, line {person.line}"
                    )
                )
        consents_bulk_record(
            actor=self.actor, sink=self.sink, decisions=decisions, now=self.now, source="import"
        )

    def _orders(self, total: int, *, done_before: int) -> None:
        kind = self.plan.kind
        new = [d for d in self.plan.orders if d.existing_id is None]
        orders = []
        for draft in new:
            _subtotal, discount, shipping, paid = draft.amounts(kind)
            orders.append(
                OrderInput(
                    channel_id=draft.channel_id,
                    number=draft.number,
                    placed_at=draft.placed_at,
                    status=draft.status,
                    lines=[LineRow(i.sku, i.name, i.quantity, i.unit_price) for i in draft.items],
                    customer_id=draft.person.pk if draft.person is not None else None,
                    branch_id=draft.branch_id,
                    external_id=draft.key,
                    payment_method=draft.payment_method,
                    coupon_code=draft.coupon_code,
                    discount_satang=discount,
                    shipping_satang=shipping,
                    total_satang=paid,
                )
            )
        ids = orders_bulk_record(
            actor=self.actor,
            sink=self.sink,
            orders=orders,
            progress=lambda done: self.tick("writing", done_before + done, total),
        )
        for draft, pk in zip(new, ids, strict=True):
            draft.pk = pk
        changes = [
            StatusChange(d.existing_id, d.status)
            for d in self.plan.orders
            if d.existing_id is not None
        ]
        order_statuses_bulk_change(actor=self.actor, sink=self.sink, changes=changes)
