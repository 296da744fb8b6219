"""Deciding what an import does, without writing: who each row is, which orders are new.

The rules are the services' rules, applied to a whole file at once:

* A customer is found by any of their contacts, tried in the row's order (marketplace
  username, then phone, then email for order files), as ``customer_create`` does; contacts not
  yet known are attached to the customer found (a contact that already belongs to someone else
  stays where it is). A masked phone (``******920``) is never a contact, so two buyers who share
  a masked number stay two customers.
* Customers files only: a row with no contact at all matches a customer who also has no
  contact and the same first name, last name and nickname, so importing such a file twice does
  not make duplicates. Order files never match on names: a buyer with no usable identity gives an
  order without a customer.
* An order is new unless the workspace has one with the same channel and external id (as
  ``order_create``). An existing order is left as it is, except that a changed status (a
  marketplace order cancelled or returned since the last export) is updated.
* Several rows about one customer are merged before comparing with the database (later
  non-empty cells win), so the same file imported twice changes nothing the second time.

The plan is made from drafts held in memory (compact: one small object per order item) and a
few batched queries; ``apply.py`` then writes it, and the preview reports it as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from samphan.commerce.models import Order
from samphan.commerce.numbering import order_numbers_free
from samphan.core.models import Workspace
from samphan.customers.models import (
    AcquisitionSource,
    ConsentEvent,
    ContactPoint,
    Customer,
    Tag,
)
from samphan.imports.models import ImportKind
from samphan.imports.rows import UNPAID, Buyer, CustomerRow, Item, OrderRow

CHUNK = 2000
T = TypeVar("T")

PROFILE_FIELDS = ("title", "first_name", "last_name", "nickname", "gender", "birthday", "province")


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(slots=True, eq=False)
class Person:
    """A customer the import touches: an existing one (``pk`` known) or a new one."""

    pk: int | None
    is_new: bool
    line: int
    values: dict[str, Any] = field(default_factory=dict)  # new: all fields; else: proposed
    contacts_new: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    consents: dict[str, bool] = field(default_factory=dict)
    # Filled when the plan is finished (existing customers):
    before: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    tags_before: list[str] = field(default_factory=list)
    tags_add: list[str] = field(default_factory=list)
    consents_record: dict[str, bool] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.contacts_new or self.changes or self.tags_add or self.consents_record)


@dataclass(slots=True, eq=False)
class OrderDraft:
    """The rows of one order, grouped (Lazada: one row per unit → quantities per item)."""

    channel_id: int
    key: str
    number: str
    first_line: int
    placed_at: dt.datetime
    status: str
    buyer: Buyer | None
    items: list[Item]
    rows: int = 1
    masked_phone: bool = False
    unknown_status: str = ""
    branch_id: int | None = None
    payment_method: str = ""
    coupon_code: str = ""
    discount: int | None = None
    shipping: int | None = None
    total: int | None = None
    paid_sum: int | None = None
    # Decided by the plan:
    existing_id: int | None = None
    existing_status: str = ""
    existing_customer_id: int | None = None
    existing_total: int = 0
    person: Person | None = None
    pk: int | None = None

    def amounts(self, kind: str) -> tuple[int, int, int, int]:
        """(subtotal, discount, shipping, total) in satang, by each marketplace's rules."""
        subtotal = sum(i.quantity * i.unit_price for i in self.items)
        shipping = self.shipping or 0
        if kind == ImportKind.LAZADA and self.paid_sum is not None:
            # paidPrice is per unit, after every discount; shippingFee is per unit too.
            discount = max(subtotal - self.paid_sum, 0)
            return subtotal, discount, shipping, subtotal - discount + shipping
        if self.total is not None:
            # The order's own total (Shopee's grand total, TikTok's Order Amount, given once per
            # order and repeated on each row) is what the buyer paid; the discount is the rest.
            return subtotal, max(subtotal + shipping - self.total, 0), shipping, self.total
        discount = self.discount or 0
        return subtotal, discount, shipping, subtotal - discount + shipping


