"""Reads of the loyalty domain, workspace-scoped: a member's balances and next expiries, their
ledger, and the shop's points liability."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.selectors import customer_held
from samphan.loyalty.cards import card_live, card_path
from samphan.loyalty.models import Account, LedgerEntry, PointLot, Programme
from samphan.loyalty.programme import BANGKOK, points_value_satang, programme_get

NEXT_EXPIRIES = 5


def _customer(actor: Actor, customer_id: int, customer: Customer | None) -> Customer:
    """The member; 404 for another shop's or a merged one."""
    held = customer_held(actor=actor, customer_id=customer_id, customer=customer)
    if held is not None:
        return held
    found = Customer.objects.filter(
        workspace=actor.workspace, pk=customer_id, merged_into__isnull=True
    ).first()
    if found is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return found


@dataclass(frozen=True)
class Expiry:
    date: dt.date  # the last day the points can be used (Bangkok)
    points: int


@dataclass(frozen=True)
class AccountView:
    customer_id: int
    available: int
    pending: int
    owed: int
    value_satang: int
    version: int
    next_expiries: list[Expiry] = field(default_factory=list)
    pending_until: dt.date | None = None
    tier: str | None = None  # the tier's code
    tier_name: str | None = None
    tier_review_at: dt.datetime | None = None
    card_url: str | None = None


def last_day(expires_at: dt.datetime) -> dt.date:
    """Points expire at the start of a Bangkok day; the last day to use them is the one before."""
    return (expires_at.astimezone(BANGKOK) - dt.timedelta(seconds=1)).date()


def next_expiries(account: Account) -> list[Expiry]:
    expiries: dict[dt.date, int] = defaultdict(int)
    for expires_at, remaining in (
        account.lots.filter(is_pending=False, remaining__gt=0, expires_at__isnull=False)
        .order_by("expires_at", "pk")
        .values_list("expires_at", "remaining")[:200]
    ):
        if expires_at is not None:
            expiries[last_day(expires_at)] += remaining
    return [Expiry(date=d, points=p) for d, p in sorted(expiries.items())[:NEXT_EXPIRIES]]


def account_view(
    *, actor: Actor, customer_id: int, customer: Customer | None = None
) -> AccountView:
    """The member's points. ``customer``: the caller's, already read for this actor (the
    customer page's panel), so it is not read again; any other (not ``customer_id``'s, another
    shop's, merged) is ignored and ``customer_id`` read as without it."""
    customer = _customer(actor, customer_id, customer)
    programme = programme_get(workspace=actor.workspace)
    account = Account.objects.filter(customer=customer).select_related("tier").first()
    if account is None:
        return AccountView(
            customer_id=customer.pk, available=0, pending=0, owed=0, value_satang=0, version=0
        )
    now = timezone.now()
    first_pending = (
        account.lots.filter(is_pending=True, remaining__gt=0, available_at__gt=now)
        .order_by("available_at")
        .values_list("available_at", flat=True)
        .first()
    )
    available = max(account.balance, 0)
    return AccountView(
        customer_id=customer.pk,
        available=available,
        pending=account.pending,
        owed=max(-account.balance, 0),
        value_satang=points_value_satang(programme, available),
        version=account.version,
        next_expiries=next_expiries(account),
        pending_until=first_pending.astimezone(BANGKOK).date() if first_pending else None,
        tier=account.tier.code if account.tier is not None else None,
        tier_name=account.tier.name if account.tier is not None else None,
        tier_review_at=account.tier_review_at if account.tier is not None else None,
        card_url=card_path(card) if (card := card_live(account)) is not None else None,
    )


def ledger_list(
    *, actor: Actor, customer_id: int, customer: Customer | None = None
) -> QuerySet[LedgerEntry]:
    """The member's ledger, newest first. ``customer``: as for ``account_view``."""
    customer = _customer(actor, customer_id, customer)
    return (
        LedgerEntry.objects.filter(workspace=actor.workspace, account__customer=customer)
        .select_related("order")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class Liability:
    members: int
    outstanding_points: int
    outstanding_satang: int
    pending_points: int
    owed_points: int
    expiring_month: dt.date  # the first day of next month (Bangkok)
    expiring_points: int
    expiring_satang: int
    redeem_satang_per_point: int
    by_tier: list[dict[str, object]] = field(default_factory=list)


def liability(*, actor: Actor, now: dt.datetime | None = None) -> Liability:
    """What the shop owes its members in points: the available points and their value at the
    redeem rate, pending points, points owed back, and what expires next month."""
    require(actor, Perm.LOYALTY_MANAGE)
    programme: Programme = programme_get(workspace=actor.workspace)
    now = now or timezone.now()
    totals = Account.objects.filter(workspace=actor.workspace).aggregate(
        members=Count("pk"),
        outstanding=Sum("balance", filter=Q(balance__gt=0)),
        owed=Sum("balance", filter=Q(balance__lt=0)),
        pending=Sum("pending"),
    )
    local = now.astimezone(BANGKOK)
    month = dt.date(local.year + local.month // 12, local.month % 12 + 1, 1)
    after = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    # A lot expiring at 00:00 on the 1st of the month is used up by the last day before it.
    start = dt.datetime(month.year, month.month, 1, tzinfo=BANGKOK) + dt.timedelta(seconds=1)
    end = dt.datetime(after.year, after.month, 1, tzinfo=BANGKOK) + dt.timedelta(seconds=1)
    expiring = (
        PointLot.objects.filter(
            workspace=actor.workspace,
            is_pending=False,
            remaining__gt=0,
            expires_at__gte=start,
            expires_at__lt=end,
        ).aggregate(points=Sum("remaining"))["points"]
        or 0
    )
    outstanding = totals["outstanding"] or 0
    by_tier = [
        {
            "tier": row["tier__code"],
            "name": row["tier__name"],
            "members": row["members"],
            "outstanding_points": row["outstanding"] or 0,
            "outstanding_satang": points_value_satang(programme, row["outstanding"] or 0),
        }
        for row in Account.objects.filter(workspace=actor.workspace)
        .values("tier__code", "tier__name", "tier__rank")
        .annotate(members=Count("pk"), outstanding=Sum("balance", filter=Q(balance__gt=0)))
        .order_by("tier__rank")
    ]
    return Liability(
        members=totals["members"] or 0,
        outstanding_points=outstanding,
        outstanding_satang=points_value_satang(programme, outstanding),
        pending_points=totals["pending"] or 0,
        owed_points=-(totals["owed"] or 0),
        expiring_month=month,
        expiring_points=expiring,
        expiring_satang=points_value_satang(programme, expiring),
        redeem_satang_per_point=programme.redeem_satang_per_point,
        by_tier=by_tier,
    )
