"""What a dry run will do, row by row: create, match, update, skip or reject, and why.

Built from the plan after it is made (reads only, and a few queries for the labels of the
customers and orders shown). Every entry is counted; the first ``OUTCOME_ROWS`` (by line) are
kept in the report with their details, and the page shows them a page at a time. Orders files
give one entry per order (at its first row); a row with a problem is its own entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from samphan.commerce.models import Order, OrderStatus
from samphan.customers.models import ContactKind, Customer
from samphan.imports.errors import RowError, both
from samphan.imports.plan import OrderDraft, OrderGroups, Person, Planner
from samphan.imports.rows import UNPAID, CustomerRow

OUTCOME_ROWS = 500

MESSAGES: dict[str, Promise] = {
    "order_new": _("New order %(number)s."),
    "customer_new": _("A new customer will be added: %(name)s."),
    "customer_same": _("For the same new customer as row %(line)s."),
    "customer_match": _("For %(name)s, already in Samphan (found by %(kind)s %(value)s)."),
    "customer_none": _(
        "Without a customer: the row has no username, full phone number or email to know the "
        "buyer by."
    ),
    "order_match": _(
        "Already in Samphan as order %(number)s (the same order ID in this channel): left as it is."
    ),
    "order_update": _(
        "Already in Samphan as order %(number)s: its status changes from %(before)s to %(after)s."
    ),
    "order_unpaid": _("Not paid yet: skipped; a later export will add it."),
    "order_rejected_with": _("Left out: row %(line)s of the same order has a problem."),
    "person_new": _("New customer %(name)s."),
    "person_same": _("The same new customer as row %(line)s (the same %(kind)s %(value)s)."),
    "person_match": _(
        "Already in Samphan: %(name)s (found by %(kind)s %(value)s); nothing changes."
    ),
    "person_update": _(
        "Already in Samphan: %(name)s (found by %(kind)s %(value)s); will be updated: %(changes)s."
    ),
}
_BY_NAME = _("name")
_CHANGES = {
    "tags": _("tags"),
    "contacts": _("contacts"),
    "consents": _("consent"),
}


def _message(code: str, **params: Any) -> dict[str, str]:
    th, en = both(MESSAGES[code], params)
    return {"message_th": th, "message_en": en}


def _join(parts: Sequence[str | Promise]) -> Promise:
    return format_lazy(", ".join(["{}"] * len(parts)), *parts)


def _kind_label(kind: str) -> str | Promise:
    return ContactKind(kind).label if kind in ContactKind.values else kind


def _rejected(line: int, errors: list[RowError]) -> dict[str, Any]:
    return {
        "line": line,
        "action": "reject",
        "label": "",
        "errors": [e.as_dict() for e in errors],
        "message_th": " ".join(e.message_th for e in errors),
        "message_en": " ".join(e.message_en for e in errors),
    }


def _errors_by_line(errors: Iterable[RowError]) -> dict[int, list[RowError]]:
    by_line: dict[int, list[RowError]] = {}
    for error in errors:
        by_line.setdefault(error.line, []).append(error)
    return by_line


def _matched_key(
    person: Person, contacts: list[tuple[str, str]], planner: Planner
) -> tuple[str, str]:
    """The contact, already in Samphan, by which ``person`` was found."""
    for contact in contacts:
        if planner.ident.get(contact) is person and contact not in person.contacts_new:
            return contact
    return ("", "")


def _names(pks: Iterable[int]) -> dict[int, str]:
    return {c.pk: c.display_name for c in Customer.objects.filter(pk__in=sorted(set(pks)))}


def _finish(
    entries: list[tuple[int, Any]], limit: int
) -> tuple[list[tuple[int, Any]], dict[str, Any]]:
    entries.sort(key=lambda e: e[0])
    return entries[:limit], {"total": len(entries)}


# --- orders files --------------------------------------------------------------------------------


def order_outcomes(
    *,
    groups: OrderGroups,
    planner: Planner,
    errors: list[RowError],
    bad_lines: set[int],
    rejected_at: dict[str, int],
    limit: int = OUTCOME_ROWS,
) -> dict[str, Any]:
    """One entry per order of the file (at its first good row) and per row with a problem."""
    counts: dict[str, int] = {}
    entries: list[tuple[int, Any]] = []
    for draft in groups.orders.values():
        action = _order_action(draft, groups)
        counts[action] = counts.get(action, 0) + 1
        entries.append((draft.first_line, draft))
    for line in bad_lines:
        counts["reject"] = counts.get("reject", 0) + 1
        entries.append((line, None))
    shown, meta = _finish(entries, limit)
    by_line = _errors_by_line(e for e in errors if e.line in {line for line, _d in shown})
    customers = _names(
        d.person.pk for _l, d in shown if d is not None and d.person and d.person.pk is not None
    )
    orders = dict(
        Order.objects.filter(
            pk__in=[d.existing_id for _l, d in shown if d is not None and d.existing_id]
        ).values_list("pk", "number")
    )
    rows = []
    for line, draft in shown:
        if draft is None:
            rows.append(_rejected(line, by_line.get(line, [])))
        else:
            rows.append(_order_row(draft, groups, planner, rejected_at, customers, orders))
    return {"rows": rows, "counts": dict(sorted(counts.items())), **meta}


def _order_action(draft: OrderDraft, groups: OrderGroups) -> str:
    if draft.key in groups.rejected:
        return "reject"
    if draft.existing_id is not None:
        if draft.status != UNPAID and draft.status != draft.existing_status:
            return "update"
        return "match"
    return "skip" if draft.status == UNPAID else "create"


def _order_row(
    draft: OrderDraft,
    groups: OrderGroups,
    planner: Planner,
    rejected_at: dict[str, int],
    customers: dict[int, str],
    orders: dict[int, str],
) -> dict[str, Any]:
    action = _order_action(draft, groups)
    row: dict[str, Any] = {
        "line": draft.first_line,
        "rows": draft.rows,
        "action": action,
        "label": draft.number,
    }
    if action == "reject":
        row.update(_message("order_rejected_with", line=rejected_at.get(draft.key, "?")))
        return row
    if action in ("match", "update"):
        number = orders.get(draft.existing_id or 0, draft.number)
        row["existing"] = {"id": draft.existing_id, "label": number}
        if action == "update":
            row.update(
                _message(
                    "order_update",
                    number=number,
                    before=_status_label(draft.existing_status),
                    after=_status_label(draft.status),
                )
            )
        else:
            row.update(_message("order_match", number=number))
        return row
    if action == "skip":
        row.update(_message("order_unpaid"))
        return row
    said = [_message("order_new", number=draft.number)]
    person, buyer = draft.person, draft.buyer
    if person is None or buyer is None:
        row["customer"] = {"action": "none"}
        said.append(_message("customer_none"))
    elif person.is_new:
        name = " ".join(p for p in (buyer.first_name, buyer.last_name) if p) or buyer.contacts[0][1]
        if person.line == draft.first_line:
            row["customer"] = {"action": "create", "label": name}
            said.append(_message("customer_new", name=name))
        else:
            row["customer"] = {"action": "same", "same_as_line": person.line, "label": name}
            said.append(_message("customer_same", line=person.line))
    else:
        assert person.pk is not None
        kind, value = _matched_key(person, buyer.contacts, planner)
        name = customers.get(person.pk, f"#{person.pk}")
        row["customer"] = {
            "action": "match",
            "id": person.pk,
            "label": name,
            "key": {"kind": kind, "value": value},
        }
        said.append(_message("customer_match", name=name, kind=_kind_label(kind), value=value))
    row["message_th"] = " ".join(s["message_th"] for s in said)
    row["message_en"] = " ".join(s["message_en"] for s in said)
    return row


def _status_label(status: str) -> str | Promise:
    return OrderStatus(status).label if status in OrderStatus.values else status


# --- customers files -----------------------------------------------------------------------------


def customer_outcomes(
    *,
    rows: list[CustomerRow],
    planner: Planner,
    errors: list[RowError],
    bad_lines: set[int],
    limit: int = OUTCOME_ROWS,
) -> dict[str, Any]:
    """One entry per row: each good row with the customer it creates, matches or updates."""
    counts: dict[str, int] = {}
    entries: list[tuple[int, Any]] = []
    for row in rows:
        person = _person_of(row, planner)
        action = "create" if person.is_new else ("update" if person.changed else "match")
        counts[action] = counts.get(action, 0) + 1
        entries.append((row.line, (row, person)))
    for line in bad_lines:
        counts["reject"] = counts.get("reject", 0) + 1
        entries.append((line, None))
    shown, meta = _finish(entries, limit)
    by_line = _errors_by_line(e for e in errors if e.line in {line for line, _r in shown})
    names = _names(p.pk for _l, item in shown if item and (p := item[1]).pk is not None)
    out = []
    for line, item in shown:
        if item is None:
            out.append(_rejected(line, by_line.get(line, [])))
        else:
            row, person = item
            out.append(_customer_row(row, person, planner, names))
    return {"rows": out, "counts": dict(sorted(counts.items())), **meta}


def _person_of(row: CustomerRow, planner: Planner) -> Person:
    """The person ``Planner.resolve`` gave this row: its first contact's (contacts are never
    moved once known), or, with no contact, the one of its name."""
    if row.contacts:
        return planner.ident[row.contacts[0]]
    v = row.values
    key = (
        v.get("first_name", "").casefold(),
        v.get("last_name", "").casefold(),
        v.get("nickname", "").casefold(),
    )
    return planner.by_name[key]


def _customer_row(
    row: CustomerRow, person: Person, planner: Planner, names: dict[int, str]
) -> dict[str, Any]:
    v = row.values
    name = " ".join(p for p in (v.get("first_name", ""), v.get("last_name", "")) if p)
    name = name or v.get("nickname", "") or (row.contacts[0][1] if row.contacts else "")
    out: dict[str, Any] = {"line": row.line, "label": name}
    if person.is_new:
        out["action"] = "create"
        if person.line != row.line:
            kind, value = row.contacts[0] if row.contacts else ("", "")
            out["same_as_line"] = person.line
            out.update(_message("person_same", line=person.line, kind=_kind_label(kind) if kind
                                else _BY_NAME, value=value or name))  # fmt: skip
        else:
            out.update(_message("person_new", name=name))
        return out
    assert person.pk is not None
    kind, value = _matched_key(person, row.contacts, planner)
    shown = names.get(person.pk, f"#{person.pk}")
    out["existing"] = {"id": person.pk, "label": shown}
    out["key"] = {"kind": kind or "name", "value": value or name}
    by = _kind_label(kind) if kind else _BY_NAME
    if not person.changed:
        out["action"] = "match"
        out.update(_message("person_match", name=shown, kind=by, value=value or name))
        return out
    changes = sorted(person.changes)
    labels: list[str | Promise] = [
        getattr(Customer._meta.get_field(f), "verbose_name", f) for f in changes
    ]
    for name_, present in (("tags", person.tags_add), ("contacts", person.contacts_new),
                           ("consents", person.consents_record)):  # fmt: skip
        if present:
            changes.append(name_)
            labels.append(_CHANGES[name_])
    out["action"] = "update"
    out["changes"] = changes
    out.update(
        _message("person_update", name=shown, kind=by, value=value or name, changes=_join(labels))
    )
    return out
