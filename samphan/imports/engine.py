"""One import, start to finish: read → check every row → plan → (write) → report.

The caller owns the transaction (``samphan.imports.jobs``): a real import runs inside one
``transaction.atomic()`` so that nothing is half-imported, and a preview (``dry_run``) stops
after the plan, having only read from the database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samphan.commerce.models import ChannelKind, SalesChannel
from samphan.core.access import Actor
from samphan.core.models import Branch
from samphan.customers.bulk import contacts_bulk_display_names
from samphan.imports.apply import Applier
from samphan.imports.errors import CellError, ImportFileError, RowError, RowsRejected, both
from samphan.imports.mapping import mapping_as_json, mapping_clean
from samphan.imports.marketplaces import DATE_ORDER_HINT, MARKETPLACE_CHANNEL
from samphan.imports.models import ImportKind
from samphan.imports.outcomes import customer_outcomes, order_outcomes
from samphan.imports.plan import OrderGroups, Plan, Planner
from samphan.imports.reader import open_table
from samphan.imports.rows import (
    DATE_FIELDS,
    ROW_PARSERS,
    CustomerRow,
    DateColumn,
    OrderRow,
    RowContext,
    looks_like_order_id,
)
from samphan.imports.values import (
    DATE_ORDERS,
    DAY_FIRST,
    DEFAULT_DATE_ORDER,
    MONTH_FIRST,
    SAYS_DAY_FIRST,
    SAYS_MONTH_FIRST,
    clean_cell,
    parse_date,
)

MAX_ERRORS = 20_000
ProgressFn = Callable[[str, int, int], None]

NOTES = {
    "channel_added": _("A “%(name)s” sales channel was added for these orders."),
    "channel_will_be_added": _("A “%(name)s” sales channel will be added for these orders."),
    "description_row": _("Row %(line)s holds column descriptions and was skipped."),
    "orders_rejected": _(
        "%(count)s orders were left out because one of their rows has an error. Fix the rows "
        "listed below and import the file again: orders already imported are not repeated."
    ),
    "orders_unchanged": _("%(count)s orders were already in Samphan and were left as they were."),
    "orders_updated": _("%(count)s orders already in Samphan had a new status, which was updated."),
    "orders_unpaid": _(
        "%(count)s orders are not paid yet and were skipped; a later export will add them."
    ),
    "masked_phones": _(
        "%(count)s orders had a hidden (masked) buyer phone. A masked number is never used to "
        "find or store a customer, so buyers who share one stay separate customers."
    ),
    "orders_without_customer": _(
        "%(count)s orders had no usable buyer identity (username, full phone number or email) "
        "and were imported without a customer."
    ),
    "unknown_status": _(
        "%(count)s orders have a status we do not know; they were imported as paid."
    ),
    "errors_truncated": _("Only the first %(count)s problems are listed."),
}


def note(code: str, **params: Any) -> dict[str, Any]:
    th, en = both(NOTES[code], params)
    return {"code": code, "message_th": th, "message_en": en, **params}


@dataclass
class ImportRequest:
    actor: Actor
    path: Path
    kind: str
    mapping: dict[int, str] | None = None  # None: the suggestion from the headings
    channel_id: int | None = None
    original_name: str = ""
    dry_run: bool = False
    # Day/month order chosen per column for date columns whose values cannot tell.
    date_orders: dict[int, str] = field(default_factory=dict)
    # Import the good rows when some rows have problems (the pages and the API); False: all
    # or nothing, the import raises RowsRejected before writing anything.
    partial: bool = True


class _Progress:
    """Calls ``fn`` at most every ``interval`` seconds (and always at a phase's end)."""

    def __init__(self, fn: ProgressFn | None, interval: float = 0.5) -> None:
        self.fn = fn
        self.interval = interval
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.fn is None:
            return
        now = time.monotonic()
        if done >= total or now - self.last >= self.interval:
            self.last = now
            self.fn(phase, done, total)


def _channels(req: ImportRequest, notes: list[dict[str, Any]]) -> tuple[list[SalesChannel], int]:
    """The workspace's channels and the channel orders go to (a new one may be added)."""
    workspace = req.actor.workspace
    channels = list(SalesChannel.objects.filter(workspace=workspace).order_by("pk"))
    if req.kind == ImportKind.CUSTOMERS:
        return channels, 0
    if req.channel_id is not None:
        if not any(c.pk == req.channel_id for c in channels):
            raise ImportFileError(
                "channel_not_found", _("Sales channel not found."), {"field": "channel_id"}
            )
        return channels, req.channel_id
    wanted = MARKETPLACE_CHANNEL.get(req.kind, ChannelKind.STORE)
    of_kind = sorted(
        (c for c in channels if c.kind == wanted), key=lambda c: (not c.is_active, c.pk)
    )
    if of_kind:
        return channels, of_kind[0].pk
    if req.kind == ImportKind.ORDERS and channels:
        return channels, channels[0].pk
    name = str(ChannelKind(wanted).label)
    taken = {c.name for c in channels}
    suffix = 2
    while name in taken:
        name = f"{ChannelKind(wanted).label} {suffix}"
        suffix += 1
    if req.dry_run:
        notes.append(note("channel_will_be_added", name=name))
        return channels, -1
    channel = SalesChannel.objects.create(workspace=workspace, kind=wanted, name=name)
    notes.append(note("channel_added", name=name))
    return [*channels, channel], channel.pk


def _order_key(cells: list[object], columns: list[int]) -> str:
    """The order a bad row belongs to (its external id, else its number), so that the rest of
    that order is left out too."""
    for col in columns:
        text = clean_cell(cells[col]) if col < len(cells) else ""
        if text:
            return text
    return ""


@dataclass
class _Reading:
    """One pass over the file: every row checked and turned into drafts."""

    headers: list[str]
    mapping: dict[int, str]
    file_format: str
    encoding: str
    ctx: RowContext
    notes: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    bad_lines: set[int] = field(default_factory=set)
    rows_total: int = 0
    customer_rows: list[CustomerRow] = field(default_factory=list)
    groups: OrderGroups | None = None
    rejected_at: dict[str, int] = field(default_factory=dict)  # order key → its first bad row


def _read(
    req: ImportRequest,
    tick: _Progress,
    *,
    channels: list[SalesChannel],
    branches: list[Branch],
    channel_id: int,
    date_orders: Callable[[dict[int, str]], dict[str, str]],
) -> _Reading:
    is_orders = req.kind != ImportKind.CUSTOMERS
    with open_table(req.path) as table:
        mapping = mapping_clean(
            req.kind, table.headers, mapping_as_json(req.mapping) if req.mapping else None
        )
        ctx = RowContext(
            kind=req.kind,
            headers=table.headers,
            mapping=mapping,
            channels=channels,
            branches=branches,
            channel_id=channel_id,
            today=timezone.localdate(),
            date_orders=date_orders(mapping),
        )
        reading = _Reading(
            headers=table.headers,
            mapping=mapping,
            file_format=table.format,
            encoding=table.encoding,
            ctx=ctx,
            groups=OrderGroups(req.kind) if is_orders else None,
        )
        groups = reading.groups
        errors = reading.errors
        parser = ROW_PARSERS[req.kind]
        key_cols = [ctx.cols[n] for n in ("external_id", "order_number") if n in ctx.cols]
        expected = max(table.total_rows, 1)
        first = True
        rows_total = 0
        for line, cells in table.rows:
            if first and req.kind == ImportKind.TIKTOK:
                first = False
                order_col = ctx.cols["order_number"]
                cell = clean_cell(cells[order_col]) if order_col < len(cells) else ""
                if cell and not looks_like_order_id(cell):
                    reading.notes.append(note("description_row", line=line))
                    expected = max(expected - 1, 1)
                    continue
            rows_total += 1
            draft, row_errors = parser(ctx, line, cells)
            if row_errors:
                reading.bad_lines.add(line)
                reading.errors_total += len(row_errors)
                room = MAX_ERRORS - len(errors)
                if room > 0:
                    errors.extend(row_errors[:room])
                if groups is not None:
                    key = _order_key(cells, key_cols)
                    groups.reject(key)
                    reading.rejected_at.setdefault(key, line)
            elif groups is not None:
                assert isinstance(draft, OrderRow)
                groups.add(draft)
            else:
                assert isinstance(draft, CustomerRow)
                reading.customer_rows.append(draft)
            tick("reading", rows_total, expected)
        tick("reading", rows_total, rows_total)
        reading.rows_total = rows_total
    return reading


def _date_order(seen: DateColumn, choice: str | None) -> tuple[str, str]:
    """(order, what decided it) for one date column: its values when any of them can only be
    read one way (the more common way wins if they disagree; the others are then bad rows),
    else the person's choice, else the default."""
    day_first, month_first = seen.counts[SAYS_DAY_FIRST], seen.counts[SAYS_MONTH_FIRST]
    if day_first != month_first:
        return (DAY_FIRST if day_first > month_first else MONTH_FIRST), "values"
    if choice in DATE_ORDERS:
        return str(choice), "choice"
    return DEFAULT_DATE_ORDER, "default"


def _dates_report(reading: _Reading, decided: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """How each date column with day/month/year values was read, with examples."""
    out = []
    ctx = reading.ctx
    for name, seen in ctx.dates_seen.items():
        if not any(seen.counts):
            continue
        order, decided_by = decided[name]
        examples = []
        for text in (seen.examples or seen.decisive)[:3]:
            try:
                value = parse_date(text, month_first=order == MONTH_FIRST)
            except CellError:
                continue
            examples.append({"text": text, "date": value.isoformat()})
        out.append(
            {
                "column": ctx.column(name),
                "index": ctx.cols[name],
                "field": name,
                "order": order,
                "decided_by": decided_by,
                "ambiguous": not (seen.counts[SAYS_DAY_FIRST] or seen.counts[SAYS_MONTH_FIRST]),
                "examples": examples,
            }
        )
    return out


def run_import(req: ImportRequest, *, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Import (or, with ``dry_run``, only check and plan) one file; returns the report."""
    started = time.monotonic()
    tick = _Progress(progress)
    actor = req.actor
    notes: list[dict[str, Any]] = []
    channels, channel_id = _channels(req, notes)
    branches = Branch.objects.filter(workspace=actor.workspace)
    if actor.branch_limited():
        branches = branches.filter(pk__in=actor.branch_ids)
    branch_list = list(branches)

    # Each date column is read in one day/month order, decided from all its values. The first
    # pass reads in the expected order (the person's choice, else the export's own convention,
    # else the default); only if the values then say otherwise is the file read again.
    choices: dict[str, str] = {}

    def expected(mapping: dict[int, str]) -> dict[str, str]:
        orders = {}
        for col, name in mapping.items():
            if name in DATE_FIELDS:
                choice = req.date_orders.get(col)
                if choice in DATE_ORDERS:
                    choices[name] = str(choice)
                hint = DATE_ORDER_HINT.get(req.kind, DEFAULT_DATE_ORDER)
                orders[name] = choices.get(name) or hint
        return orders

    reading = _read(req, tick, channels=channels, branches=branch_list, channel_id=channel_id,
                    date_orders=expected)  # fmt: skip
    decided = {
        name: _date_order(seen, choices.get(name)) for name, seen in reading.ctx.dates_seen.items()
    }
    used = reading.ctx.date_orders
    wanted = {
        name: order if any(reading.ctx.dates_seen[name].counts) else used[name]
        for name, (order, _how) in decided.items()
    }
    if wanted != used:
        del reading  # the drafts of the first pass go before the second pass makes its own
        reading = _read(req, tick, channels=channels, branches=branch_list,
                        channel_id=channel_id, date_orders=lambda _mapping: wanted)  # fmt: skip
    notes.extend(reading.notes)

    tick("matching", 0, 1)
    planner = Planner(actor.workspace, req.kind)
    if reading.groups is not None:
        plan = planner.plan_orders(reading.groups)
    else:
        plan = planner.plan_customers(reading.customer_rows)
    dates = _dates_report(reading, decided)
    outcomes = None
    if req.dry_run:
        if reading.groups is not None:
            outcomes = order_outcomes(
                groups=reading.groups, planner=planner, errors=reading.errors,
                bad_lines=reading.bad_lines, rejected_at=reading.rejected_at,
            )  # fmt: skip
        else:
            outcomes = customer_outcomes(
                rows=reading.customer_rows, planner=planner, errors=reading.errors,
                bad_lines=reading.bad_lines,
            )  # fmt: skip
    errors, errors_total = reading.errors, reading.errors_total
    rows_total, rows_bad = reading.rows_total, len(reading.bad_lines)
    headers, mapping = reading.headers, reading.mapping
    file_format, encoding = reading.file_format, reading.encoding
    del reading
    tick("matching", 1, 1)

    if not req.dry_run and not req.partial and rows_bad:
        report = _report(
            req, plan, notes, errors, errors_total, rows_total, rows_bad,
            headers=headers, mapping=mapping, file_format=file_format, encoding=encoding,
            seconds=time.monotonic() - started,
        )  # fmt: skip
        report.update(dates=dates, imported=False)
        raise RowsRejected(report)

    if not req.dry_run:
        Applier(
            actor=actor,
            plan=plan,
            channels={c.pk: c for c in channels},
            now=timezone.now(),
            evidence=f"import {req.original_name or req.path.name}",
            tick=tick,
        ).run()
        _keep_display_names(actor, plan)

    if errors_total > len(errors):
        notes.append(note("errors_truncated", count=len(errors)))
    report = _report(
        req, plan, notes, errors, errors_total, rows_total, rows_bad,
        headers=headers, mapping=mapping, file_format=file_format, encoding=encoding,
        seconds=time.monotonic() - started,
    )  # fmt: skip
    report["dates"] = dates
    if outcomes is not None:
        report["outcomes"] = outcomes
    report["date_orders"] = {str(d["index"]): d["order"] for d in dates}
    return report


def _keep_display_names(actor: Actor, plan: Plan) -> None:
    """A buyer's masked name (ส****) goes on the contact that identified them, as the
    marketplace's display name (``contacts_bulk_display_names``), after the bulk writes, in
    the same transaction, only for the few buyers who have one."""
    names: dict[tuple[str, str], str] = {}
    for draft in plan.orders:
        buyer = draft.buyer
        if buyer is None or not buyer.display_name or draft.person is None:
            continue
        names[buyer.contacts[0]] = buyer.display_name
    contacts_bulk_display_names(actor=actor, names=names)


def _report(
    req: ImportRequest,
    plan: Plan,
    notes: list[dict[str, Any]],
    errors: list[RowError],
    errors_total: int,
    rows_total: int,
    rows_bad: int,
    *,
    headers: list[str],
    mapping: dict[int, str],
    file_format: str,
    encoding: str,
    seconds: float,
) -> dict[str, Any]:
    c = plan.counts
    if req.kind == ImportKind.CUSTOMERS:
        entity = "customers"
        created, updated = c.get("customers_created", 0), c.get("customers_updated", 0)
        skipped = c.get("customers_unchanged", 0)
    else:
        entity = "orders"
        created, updated = c.get("orders_created", 0), c.get("orders_updated", 0)
        skipped = c.get("orders_unchanged", 0) + c.get("orders_unpaid", 0)
        for code in ("orders_rejected", "orders_unchanged", "orders_updated", "orders_unpaid",
                     "masked_phones", "orders_without_customer", "unknown_status"):  # fmt: skip
            if c.get(code):
                notes.append(note(code, count=c[code]))
    return {
        "mode": "preview" if req.dry_run else "import",
        "kind": req.kind,
        "file": req.original_name or req.path.name,
        "format": file_format,
        "encoding": encoding,
        "headers": headers,
        "mapping": mapping_as_json(mapping),
        "channel_id": None if req.kind == ImportKind.CUSTOMERS else req.channel_id,
        "entity": entity,
        "created": created,
        "updated": updated,
        "skipped": skipped,
        "rows": {"total": rows_total, "ok": rows_total - rows_bad, "bad": rows_bad},
        "counts": dict(sorted(c.items())),
        "errors": [e.as_dict() for e in errors],
        "errors_total": errors_total,
        "notes": notes,
        "seconds": round(seconds, 2),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
    }
