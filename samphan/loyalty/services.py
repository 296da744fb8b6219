"""Writes of the loyalty domain: redeem and adjust (idempotent per ``Idempotency-Key``),
earning and reversal for orders (called by ``loyalty.subscribers``), bonuses, and the nightly
release and expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.models import PAID_STATUS, Order, OrderLine
from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.bulk import BulkTable
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.core.sink import RowSink
from samphan.customers.models import Customer
from samphan.loyalty import ledger
from samphan.loyalty.events import (
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsExpiring,
    PointsRedeemed,
    PointsReversed,
    TierChanged,
)
from samphan.loyalty.models import (
    Account,
    EntryKind,
    IdempotentRequest,
    LedgerEntry,
    MemberCard,
    Notice,
    OrderPoints,
    PointLot,
    Programme,
    Redemption,
    Tier,
    TierBasis,
)
from samphan.loyalty.programme import (
    BANGKOK,
    MAX_POINTS,
    Earning,
    LineBasis,
    available_at,
    expires_at,
    order_earning,
    points_value_satang,
    programme_get,
)
from samphan.loyalty.tiers import (
    TIER_FIELDS,
    qualifying_values,
    tier_raise,
    tiers_of,
    tiers_review,
)
from samphan.timeline.publish import publish, sink_writer
from samphan.timeline.registry import DomainEvent

IDEMPOTENCY_KEY_MAX = 200
REASON_MAX = 500
EXPIRY_NOTICE_DAYS = 30
NIGHTLY_BATCH = 500
# Expiry is set-based (a few statements per batch): larger batches, fewer round trips.
EXPIRY_BATCH = 20_000
# Expiry ranges worked on side by side (PostgreSQL): the database and Python overlap.
NIGHTLY_THREADS = 3


@dataclass(frozen=True)
class Answer:
    """A write's answer as the API gives it; ``replayed`` when it is the stored answer to an
    earlier request with the same ``Idempotency-Key``."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def customer_of(actor: Actor, customer_id: int) -> Customer:
    """The workspace's live customer, or 404 (another workspace's customer too)."""
    return _customer(actor, customer_id)


def _customer(actor: Actor, customer_id: int) -> Customer:
    found = Customer.objects.filter(
        workspace=actor.workspace, pk=customer_id, merged_into__isnull=True
    ).first()
    if found is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return found


def balances(account: Account | None) -> dict[str, int]:
    balance = account.balance if account is not None else 0
    return {
        "available": max(balance, 0),
        "pending": account.pending if account is not None else 0,
        "owed": max(-balance, 0),
    }


