"""Bulk writes of customers, for imports and the seeder: the same rules and the same events
as the single-row services (``customer_create``, ``contact_add``, ``consent_record``,
``customer_update``), for a whole file at once.

The tables that grow with a file (customers, contact points, timeline rows) are written through
a :class:`samphan.core.bulk.RowSink` as plain tuples (``executemany`` or ``COPY``); the small
rest through the ORM. Events are published in batches, so a subscriber sees a batch at a time.
Call inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.bulk import BulkTable, RowSink
from samphan.core.errors import ApplicationError
from samphan.core.models import Branch
from samphan.core.roles import Perm
from samphan.customers.contacts import contact_normalize
from samphan.customers.events import ConsentChanged, ContactAdded, CustomerCreated, CustomerUpdated
from samphan.customers.models import BehaviourType, ConsentEvent, ContactPoint, Customer, Tag
from samphan.customers.services.profile import PREFERRED_CHANNELS
from samphan.timeline.publish import publish, sink_writer
from samphan.timeline.registry import DomainEvent

CHUNK = 500
# Customers per publish: the after-commit duplicate rescan gets one publish's customers at a
# time, and its SQL grows with them (SQLite refuses an expression tree deeper than 1000).
EVENT_BATCH = 500
Progress = Callable[[int], None]

CUSTOMER_FIELDS = (
    "title", "first_name", "last_name", "nickname", "gender", "birthday", "province",
    "acquisition_source",
)  # fmt: skip
# What staff noted about a customer, beyond the profile a file gives (the seeder's customers
# have them); checked as ``customer_update`` checks them.
NOTED_FIELDS = ("home_branch_id", "behaviour_type", "preferred_channel")


def events_publish(events: list[DomainEvent], sink: RowSink) -> None:
    """Publish ``events`` with their timeline rows written through ``sink``; empties the list."""
    if events:
        publish(events, write_rows=sink_writer(sink))
        events.clear()


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def customers_bulk_create(
    *,
    actor: Actor,
    sink: RowSink,
    customers: Sequence[Mapping[str, Any]],
    now: dt.datetime,
    source: str = "import",
    progress: Progress | None = None,
) -> list[int]:
    """Create customers from their profile values (``CUSTOMER_FIELDS``, and optionally
    ``NOTED_FIELDS``); each gets a ``customer.created`` event. A customer's values may give
    ``created_at``, when someone with a history (the seeder's) became a customer: their
    ``customer.created`` happened then; else ``now``. Returns the new ids, in order."""
    require(actor, Perm.CUSTOMER_EDIT)
    _noted_check(actor, customers)
    workspace_id = actor.workspace.pk
    ids = sink.reserve_ids(Customer, len(customers))
    table = BulkTable(
        sink, Customer, ("id", "workspace_id", "created_at", *CUSTOMER_FIELDS, *NOTED_FIELDS)
    )
    created_now = sink.datetime(now)
    events: list[DomainEvent] = []
    for done, (values, pk) in enumerate(zip(customers, ids, strict=True), 1):
        created: dt.datetime | None = values.get("created_at")
        table.add(
            pk, workspace_id, created_now if created is None else sink.datetime(created),
            *(sink.date(values.get(f)) if f == "birthday" else values.get(f, "")
              for f in CUSTOMER_FIELDS),
            values.get("home_branch_id"), values.get("behaviour_type", ""),
            values.get("preferred_channel", ""),
        )  # fmt: skip
        events.append(
            CustomerCreated(
                workspace_id=workspace_id, customer_id=pk, actor=actor, source=source,
                occurred_at=now if created is None else created,
            )
        )  # fmt: skip
        if len(table.rows) >= EVENT_BATCH:
            table.flush()
            events_publish(events, sink)
            if progress is not None:
                progress(done)
    table.flush()
    events_publish(events, sink)
    if progress is not None:
        progress(len(ids))
    return ids


def _noted_check(actor: Actor, customers: Sequence[Mapping[str, Any]]) -> None:
    """Behaviour type and preferred channel are among the choices; a home branch is one of
    the workspace's."""
    choices = {
        "behaviour_type": ("invalid_behaviour_type", {"", *BehaviourType.values}),
        "preferred_channel": ("invalid_channel", {"", *(c for c, _label in PREFERRED_CHANNELS)}),
    }
    branch_ids: set[int] = set()
    for values in customers:
        for name, (code, allowed) in choices.items():
            value = values.get(name, "")
            if value not in allowed:
                raise ApplicationError(
                    code,
                    _("“%(value)s” is not one of the choices.") % {"value": value},
                    {"field": name},
                    status=422,
                )
        branch_id = values.get("home_branch_id")
        if branch_id is not None:
            branch_ids.add(branch_id)
    if branch_ids:
        found = Branch.objects.filter(workspace=actor.workspace, pk__in=branch_ids)
        if len(branch_ids) != found.count():
            raise ApplicationError(
                "branch_not_found",
                _("Branch not found."),
                {"field": "home_branch_id"},
                status=422,
            )


@dataclass(frozen=True, slots=True)
class ContactInput:
    customer_id: int
    kind: str
    value: str
    # A contact of a customer created in the same import: its ``customer.created`` says it all.
    new_customer: bool = False
    # When it was given, if not now (the seeder's customers gave theirs when they joined).
    created_at: dt.datetime | None = None


def contacts_bulk_add(
    *, actor: Actor, sink: RowSink, contacts: Sequence[ContactInput], normalized: bool = False
) -> int:
    """Add contact points (normalised as ``contact_add`` does); the first of a kind a customer
    has becomes primary. Existing customers get a ``contact.added`` event per contact.

    ``normalized``: the values already are ``contact_normalize``'s output (the importer's cell
    parsers call it), so they are not normalised a second time (40 µs a phone number)."""
    require(actor, Perm.CUSTOMER_EDIT)
    workspace_id = actor.workspace.pk
    existing = sorted({c.customer_id for c in contacts if not c.new_customer})
    primary: set[tuple[int, str]] = set()
    for start in range(0, len(existing), CHUNK):
        primary.update(
            ContactPoint.objects.filter(
                customer_id__in=existing[start : start + CHUNK], is_primary=True
            ).values_list("customer_id", "kind")
        )
    ids = sink.reserve_ids(ContactPoint, len(contacts))
    table = BulkTable(
        sink,
        ContactPoint,
        ("id", "workspace_id", "customer_id", "kind", "value", "is_primary", "created_at"),
    )
    created_now = sink.datetime(timezone.now())
    events: list[DomainEvent] = []
    for contact, pk in zip(contacts, ids, strict=True):
        value = contact.value if normalized else contact_normalize(contact.kind, contact.value)
        key = (contact.customer_id, contact.kind)
        created = created_now if contact.created_at is None else sink.datetime(contact.created_at)
        table.add(
            pk, workspace_id, contact.customer_id, contact.kind, value, key not in primary, created
        )
        primary.add(key)
        if not contact.new_customer:
            events.append(
                ContactAdded(
                    workspace_id=workspace_id, customer_id=contact.customer_id, actor=actor,
                    contact_id=pk, kind=contact.kind, value=value,
                )
            )  # fmt: skip
        if len(table.rows) >= EVENT_BATCH:
            table.flush()
            events_publish(events, sink)
    table.flush()
    events_publish(events, sink)
    return len(ids)


def contacts_bulk_display_names(*, actor: Actor, names: Mapping[tuple[str, str], str]) -> int:
    """Set the name a channel shows for a contact (a marketplace's masked buyer name, ส****),
    by ``(kind, value)`` of the workspace's contacts. Returns the number changed."""
    require(actor, Perm.CUSTOMER_EDIT)
    by_kind: dict[str, dict[str, str]] = {}
    for (kind, value), name in names.items():
        by_kind.setdefault(kind, {})[value] = name[
            : ContactPoint._meta.get_field("display_name").max_length
        ]
    changed: list[ContactPoint] = []
    for kind, wanted in by_kind.items():
        values = sorted(wanted)
        for start in range(0, len(values), CHUNK):
            for contact in ContactPoint.objects.filter(
                workspace_id=actor.workspace.pk, kind=kind, value__in=values[start : start + CHUNK]
            ).only("pk", "value", "display_name"):
                if contact.display_name != wanted[contact.value]:
                    contact.display_name = wanted[contact.value]
                    changed.append(contact)
    ContactPoint.objects.bulk_update(changed, ["display_name"], batch_size=CHUNK)
    return len(changed)


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """Profile fields and tags added to one customer (``before``: the values they replace)."""

    customer_id: int
    changes: Mapping[str, Any] = field(default_factory=dict)
    before: Mapping[str, Any] = field(default_factory=dict)
    tags_before: Sequence[str] = ()
    tags_add: Sequence[str] = ()
    new_customer: bool = False


def customers_bulk_update(
    *,
    actor: Actor,
    sink: RowSink,
    updates: Sequence[ProfileChange],
    tag_ids: dict[str, int] | None = None,
) -> None:
    """Change profile fields and add tags (created when missing) as ``customer_update`` and the
    tag services do; one ``customer.updated`` event per existing customer that changed.
    ``tag_ids`` (casefolded name → id) is what the caller already knows, and is filled in."""
    require(actor, Perm.CUSTOMER_EDIT)
    workspace_id = actor.workspace.pk
    groups: dict[tuple[str, ...], list[Customer]] = {}
    events: list[DomainEvent] = []
    for update in updates:
        if update.changes:
            fields = tuple(sorted(update.changes))
            groups.setdefault(fields, []).append(Customer(pk=update.customer_id, **update.changes))
        if update.new_customer:
            continue
        changes = {
            name: {"from": _jsonable(update.before.get(name)), "to": _jsonable(value)}
            for name, value in update.changes.items()
        }
        if update.tags_add:
            after = sorted([*update.tags_before, *update.tags_add], key=str.casefold)
            changes["tags"] = {"from": list(update.tags_before), "to": after}
        if changes:
            events.append(
                CustomerUpdated(
                    workspace_id=workspace_id, customer_id=update.customer_id, actor=actor,
                    section="profile", changes=changes,
                )
            )  # fmt: skip
    for fields, objs in groups.items():
        Customer.objects.bulk_update(objs, list(fields), batch_size=500)
    _tags_add(workspace_id, updates, {} if tag_ids is None else tag_ids)
    for start in range(0, len(events), EVENT_BATCH):
        events_publish(events[start : start + EVENT_BATCH], sink)


def _tags_add(workspace_id: int, updates: Sequence[ProfileChange], ids: dict[str, int]) -> None:
    wanted: dict[str, str] = {}
    for update in updates:
        for name in update.tags_add:
            wanted.setdefault(name.casefold(), name)
    if not wanted:
        return
    missing = [name for key, name in wanted.items() if key not in ids]
    if missing:
        Tag.objects.bulk_create(
            [Tag(workspace_id=workspace_id, name=name) for name in missing], ignore_conflicts=True
        )
        for pk, name in Tag.objects.filter(workspace_id=workspace_id, name__in=missing).values_list(
            "pk", "name"
        ):
            ids.setdefault(name.casefold(), pk)
    Through = Customer.tags.through
    links = [
        Through(customer_id=update.customer_id, tag_id=ids[name.casefold()])
        for update in updates
        for name in update.tags_add
    ]
    Through.objects.bulk_create(links, batch_size=CHUNK, ignore_conflicts=True)


@dataclass(frozen=True, slots=True)
class ConsentInput:
    customer_id: int
    purpose: str
    granted: bool
    evidence: str = ""


def consents_bulk_record(
    *,
    actor: Actor,
    sink: RowSink,
    decisions: Sequence[ConsentInput],
    now: dt.datetime,
    source: str = "import",
    notice_version: str = "",
) -> None:
    """Append consent decisions to the ledger, as ``consent_record`` does, each with a
    ``consent.changed`` event."""
    require(actor, Perm.CUSTOMER_EDIT)
    workspace_id = actor.workspace.pk
    user_id = actor.user.pk if actor.user is not None and actor.user.pk else None
    rows = [
        ConsentEvent(
            workspace_id=workspace_id, customer_id=d.customer_id, purpose=d.purpose,
            granted=d.granted, notice_version=notice_version, source=source,
            evidence=d.evidence[:500], recorded_at=now, actor_id=user_id,
        )
        for d in decisions
    ]  # fmt: skip
    ConsentEvent.objects.bulk_create(rows, batch_size=CHUNK)
    events: list[DomainEvent] = [
        ConsentChanged(
            workspace_id=workspace_id, customer_id=row.customer_id, actor=actor,
            consent_id=row.pk, purpose=row.purpose, granted=row.granted, source=source,
            notice_version=notice_version, occurred_at=row.recorded_at,
        )
        for row in rows
    ]  # fmt: skip
    for start in range(0, len(events), EVENT_BATCH):
        events_publish(events[start : start + EVENT_BATCH], sink)