class OrderGroups:
    """Collects order rows into orders as the file streams by."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.orders: dict[tuple[int, str], OrderDraft] = {}
        self.rejected: set[str] = set()  # order keys with a bad row: the whole order is left out
        self._strings: dict[str, str] = {}

    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def add(self, row: OrderRow) -> None:
        item = row.item
        item.name, item.sku = self._intern(item.name), self._intern(item.sku)
        key = (row.channel_id, row.key)
        draft = self.orders.get(key)
        if draft is None:
            self.orders[key] = OrderDraft(
                channel_id=row.channel_id, key=row.key, number=row.number,
                first_line=row.line, placed_at=row.placed_at, status=row.status,
                buyer=row.buyer, items=[item], masked_phone=row.masked_phone,
                unknown_status=row.unknown_status, branch_id=row.branch_id,
                payment_method=row.payment_method, coupon_code=row.coupon_code,
                discount=row.discount, shipping=row.shipping, total=row.total,
                paid_sum=row.paid,
            )  # fmt: skip
            return
        draft.rows += 1
        draft.masked_phone = draft.masked_phone or row.masked_phone
        if draft.buyer is None:
            draft.buyer = row.buyer
        if self.kind == ImportKind.LAZADA:
            # One row per unit: the same item again is one more of it, and amounts add up.
            for existing in draft.items:
                if (existing.sku, existing.name, existing.unit_price) == (
                    item.sku, item.name, item.unit_price,
                ):  # fmt: skip
                    existing.quantity += item.quantity
                    break
            else:
                draft.items.append(item)
            if row.shipping is not None:
                draft.shipping = (draft.shipping or 0) + row.shipping
            if row.paid is not None:
                draft.paid_sum = (draft.paid_sum or 0) + row.paid
            return
        draft.items.append(item)
        # Order-level cells repeat on every row (TikTok's Order Amount, Shopee's totals): the
        # first value counts, they are never added up.
        for name in ("discount", "shipping", "total", "branch_id"):
            if getattr(draft, name) is None:
                setattr(draft, name, getattr(row, name))
        for name in ("payment_method", "coupon_code"):
            if not getattr(draft, name):
                setattr(draft, name, getattr(row, name))

    def reject(self, key: str) -> None:
        self.rejected.add(key)

    def good(self) -> list[OrderDraft]:
        return [d for (_ch, key), d in self.orders.items() if key not in self.rejected]

    def rejected_count(self) -> int:
        return len(self.rejected - {""})


@dataclass
class Plan:
    kind: str
    persons_new: list[Person] = field(default_factory=list)
    persons_existing: dict[int, Person] = field(default_factory=dict)
    orders: list[OrderDraft] = field(default_factory=list)
    tag_ids: dict[str, int] = field(default_factory=dict)  # casefolded name → id
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by


class Planner:
    """Resolves identities and orders against the database (reads only)."""

    def __init__(self, workspace: Workspace, kind: str) -> None:
        self.workspace = workspace
        self.kind = kind
        self.plan = Plan(kind=kind)
        self.ident: dict[tuple[str, str], Person] = {}
        self.by_name: dict[tuple[str, str, str], Person] = {}

    # --- identities --------------------------------------------------------------------------

    def load_contacts(self, keys: Iterable[tuple[str, str]]) -> None:
        by_kind: dict[str, set[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, set()).add(value)
        existing = self.plan.persons_existing
        for kind, values in by_kind.items():
            for batch in chunks(sorted(values)):
                rows = ContactPoint.objects.filter(
                    workspace=self.workspace, kind=kind, value__in=batch
                ).values_list("value", "customer_id")
                for value, customer_id in rows:
                    person = existing.get(customer_id)
                    if person is None:
                        person = existing[customer_id] = Person(
                            pk=customer_id, is_new=False, line=0
                        )
                    self.ident[(kind, value)] = person

    def load_contactless(self, rows: list[CustomerRow]) -> None:
        """Existing customers with no contact at all, by name (customers files only)."""
        firsts = {r.values.get("first_name", "") for r in rows if not r.contacts}
        existing = self.plan.persons_existing
        for batch in chunks(sorted(firsts)):
            qs = (
                Customer.objects.filter(
                    workspace=self.workspace,
                    merged_into__isnull=True,
                    contacts__isnull=True,
                    first_name__in=batch,
                )
                .order_by("pk")
                .values_list("pk", "first_name", "last_name", "nickname")
            )
            for pk, first, last, nickname in qs:
                key = (first.casefold(), last.casefold(), nickname.casefold())
                if key not in self.by_name:
                    person = existing.get(pk) or Person(pk=pk, is_new=False, line=0)
                    existing[pk] = person
                    self.by_name[key] = person

    def resolve(
        self, contacts: list[tuple[str, str]], line: int, name_key: tuple[str, str, str] | None
    ) -> tuple[Person, bool]:
        """The person these contacts (or, with none, this name) belong to; (person, is new)."""
        person = next((self.ident[c] for c in contacts if c in self.ident), None)
        if person is None and not contacts and name_key is not None:
            person = self.by_name.get(name_key)
        created = False
        if person is None:
            person = Person(pk=None, is_new=True, line=line)
            self.plan.persons_new.append(person)
            created = True
            if not contacts and name_key is not None:
                self.by_name[name_key] = person
        for contact in contacts:
            if contact not in self.ident:
                self.ident[contact] = person
                person.contacts_new.append(contact)
        if person.line == 0:
            person.line = line
        return person, created

    # --- customers files ---------------------------------------------------------------------

    def plan_customers(self, rows: list[CustomerRow]) -> Plan:
        self.load_contacts(c for r in rows for c in r.contacts)
        self.load_contactless(rows)
        for row in rows:
            name_key = None
            if not row.contacts:
                v = row.values
                name_key = (
                    v.get("first_name", "").casefold(),
                    v.get("last_name", "").casefold(),
                    v.get("nickname", "").casefold(),
                )
            person, _created = self.resolve(row.contacts, row.line, name_key)
            person.values.update(row.values)  # later non-empty cells win
            for tag in row.tags:
                if tag.casefold() not in {t.casefold() for t in person.tags}:
                    person.tags.append(tag)
            person.consents.update(row.consents)
        self._finish_existing_customers()
        self._plan_tags()
        self._count_persons()
        return self.plan

    def _finish_existing_customers(self) -> None:
        touched = {pk: p for pk, p in self.plan.persons_existing.items() if p.line}
        self.plan.persons_existing = touched
        ids = sorted(touched)
        for batch in chunks(ids):
            for row in Customer.objects.filter(pk__in=batch).values("pk", *PROFILE_FIELDS):
                person = touched[row["pk"]]
                for name, value in person.values.items():
                    if row[name] != value:
                        person.before[name] = row[name]
                        person.changes[name] = value
            tags: dict[int, list[str]] = {}
            through = Customer.tags.through.objects.filter(customer_id__in=batch)
            for customer_id, name in through.values_list("customer_id", "tag__name"):
                tags.setdefault(customer_id, []).append(name)
            latest: dict[tuple[int, str], bool] = {}
            consents = ConsentEvent.objects.filter(customer_id__in=batch).order_by(
                "customer_id", "purpose", "-recorded_at", "-id"
            )
            for customer_id, purpose, granted in consents.values_list(
                "customer_id", "purpose", "granted"
            ):
                latest.setdefault((customer_id, purpose), granted)
            for pk in batch:
                person = touched[pk]
                person.tags_before = sorted(tags.get(pk, []), key=str.casefold)
                have = {t.casefold() for t in person.tags_before}
                person.tags_add = [t for t in person.tags if t.casefold() not in have]
                person.consents_record = {
                    purpose: granted
                    for purpose, granted in person.consents.items()
                    if latest.get((pk, purpose)) is not granted
                }
        for person in self.plan.persons_new:
            person.tags_add = list(person.tags)
            person.consents_record = dict(person.consents)

    def _plan_tags(self) -> None:
        wanted = {t.casefold() for p in self._persons() for t in p.tags_add}
        if not wanted:
            return
        for pk, name in Tag.objects.filter(workspace=self.workspace).values_list("pk", "name"):
            if name.casefold() in wanted:
                self.plan.tag_ids.setdefault(name.casefold(), pk)

    def _persons(self) -> Iterator[Person]:
        yield from self.plan.persons_new
        yield from self.plan.persons_existing.values()

    def _count_persons(self) -> None:
        plan = self.plan
        plan.counts["customers_created"] = len(plan.persons_new)
        updated = sum(1 for p in plan.persons_existing.values() if p.changed)
        plan.counts["customers_updated"] = updated
        plan.counts["customers_unchanged"] = len(plan.persons_existing) - updated

    # --- orders ------------------------------------------------------------------------------

    def plan_orders(self, groups: OrderGroups) -> Plan:
        plan = self.plan
        drafts = groups.good()
        by_channel: dict[int, dict[str, OrderDraft]] = {}
        for d in drafts:
            by_channel.setdefault(d.channel_id, {})[d.key] = d
        for channel_id, keyed in by_channel.items():
            if channel_id <= 0:
                continue  # a channel that the import would add: nothing can exist in it yet
            for batch in chunks(sorted(keyed)):
                found = Order.objects.filter(
                    workspace=self.workspace, channel_id=channel_id, external_id__in=batch
                ).values_list("external_id", "pk", "status", "customer_id", "total_satang")
                for external_id, pk, status, customer_id, total in found:
                    d = keyed[str(external_id)]
                    d.existing_id, d.existing_status = pk, status
                    d.existing_customer_id, d.existing_total = customer_id, total
        new = [d for d in drafts if d.existing_id is None and d.status != UNPAID]
        self.load_contacts(c for d in new if d.buyer for c in d.buyer.contacts)
        source = "" if self.kind == ImportKind.ORDERS else AcquisitionSource.MARKETPLACE
        for d in drafts:
            if d.existing_id is not None:
                if d.status != UNPAID and d.status != d.existing_status:
                    plan.orders.append(d)
                    plan.bump("orders_updated")
                else:
                    plan.bump("orders_unchanged")
                continue
            if d.status == UNPAID:
                plan.bump("orders_unpaid")
                continue
            if d.buyer is not None:
                person, created = self.resolve(d.buyer.contacts, d.first_line, None)
                if created:
                    b = d.buyer
                    person.values = {
                        "title": b.title, "first_name": b.first_name, "last_name": b.last_name,
                        "province": b.province, "acquisition_source": source,
                    }  # fmt: skip
                d.person = person
            else:
                plan.bump("orders_without_customer")
            plan.orders.append(d)
            plan.bump("orders_created")
            plan.bump("lines_created", len(d.items))
            if d.masked_phone:
                plan.bump("masked_phones")
            if d.unknown_status:
                plan.bump("unknown_status")
        adding = [d for d in plan.orders if d.existing_id is None]
        free = order_numbers_free(workspace=self.workspace, numbers=[d.number for d in adding])
        for d, number in zip(adding, free, strict=True):
            d.number = number
        plan.counts["orders_rejected"] = groups.rejected_count()
        plan.persons_existing = {pk: p for pk, p in plan.persons_existing.items() if p.contacts_new}
        plan.counts["customers_created"] = len(plan.persons_new)
        plan.counts["customers_updated"] = len(plan.persons_existing)
        matched = {d.person.pk for d in plan.orders if d.person is not None and not d.person.is_new}
        plan.counts["customers_matched"] = len(matched)
        return plan
