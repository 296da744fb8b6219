"""The points ledger's one writer. Every function here works on an account locked by
``account_lock`` inside the caller's transaction, appends ``LedgerEntry`` rows and moves the
cached balances (with the version) in step, so that the cached balance always equals the sum
of the ledger.

The lots obey one rule: the points left in released lots add up to the available balance
when it is positive, and to nothing when the member owes points (a reversal of points already
spent); pending lots add up to the pending balance. Spending and expiry take the lot that
expires first (then the oldest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import DateTimeField, F, Sum, Value

from samphan.core.bulk import BulkTable, insert_select
from samphan.core.models import Workspace
from samphan.core.sink import RowSink
from samphan.loyalty.models import (
    Account,
    EntryKind,
    LedgerEntry,
    OrderPoints,
    PointLot,
    Redemption,
)


def account_lock(*, workspace: Workspace, customer_id: int) -> Account:
    """The customer's account, created if needed, locked for the rest of the transaction
    (PostgreSQL: a row lock; SQLite: the write lock ``BEGIN IMMEDIATE`` took)."""
    return accounts_lock(workspace=workspace, customer_ids=[customer_id])[customer_id]


def accounts_lock(*, workspace: Workspace, customer_ids: Iterable[int]) -> dict[int, Account]:
    """The customers' accounts by customer id, created where missing, locked in id order for
    the rest of the transaction (one statement for those that exist)."""
    assert transaction.get_connection().in_atomic_block, "lock inside a transaction"
    wanted = set(customer_ids)

    def locked(ids: Iterable[int]) -> dict[int, Account]:
        rows = Account.objects.select_for_update().filter(customer_id__in=sorted(ids))
        return {a.customer_id: a for a in rows.order_by("pk")}

    found = locked(wanted)
    missing = sorted(wanted - found.keys())
    if missing:
        # ignore_conflicts: one created at the same moment by another transaction is kept.
        Account.objects.bulk_create(
            [Account(workspace=workspace, customer_id=c) for c in missing],
            batch_size=BALANCE_BATCH,
            ignore_conflicts=True,
        )
        found.update(locked(missing))
    return found


def _fifo(lots: Iterable[PointLot]) -> list[PointLot]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(lots, key=lambda lot: (lot.expires_at or far, lot.available_at, lot.pk))


def _released(account: Account) -> list[PointLot]:
    return _fifo(account.lots.filter(is_pending=False, remaining__gt=0))


def _append(
    account: Account,
    kind: str,
    *,
    points: int = 0,
    pending_points: int = 0,
    at: dt.datetime,
    by: str = "",
    order_id: int | None = None,
    redemption: Redemption | None = None,
    lot: PointLot | None = None,
    reason: str = "",
) -> LedgerEntry:
    entry = LedgerEntry.objects.create(
        workspace_id=account.workspace_id,
        account=account,
        kind=kind,
        points=points,
        pending_points=pending_points,
        order_id=order_id,
        redemption=redemption,
        lot=lot,
        reason=reason[:500],
        created_at=at,
        created_by=by[:200],
    )
    account.balance += points
    account.pending += pending_points
    account.version += 1
    Account.objects.filter(pk=account.pk).update(
        balance=F("balance") + points,
        pending=F("pending") + pending_points,
        version=F("version") + 1,
        updated_at=at,
    )
    return entry


def _take(lots: list[PointLot], points: int) -> list[tuple[PointLot, int]]:
    """Take up to ``points`` from ``lots`` in their order; returns what came from which."""
    taken: list[tuple[PointLot, int]] = []
    for lot in lots:
        if points <= 0:
            break
        n = min(points, lot.remaining)
        if n <= 0:
            continue
        lot.remaining -= n
        PointLot.objects.filter(pk=lot.pk).update(remaining=lot.remaining)
        taken.append((lot, n))
        points -= n
    return taken


def _fill(before: int, credit: int, lots: list[tuple[PointLot, int]]) -> None:
    """``credit`` points were added to a balance of ``before``: put back into ``lots`` (each at
    most its cap) what is not paying off points owed."""
    into = max(0, before + credit) - max(0, before)
    for lot, cap in lots:
        n = min(into, cap)
        if n <= 0:
            continue
        lot.remaining += n
        PointLot.objects.filter(pk=lot.pk).update(remaining=lot.remaining)
        into -= n


@dataclass
class Credit:
    """One lot to credit to a locked account (``credit_many``); ``points`` > 0."""

    account: Account
    kind: str
    points: int
    at: dt.datetime
    available_at: dt.datetime
    expires_at: dt.datetime | None
    order_id: int | None = None
    by: str = ""
    reason: str = ""


def credit(
    account: Account,
    *,
    kind: str,
    points: int,
    at: dt.datetime,
    available_at: dt.datetime,
    expires_at: dt.datetime | None,
    now: dt.datetime,
    order_id: int | None = None,
    by: str = "",
    reason: str = "",
) -> PointLot:
    """Credit ``points`` (> 0) as one lot: pending until ``available_at`` if that is after
    ``now``, else available at once (paying off points owed first)."""
    credit_args = Credit(account, kind, points, at, available_at, expires_at, order_id, by, reason)
    return credit_many([credit_args], now=now)[0]


# Rows of one statement when many accounts' balances move at once.
BALANCE_BATCH = 1000


def credit_many(credits: Sequence[Credit], *, now: dt.datetime) -> list[PointLot]:
    """``credit`` for many lots at once (an import's or a seed's orders): the lots in one
    insert, their entries through the row sink, and one balance update per account, so a
    thousand orders cost a handful of statements rather than four each. An account's credits
    are applied in the order given (each pays off what is still owed before it). Returns the
    lots, in the order of ``credits``."""
    lots: list[PointLot] = []
    for c in credits:
        assert c.points > 0
        pending = c.available_at > now
        before = c.account.balance
        lots.append(
            PointLot(
                workspace_id=c.account.workspace_id,
                account=c.account,
                order_id=c.order_id,
                points=c.points,
                # Released at once: what is not paying off points owed is left to spend.
                remaining=c.points if pending else min(c.points, max(before + c.points, 0)),
                is_pending=pending,
                available_at=c.available_at,
                expires_at=c.expires_at,
                created_at=c.at,
            )
        )
        c.account.balance += 0 if pending else c.points
        c.account.pending += c.points if pending else 0
        c.account.version += 1
    PointLot.objects.bulk_create(lots, batch_size=BALANCE_BATCH)
    sink = RowSink()
    entries = BulkTable(sink, LedgerEntry, _CREDIT_COLUMNS)
    for c, lot in zip(credits, lots, strict=True):
        entries.add(
            c.account.workspace_id, c.account.pk, c.kind,
            0 if lot.is_pending else c.points, c.points if lot.is_pending else 0,
            c.order_id, lot.pk, c.reason[:500], sink.datetime(c.at), c.by[:200],
        )  # fmt: skip
    entries.flush()
    _balances_add(zip(credits, lots, strict=True), now=now)
    return lots


_CREDIT_COLUMNS = (
    "workspace_id", "account_id", "kind", "points", "pending_points", "order_id", "lot_id",
    "reason", "created_at", "created_by",
)  # fmt: skip


def _balances_add(credited: Iterable[tuple[Credit, PointLot]], *, now: dt.datetime) -> None:
    """Add the credited lots to their accounts' cached balances: one ``UPDATE … FROM`` a list
    of (account, points, pending, entries) per batch of accounts."""
    moved: dict[int, list[int]] = {}
    for c, lot in credited:
        row = moved.setdefault(c.account.pk, [0, 0, 0])
        row[1 if lot.is_pending else 0] += c.points
        row[2] += 1
    table = connection.ops.quote_name(Account._meta.db_table)
    rows = list(moved.items())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BALANCE_BATCH):
            batch = rows[start : start + BALANCE_BATCH]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"WITH v (id, points, pending, entries) AS (VALUES {values}) "
                f"UPDATE {table} SET balance = {table}.balance + v.points, "
                f"pending = {table}.pending + v.pending, "
                f"version = {table}.version + v.entries, updated_at = %s "
                f"FROM v WHERE {table}.id = v.id",
                [
                    *(x for pk, (p, q, n) in batch for x in (pk, p, q, n)),
                    connection.ops.adapt_datetimefield_value(now),
                ],
            )


def release_due(account: Account, *, now: dt.datetime) -> int:
    """Pending lots whose time has come become available. Returns the points released."""
    released = 0
    for lot in _fifo(account.lots.filter(is_pending=True, available_at__lte=now)):
        points = lot.remaining
        before = account.balance
        lot.is_pending = False
        lot.remaining = min(points, max(before + points, 0))
        PointLot.objects.filter(pk=lot.pk).update(is_pending=False, remaining=lot.remaining)
        if points:
            _append(
                account,
                EntryKind.RELEASE,
                points=points,
                pending_points=-points,
                at=now,
                order_id=lot.order_id,
                lot=lot,
            )
            released += points
    return released


def expire_due(account: Account, *, now: dt.datetime) -> int:
    """Released points whose lots have expired go, one entry per lot. Returns the points."""
    expired = 0
    for lot in _fifo(account.lots.filter(is_pending=False, remaining__gt=0, expires_at__lte=now)):
        points = lot.remaining
        lot.remaining = 0
        PointLot.objects.filter(pk=lot.pk).update(remaining=0)
        _append(account, EntryKind.EXPIRE, points=-points, at=now, lot=lot)
        expired += points
    return expired


@dataclass(frozen=True)
class Expired:
    account_id: int
    customer_id: int
    points: int
    balance: int


_EXPIRE_COLUMNS = (
    "workspace_id", "account_id", "kind", "points", "pending_points", "lot_id", "reason",
    "created_at", "created_by",
)  # fmt: skip


def expire_accounts(*, workspace_id: int, first: int, last: int, now: dt.datetime) -> list[Expired]:
    """``expire_due`` for every account of the workspace with ids ``first``..``last`` in a few
    set-based statements (the nightly run over a million accounts): lock the accounts with
    points to expire, append one ``expire`` entry per expired lot (written by the database,
    earliest first), take the sums off the cached balances (version + 1) and empty the lots.
    Call inside a transaction."""
    assert transaction.get_connection().in_atomic_block, "lock inside a transaction"
    due = PointLot.objects.filter(
        workspace_id=workspace_id,
        account_id__gte=first,
        account_id__lte=last,
        is_pending=False,
        remaining__gt=0,
        expires_at__lte=now,
    )
    locked = {
        pk: (customer_id, balance)
        for pk, customer_id, balance in Account.objects.select_for_update()
        .filter(pk__in=due.values("account_id"))
        .order_by("pk")
        .values_list("pk", "customer_id", "balance")
    }
    sums = due.order_by().values("account_id").annotate(total=Sum("remaining"))
    totals = dict(sums.values_list("account_id", "total"))
    if not totals:
        return []
    insert_select(
        LedgerEntry,
        _EXPIRE_COLUMNS,
        due.order_by("account_id", "expires_at", "available_at", "pk").values(
            "workspace_id",
            "account_id",
            "id",
            e_kind=Value(EntryKind.EXPIRE.value),
            e_points=-F("remaining"),
            e_zero=Value(0),
            e_blank=Value(""),
            e_at=Value(now, output_field=DateTimeField()),
        ),
        (
            "workspace_id",
            "account_id",
            "e_kind",
            "e_points",
            "e_zero",
            "id",
            "e_blank",
            "e_at",
            "e_blank",
        ),
    )
    accounts = Account._meta.db_table
    sums_sql, params = sums.query.sql_with_params()
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(  # one UPDATE … FROM, not a correlated sum per account
            f"UPDATE {accounts} SET balance = balance - due.total, version = version + 1,"
            f" updated_at = %s FROM ({sums_sql}) AS due WHERE {accounts}.id = due.account_id",
            [now, *params],
        )
    due.update(remaining=0)
    return [
        Expired(
            account_id=account_id,
            customer_id=locked[account_id][0],
            points=points,
            balance=locked[account_id][1] - points,
        )
        for account_id, points in sorted(totals.items())
    ]


@dataclass(frozen=True)
class Insufficient(Exception):
    available: int
    asked: int


def redeem(
    account: Account,
    *,
    points: int,
    value_satang: int,
    order_id: int | None,
    now: dt.datetime,
    by: str,
) -> Redemption:
    """Spend ``points`` (> 0) of the available balance, earliest-expiring first. Never more
    than is available (raises ``Insufficient``)."""
    assert points > 0
    release_due(account, now=now)
    expire_due(account, now=now)
    if points > account.balance:
        raise Insufficient(available=max(account.balance, 0), asked=points)
    taken = _take(_released(account), points)
    assert sum(n for _lot, n in taken) == points, "lots out of step with the balance"
    redemption = Redemption.objects.create(
        workspace_id=account.workspace_id,
        account=account,
        order_id=order_id,
        points=points,
        value_satang=value_satang,
        lots=[[lot.pk, n] for lot, n in taken],
        created_by=by[:200],
    )
    _append(
        account,
        EntryKind.REDEEM,
        points=-points,
        at=now,
        by=by,
        order_id=order_id,
        redemption=redemption,
    )
    return redemption


def debit(account: Account, *, points: int, now: dt.datetime, by: str, reason: str) -> None:
    """A negative adjustment: never more than is available (raises ``Insufficient``)."""
    release_due(account, now=now)
    if points > account.balance:
        raise Insufficient(available=max(account.balance, 0), asked=points)
    _take(_released(account), points)
    _append(account, EntryKind.ADJUST, points=-points, at=now, by=by, reason=reason)


def reverse(
    account: Account,
    *,
    earned: OrderPoints,
    points: int,
    now: dt.datetime,
    by: str = "",
    reason: str = "",
) -> int:
    """Take back ``points`` of what ``earned``'s order earned (the caller caps it at what is
    left): from its lot while pending, else from the available balance, which may go below
    zero (owed) when the points were spent. Returns the points reversed."""
    points = min(points, earned.earned - earned.reversed)
    if points <= 0:
        return 0
    lot = PointLot.objects.filter(pk=earned.lot_id).first() if earned.lot_id else None
    from_pending = 0
    if lot is not None and lot.is_pending:
        from_pending = min(points, lot.remaining)
        lot.remaining -= from_pending
        PointLot.objects.filter(pk=lot.pk).update(remaining=lot.remaining)
    from_available = points - from_pending
    if from_available:
        # The order's own lot first, then the others, earliest-expiring first.
        lots = _released(account)
        if lot is not None and not lot.is_pending:
            lots = [x for x in lots if x.pk == lot.pk] + [x for x in lots if x.pk != lot.pk]
        _take(lots, from_available)
    _append(
        account,
        EntryKind.REVERSE,
        points=-from_available,
        pending_points=-from_pending,
        at=now,
        by=by,
        order_id=earned.order_id,
        lot=lot,
        reason=reason,
    )
    earned.reversed += points
    OrderPoints.objects.filter(pk=earned.pk).update(reversed=earned.reversed)
    return points


def merge(survivor: Account, merged: Account, *, now: dt.datetime, by: str = "") -> int:
    """Move everything of ``merged`` (a duplicate record merged into the survivor's) to
    ``survivor``, both locked: its lots, what its orders earned and its redemptions, and its
    balances as a pair of ``merge`` entries. Points owed on one side are paid from the other's
    lots. Returns the points moved (available + pending)."""
    balance, pending = merged.balance, merged.pending
    PointLot.objects.filter(account=merged).update(account=survivor)
    OrderPoints.objects.filter(account=merged).update(account=survivor)
    Redemption.objects.filter(account=merged).update(account=survivor)
    if balance or pending:
        _append(merged, EntryKind.MERGE, points=-balance, pending_points=-pending, at=now, by=by)
        _append(survivor, EntryKind.MERGE, points=balance, pending_points=pending, at=now, by=by)
    lots = _released(survivor)
    extra = sum(lot.remaining for lot in lots) - max(survivor.balance, 0)
    if extra > 0:
        _take(lots, extra)
    return balance + pending


def restore(account: Account, *, redemption: Redemption, now: dt.datetime, by: str = "") -> int:
    """Give back the points of a redemption on an order that was voided (what is not given
    back yet), into the lots they came from. Returns the points restored."""
    points = redemption.points - redemption.restored_points
    if points <= 0:
        return 0
    taken = [(int(pk), int(n)) for pk, n in redemption.lots]
    lots = {lot.pk: lot for lot in PointLot.objects.filter(pk__in=[pk for pk, _n in taken])}
    # The latest-expiring first: what was spent last comes back first.
    ordered = [(lots[pk], n) for pk, n in reversed(taken) if pk in lots]
    before = account.balance
    _append(
        account,
        EntryKind.RESTORE,
        points=points,
        at=now,
        by=by,
        order_id=redemption.order_id,
        redemption=redemption,
    )
    _fill(before, points, ordered)
    redemption.restored_points += points
    Redemption.objects.filter(pk=redemption.pk).update(restored_points=redemption.restored_points)
    return points