def _fingerprint(**parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _replay(actor: Actor, operation: str, key: str | None, fingerprint: str) -> Answer | None:
    if key is None:
        return None
    stored = IdempotentRequest.objects.filter(
        workspace=actor.workspace, operation=operation, key=key
    ).first()
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise ApplicationError(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request; send a new key."),
            {"field": "Idempotency-Key"},
            status=409,
        )
    return Answer(status=stored.status, body=stored.response, replayed=True)


def _store(actor: Actor, operation: str, key: str | None, fingerprint: str, answer: Answer) -> None:
    if key is not None:
        IdempotentRequest.objects.create(
            workspace=actor.workspace,
            operation=operation,
            key=key,
            fingerprint=fingerprint,
            status=answer.status,
            response=answer.body,
        )


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise ApplicationError(
            "invalid_idempotency_key",
            _("An Idempotency-Key is 1 to %(max)s characters.") % {"max": IDEMPOTENCY_KEY_MAX},
            {"field": "Idempotency-Key"},
            status=422,
        )
    return key


def insufficient_error(exc: ledger.Insufficient) -> ApplicationError:
    return ApplicationError(
        "insufficient_points",
        _("Only %(available)s points are available; %(asked)s were asked for.")
        % {"available": f"{exc.available:,}", "asked": f"{exc.asked:,}"},
        {"available": exc.available, "asked": exc.asked, "field": "points"},
        status=409,
    )


def _check_points(points: int, *, allow_negative: bool = False) -> None:
    low = -MAX_POINTS if allow_negative else 1
    if not low <= points <= MAX_POINTS or points == 0:
        raise ApplicationError(
            "invalid_points",
            _("Points must be a whole number from 1 to %(max)s.") % {"max": f"{MAX_POINTS:,}"}
            if not allow_negative
            else _("Points must be a whole number other than 0, at most %(max)s either way.")
            % {"max": f"{MAX_POINTS:,}"},
            {"field": "points"},
            status=422,
        )


def _idempotent(
    actor: Actor,
    *,
    operation: str,
    customer: Customer,
    key: str | None,
    fingerprint: str,
    run: Callable[[Account], Answer],
) -> Answer:
    """Run ``run`` on the locked account once per ``key``: the same key and request give the
    stored answer again, without doing anything. The account is locked before the key is
    looked up, so two requests with one key at the same moment run one after the other."""
    key = _check_key(key)
    try:
        with transaction.atomic():
            account = ledger.account_lock(workspace=actor.workspace, customer_id=customer.pk)
            replay = _replay(actor, operation, key, fingerprint)
            if replay is not None:
                return replay
            answer = run(account)
            _store(actor, operation, key, fingerprint, answer)
            return answer
    except IntegrityError:
        # The same key for another customer, stored at the same moment: answer as it did.
        with transaction.atomic():
            replay = _replay(actor, operation, key, fingerprint)
        if replay is None:
            raise
        return replay


def points_redeem(
    *,
    actor: Actor,
    customer_id: int,
    points: int,
    order_id: int | None = None,
    idempotency_key: str | None = None,
) -> Answer:
    """Spend ``points`` of the member's available balance, earliest-expiring first, as a
    discount worth ``points × redeem_satang_per_point``. More than is available is a 409
    ``insufficient_points`` and changes nothing; pending points can't be spent."""
    require(actor, Perm.LOYALTY_REDEEM)
    _check_points(points)
    customer = _customer(actor, customer_id)
    if (
        order_id is not None
        and not Order.objects.filter(workspace=actor.workspace, pk=order_id).exists()
    ):
        raise NotFound("order_not_found", _("Order not found."), {"field": "order_id"})
    programme = programme_get(workspace=actor.workspace)
    now = timezone.now()

    def run(account: Account) -> Answer:
        try:
            redemption = ledger.redeem(
                account,
                points=points,
                value_satang=points_value_satang(programme, points),
                order_id=order_id,
                now=now,
                by=actor.label,
            )
        except ledger.Insufficient as exc:
            raise insufficient_error(exc) from None
        publish(
            PointsRedeemed(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                points=points,
                value_satang=redemption.value_satang,
                redemption_id=redemption.pk,
                balance=account.balance,
            )
        )
        return Answer(
            status=201,
            body={
                "redemption_id": redemption.pk,
                "points": points,
                "value_satang": redemption.value_satang,
                "order_id": order_id,
                **balances(account),
            },
        )

    return _idempotent(
        actor,
        operation="redeem",
        customer=customer,
        key=idempotency_key,
        fingerprint=_fingerprint(customer=customer.pk, points=points, order=order_id),
        run=run,
    )


def points_adjust(
    *,
    actor: Actor,
    customer_id: int,
    points: int,
    reason: str,
    idempotency_key: str | None = None,
) -> Answer:
    """Add (positive) or take off (negative) points by hand, with a reason (owners and
    managers). Added points are available at once and expire as earned points do; taking off
    more than is available is refused (``insufficient_points``)."""
    require(actor, Perm.LOYALTY_MANAGE)
    _check_points(points, allow_negative=True)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ApplicationError(
            "reason_required",
            _("Give a reason, up to %(max)s characters.") % {"max": REASON_MAX},
            {"field": "reason"},
            status=422,
        )
    customer = _customer(actor, customer_id)
    programme = programme_get(workspace=actor.workspace)
    now = timezone.now()

    def run(account: Account) -> Answer:
        if points > 0:
            lot = ledger.credit(
                account,
                kind=EntryKind.ADJUST,
                points=points,
                at=now,
                available_at=now,
                expires_at=expires_at(programme, now),
                now=now,
                by=actor.label,
                reason=reason,
            )
            entry = LedgerEntry.objects.filter(lot=lot, kind=EntryKind.ADJUST).latest("pk")
        else:
            try:
                ledger.debit(account, points=-points, now=now, by=actor.label, reason=reason)
            except ledger.Insufficient as exc:
                raise insufficient_error(exc) from None
            entry = LedgerEntry.objects.filter(account=account).latest("pk")
        publish(
            PointsAdjusted(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                points=points,
                reason=reason,
                balance=account.balance,
            )
        )
        audit_record(
            action="loyalty.points_adjusted",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"customer:{customer.pk}",
            data={"points": points, "entry": entry.pk},
        )
        return Answer(
            status=201,
            body={"entry_id": entry.pk, "points": points, "reason": reason, **balances(account)},
        )

    return _idempotent(
        actor,
        operation="adjust",
        customer=customer,
        key=idempotency_key,
        fingerprint=_fingerprint(customer=customer.pk, points=points, reason=reason),
        run=run,
    )


# --- orders: earning and reversal (from commerce's events) -----------------------------------


# Orders earned together: one account lock, one insert of lots, one balance update each.
EARN_BATCH = 5_000


def orders_earn(
    *, workspace_id: int, order_ids: Sequence[int], now: dt.datetime | None = None
) -> int:
    """Credit the points of paid orders with a customer that have not earned yet (idempotent
    per order: an order earns once, whatever replays its event). Points that would already
    have expired (an old order imported) are not credited. Set-based, for an import's or a
    seed's many orders as for one: batches of ``EARN_BATCH`` orders, each with its accounts
    locked at once. Returns the points credited."""
    now = now or timezone.now()
    workspace = Workspace.objects.get(pk=workspace_id)
    programme = programme_get(workspace=workspace)
    if not programme.is_active or not order_ids:
        return 0
    ids = sorted(set(order_ids))
    tiers = tiers_of(workspace)
    return sum(
        _earn_batch(workspace, programme, tiers, ids[start : start + EARN_BATCH], now)
        for start in range(0, len(ids), EARN_BATCH)
    )


def _earn_batch(
    workspace: Workspace,
    programme: Programme,
    tiers: list[Tier],
    order_ids: Sequence[int],
    now: dt.datetime,
) -> int:
    """Earn a batch of orders, each with its member's tier multiplier at that point: moving
    up a tier happens at once (the multiplier counts from the member's next order)."""
    orders = [
        o
        for o in Order.objects.filter(
            workspace=workspace,
            pk__in=order_ids,
            status=PAID_STATUS,
            customer__isnull=False,
            loyalty_points__isnull=True,
        )
        .only(
            "pk", "customer_id", "number", "placed_at", "discount_satang", "channel_id", "branch_id"
        )
        .order_by("pk")
        if (expiry := expires_at(programme, o.placed_at)) is None or expiry > now  # not expired
    ]
    if not orders:
        return 0
    lines_by_order = _earning_lines(orders)
    accounts = ledger.accounts_lock(
        workspace=workspace, customer_ids=[o.customer_id for o in orders if o.customer_id]
    )
    values = (
        qualifying_values(programme=programme, accounts=list(accounts.values()), now=now)
        if tiers
        else {}
    )
    percents = {t.pk: t.multiplier_percent for t in tiers}
    credits: list[tuple[Order, ledger.Credit, Earning]] = []
    moves: list[TierChanged] = []
    raised: dict[int, Account] = {}
    for order in orders:
        assert order.customer_id is not None
        account = accounts[order.customer_id]
        earning = order_earning(
            programme,
            lines=lines_by_order.get(order.pk, []),
            discount_satang=order.discount_satang,
            channel_id=order.channel_id,
            branch_id=order.branch_id,
            at=order.placed_at,
            extra_percent=percents.get(account.tier_id, 100) if account.tier_id else 100,
        )
        if earning.points > 0:
            credit = ledger.Credit(
                account,
                kind=EntryKind.EARN,
                points=earning.points,
                at=now,
                available_at=available_at(programme, order.placed_at),
                expires_at=expires_at(programme, order.placed_at),
                order_id=order.pk,
            )
            credits.append((order, credit, earning))
            if programme.tier_basis == TierBasis.POINTS:
                values[account.pk] = values.get(account.pk, 0) + earning.points
        if tiers and (
            move := tier_raise(
                account, values[account.pk], programme=programme, tiers=tiers, now=now
            )
        ):
            moves.append(move)
            raised[account.pk] = account
    balance = {a.pk: a.balance for a in accounts.values()}
    lots = ledger.credit_many([c for _o, c, _e in credits], now=now)
    Account.objects.bulk_update(list(raised.values()), TIER_FIELDS, batch_size=500)
    sink = RowSink()
    rows = BulkTable(sink, OrderPoints, _ORDER_POINTS_COLUMNS)
    events: list[DomainEvent] = []
    for (order, credit, earning), lot in zip(credits, lots, strict=True):
        account = credit.account
        rows.add(
            workspace.pk, order.pk, account.pk, lot.pk, earning.points, earning.base_satang,
            sink.json(earning.lines),
        )  # fmt: skip
        balance[account.pk] += 0 if lot.is_pending else earning.points
        events.append(
            PointsEarned(
                workspace_id=workspace.pk,
                customer_id=account.customer_id,
                order_id=order.pk,
                points=earning.points,
                number=order.number,
                available_on=(
                    lot.available_at.astimezone(BANGKOK).date().isoformat()
                    if lot.is_pending
                    else ""
                ),
                balance=balance[account.pk],
                # Beside its order on the timeline (an imported order's points too).
                occurred_at=order.placed_at,
            )
        )
    rows.flush()
    publish([*events, *moves])
    return sum(earning.points for _o, _c, earning in credits)


def _earning_lines(orders: Sequence[Order]) -> dict[int, list[LineBasis]]:
    """The orders' lines, as what they earn on, by order id."""
    lines_by_order: dict[int, list[LineBasis]] = defaultdict(list)
    for row in OrderLine.objects.filter(order_id__in=[o.pk for o in orders]).values(
        "pk", "order_id", "line_total_satang", "quantity", "product_id", "product__category_id"
    ):
        lines_by_order[row["order_id"]].append(
            LineBasis(
                line_id=row["pk"],
                amount_satang=row["line_total_satang"],
                quantity=row["quantity"],
                product_id=row["product_id"],
                category_id=row["product__category_id"],
            )
        )
    return lines_by_order


_ORDER_POINTS_COLUMNS = (
    "workspace_id", "order_id", "account_id", "lot_id", "earned", "base_satang", "lines",
)  # fmt: skip


@dataclass(frozen=True)
class RefundLine:
    line_id: int
    quantity: int


def order_refund_reverse(
    *,
    workspace_id: int,
    order_id: int,
    refund_id: int,
    lines: Sequence[RefundLine],
    refunded_total_satang: int,
    total_satang: int,
    reason: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Take back the points the refunded part of an order earned: per line (its share of the
    line's points for the quantity refunded, all of it once the whole line is back), or in
    proportion to the amount refunded so far. Idempotent per refund; never more than the order
    earned. Returns the points reversed."""
    now = now or timezone.now()
    with transaction.atomic():
        earned = OrderPoints.objects.filter(workspace_id=workspace_id, order_id=order_id).first()
        if earned is None:
            return 0
        account = Account.objects.select_for_update().get(pk=earned.account_id)
        earned = OrderPoints.objects.select_for_update().get(pk=earned.pk)
        if refund_id in (earned.refund_ids or []):
            return 0
        points = 0
        if lines:
            by_line = dict(earned.lines or {})
            for refund in lines:
                info = dict(by_line.get(str(refund.line_id)) or {})
                if not info:
                    continue
                quantity = max(int(info.get("quantity") or 1), 1)
                refunded = min(int(info.get("refunded_quantity", 0)) + refund.quantity, quantity)
                share = int(info.get("points", 0))
                target = share if refunded >= quantity else share * refunded // quantity
                points += max(target - int(info.get("reversed", 0)), 0)
                info.update(
                    refunded_quantity=refunded, reversed=max(target, int(info.get("reversed", 0)))
                )
                by_line[str(refund.line_id)] = info
            earned.lines = by_line
        else:
            if total_satang <= 0 or refunded_total_satang >= total_satang:
                target = earned.earned
            else:
                target = earned.earned * refunded_total_satang // total_satang
            points = max(target - earned.reversed, 0)
        earned.refund_ids = [*(earned.refund_ids or []), refund_id]
        OrderPoints.objects.filter(pk=earned.pk).update(
            lines=earned.lines, refund_ids=earned.refund_ids
        )
        done = ledger.reverse(account, earned=earned, points=points, now=now, reason=reason)
        if done:
            _publish_reversed(account, order_id, done, 0)
        return done


def order_void_reverse(*, workspace_id: int, order_id: int, now: dt.datetime | None = None) -> int:
    """The order no longer counts (cancelled, refunded, returned): take back what it earned and
    has not been taken back, and give back the points redeemed on it. Idempotent."""
    now = now or timezone.now()
    done = 0
    with transaction.atomic():
        earned = OrderPoints.objects.filter(workspace_id=workspace_id, order_id=order_id).first()
        accounts: dict[int, tuple[int, int]] = {}
        if earned is not None:
            account = Account.objects.select_for_update().get(pk=earned.account_id)
            earned = OrderPoints.objects.select_for_update().get(pk=earned.pk)
            done = ledger.reverse(
                account, earned=earned, points=earned.earned - earned.reversed, now=now
            )
            accounts[account.pk] = (done, 0)
        for redemption in Redemption.objects.filter(
            workspace_id=workspace_id, order_id=order_id
        ).order_by("pk"):
            account = Account.objects.select_for_update().get(pk=redemption.account_id)
            redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
            back = ledger.restore(account, redemption=redemption, now=now)
            reversed_, restored = accounts.get(account.pk, (0, 0))
            accounts[account.pk] = (reversed_, restored + back)
        for account_id, (reversed_, restored) in accounts.items():
            if reversed_ or restored:
                _publish_reversed(Account.objects.get(pk=account_id), order_id, reversed_, restored)
    return done


def _publish_reversed(account: Account, order_id: int, points: int, restored: int) -> None:
    number = Order.objects.filter(pk=order_id).values_list("number", flat=True).first() or ""
    publish(
        PointsReversed(
            workspace_id=account.workspace_id,
            customer_id=account.customer_id,
            order_id=order_id,
            points=points,
            number=number,
            restored=restored,
            balance=account.balance,
        )
    )


# --- bonuses -----------------------------------------------------------------------------------


def bonus_credit(
    *,
    workspace: Workspace,
    customer_id: int,
    source: str,
    marker: str,
    now: dt.datetime | None = None,
) -> int:
    """A welcome or birthday bonus, once per ``marker`` (``welcome``, ``birthday-2026``)."""
    now = now or timezone.now()
    programme = programme_get(workspace=workspace)
    points = programme.welcome_bonus if source == "welcome" else programme.birthday_bonus
    if not programme.is_active or points <= 0:
        return 0
    with transaction.atomic():
        account = ledger.account_lock(workspace=workspace, customer_id=customer_id)
        if LedgerEntry.objects.filter(
            account=account, kind=EntryKind.BONUS, reason=marker
        ).exists():
            return 0
        ledger.credit(
            account,
            kind=EntryKind.BONUS,
            points=points,
            at=now,
            available_at=now,
            expires_at=expires_at(programme, now),
            now=now,
            reason=marker,
        )
        publish(
            PointsEarned(
                workspace_id=workspace.pk,
                customer_id=customer_id,
                points=points,
                source=source,
                balance=account.balance,
            )
        )
    return points


# --- nightly -----------------------------------------------------------------------------------


@dataclass
class NightlyResult:
    released: int = 0
    expired: int = 0
    warned: int = 0
    birthdays: int = 0
    tier_changes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per step, for the logs


def _account_batches(ids: Sequence[int], size: int = NIGHTLY_BATCH) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def loyalty_nightly(*, workspace: Workspace, now: dt.datetime | None = None) -> NightlyResult:
    """Release pending points whose return window closed, expire points whose time came
    (earliest first, one entry per lot), warn members 30 days before points expire
    (``points.expiring``, once per lot), give birthday bonuses and review tiers whose hold
    has passed. Each batch of accounts is
    its own transaction; running it twice changes nothing the second time."""
    now = now or timezone.now()
    result = NightlyResult()
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        result.seconds[step] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    due = PointLot.objects.filter(workspace=workspace, is_pending=True, available_at__lte=now)
    for batch in _account_batches(list(due.values_list("account_id", flat=True))):
        with transaction.atomic():
            for account in Account.objects.select_for_update().filter(pk__in=batch).order_by("pk"):
                result.released += ledger.release_due(account, now=now)
    lap("release")
    expired = PointLot.objects.filter(
        workspace=workspace, is_pending=False, remaining__gt=0, expires_at__lte=now
    )
    ids = expired.order_by("account_id").values_list("account_id", flat=True).distinct()
    ranges = _account_batches(list(ids), size=EXPIRY_BATCH)
    # The warnings are about lots that expire later than now, the expiry about the others: the
    # two can run side by side.
    counts = _side_by_side(
        [
            partial(_expiry_notices, workspace, now),
            *(partial(_expire_range, workspace.pk, r[0], r[-1], now) for r in ranges),
        ]
    )
    result.warned, result.expired = counts[0], sum(counts[1:])
    lap("expire and warn")
    result.birthdays = _birthdays(workspace, now)
    lap("birthdays")
    result.tier_changes = tiers_review(
        workspace=workspace, programme=programme_get(workspace=workspace), now=now
    )
    lap("tiers")
    return result


def _expire_range(workspace_id: int, first: int, last: int, now: dt.datetime) -> int:
    """Expire the due points of the accounts with ids ``first``..``last``, in one transaction,
    with their ``points.expired`` timeline rows. Returns the points."""
    with transaction.atomic():
        done = ledger.expire_accounts(workspace_id=workspace_id, first=first, last=last, now=now)
        publish(
            [
                PointsExpired(
                    workspace_id=workspace_id,
                    customer_id=e.customer_id,
                    points=e.points,
                    balance=e.balance,
                    occurred_at=now,
                )
                for e in done
            ],
            write_rows=sink_writer(RowSink()),
        )
    return sum(e.points for e in done)


def _side_by_side(jobs: Sequence[Callable[[], int]]) -> list[int]:
    """Run ``jobs`` (each in its own transaction) and return their results in order: on
    PostgreSQL in ``NIGHTLY_THREADS`` threads, each with its own connection (the database works
    on one job's statements while Python builds another's events: a million accounts' expiry
    and warnings took 157 s one after another); one after another on SQLite (one writer at a
    time) or inside a transaction (which the threads could not see)."""
    if (
        len(jobs) < 2
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
        or NIGHTLY_THREADS < 2
    ):
        return [job() for job in jobs]

    def run(job: Callable[[], int]) -> int:
        try:
            return job()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=NIGHTLY_THREADS) as pool:
        return list(pool.map(run, jobs))


def _expiry_notices(workspace: Workspace, now: dt.datetime) -> int:
    """One ``points.expiring`` per member and last day, for the points that expire within
    ``EXPIRY_NOTICE_DAYS`` and were not warned of before; a ``Notice`` per lot remembers it."""
    horizon = now + dt.timedelta(days=EXPIRY_NOTICE_DAYS)
    lots = PointLot.objects.filter(
        workspace=workspace,
        is_pending=False,
        remaining__gt=0,
        expires_at__gt=now,
        expires_at__lte=horizon,
        notice__isnull=True,
    )
    with transaction.atomic():
        due = list(
            lots.values_list("pk", "account__customer_id", "expires_at", "remaining").iterator(
                chunk_size=5000
            )
        )
        if not due:
            return 0
        grouped: dict[tuple[int, dt.date], int] = defaultdict(int)
        for _lot, customer_id, expires_at, points in due:
            # A lot expires at the start of a Bangkok day: the last day to use it is the one before.
            assert expires_at is not None
            last_day = (expires_at.astimezone(BANGKOK) - dt.timedelta(seconds=1)).date()
            grouped[(customer_id, last_day)] += points
        # COPY on PostgreSQL. (An INSERT … SELECT … WHERE NOT EXISTS (a notice of the lot) read
        # the table it was writing once per row: 276 s for 250,000 lots.)
        sink = RowSink()
        sent_at = sink.datetime(now)
        sink.insert(
            Notice,
            ("workspace_id", "lot_id", "sent_at"),
            ((workspace.pk, lot, sent_at) for lot, *_ in due),
        )
        publish(
            [
                PointsExpiring(
                    workspace_id=workspace.pk,
                    customer_id=customer_id,
                    points=points,
                    expires_on=day.isoformat(),
                )
                for (customer_id, day), points in sorted(grouped.items())
            ],
            write_rows=sink_writer(sink),
        )
    return len(grouped)


def _birthdays(workspace: Workspace, now: dt.datetime) -> int:
    programme = programme_get(workspace=workspace)
    if not programme.is_active or programme.birthday_bonus <= 0:
        return 0
    today = now.astimezone(BANGKOK).date()
    ids = Customer.objects.filter(
        workspace=workspace,
        merged_into__isnull=True,
        birthday__month=today.month,
        birthday__day=today.day,
    ).values_list("pk", flat=True)
    given = 0
    for customer_id in ids:
        if bonus_credit(
            workspace=workspace,
            customer_id=customer_id,
            source="birthday",
            marker=f"birthday-{today.year}",
            now=now,
        ):
            given += 1
    return given


def accounts_merge(*, workspace_id: int, survivor_id: int, merged_id: int) -> int:
    """A duplicate customer was merged into another: when both had points accounts, the
    duplicate's points, lots and history move to the survivor's account (an undo of the merge
    leaves them there). Returns the points moved."""
    with transaction.atomic():
        accounts = {
            a.customer_id: a
            for a in Account.objects.select_for_update()
            .filter(workspace_id=workspace_id, customer_id__in=[survivor_id, merged_id])
            .order_by("pk")
        }
        survivor, merged = accounts.get(survivor_id), accounts.get(merged_id)
        if survivor is None or merged is None:
            return 0  # the merge itself moved the one account there was
        moved = ledger.merge(survivor, merged, now=timezone.now())
        MemberCard.objects.filter(account=merged, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return moved
