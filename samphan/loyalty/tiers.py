"""Membership tiers: what qualifies a member (spend or points over a rolling window), moving
up at once, moving down only at a review (the tier is kept ``tier_hold_months`` after it was
reached or last confirmed: the grace), and a ``tier.changed`` event each time."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samphan.commerce.models import PAID_STATUS, Order
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.loyalty.events import TierChanged
from samphan.loyalty.models import Account, EntryKind, LedgerEntry, Programme, Tier, TierBasis
from samphan.timeline.publish import publish

MAX_TIERS = 10
REVIEW_BATCH = 500


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_after(moment: dt.datetime, months: int) -> dt.datetime:
    return months_before(moment, -months)


def tiers_of(workspace: Workspace | int) -> list[Tier]:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return list(Tier.objects.filter(workspace_id=workspace_id).order_by("rank"))


def _invalid(message: str) -> ApplicationError:
    return ApplicationError("invalid_tiers", message, {"field": "tiers"}, status=422)


def tiers_replace(*, actor: Actor, tiers: Sequence[Mapping[str, Any]]) -> list[Tier]:
    """Set the workspace's tiers (owners and managers), lowest first: each with a name, a
    code (made from the name if not given), a threshold and an earning multiplier in percent.
    Thresholds must rise. A tier kept by code keeps its members; members of a removed tier
    have none until they qualify again (the nightly review and their next order)."""
    require(actor, Perm.LOYALTY_MANAGE)
    if not isinstance(tiers, list | tuple) or len(tiers) > MAX_TIERS:
        raise _invalid(_("Give at most %(n)s tiers.") % {"n": MAX_TIERS})
    clean: list[dict[str, Any]] = []
    last = -1
    for item in tiers:
        if not isinstance(item, Mapping):
            raise _invalid(_("Each tier needs a name and a threshold."))
        name = str(item.get("name") or "").strip()[:100]
        code = slugify(str(item.get("code") or name))[:32] or f"tier-{len(clean) + 1}"
        threshold = item.get("threshold", 0)
        percent = item.get("multiplier_percent", 100)
        if not name:
            raise _invalid(_("Each tier needs a name."))
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
            raise _invalid(_("A threshold is a whole number, 0 or more."))
        if threshold <= last:
            raise _invalid(_("Each tier's threshold must be higher than the one before."))
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 10_000:
            raise _invalid(_("A multiplier is a whole percent from 0 to 10000 (200 = double)."))
        if any(c["code"] == code for c in clean):
            raise _invalid(_("Two tiers have the code %(code)s.") % {"code": code})
        last = threshold
        clean.append(
            {"code": code, "name": name, "threshold": threshold, "multiplier_percent": percent}
        )
    with transaction.atomic():
        existing = {
            t.code: t for t in Tier.objects.select_for_update().filter(workspace=actor.workspace)
        }
        keep = {c["code"] for c in clean}
        Tier.objects.filter(workspace=actor.workspace).exclude(code__in=keep).delete()
        # Free the ranks first (unique per workspace), then write them in order.
        for offset, tier in enumerate(t for code, t in existing.items() if code in keep):
            Tier.objects.filter(pk=tier.pk).update(rank=1000 + offset)
        for rank, item in enumerate(clean):
            Tier.objects.update_or_create(
                workspace=actor.workspace, code=item["code"], defaults={**item, "rank": rank}
            )
    return tiers_of(actor.workspace)


def qualifying_value(*, programme: Programme, account: Account, now: dt.datetime) -> int:
    """What counts towards a tier: satang of paid orders, or points earned (orders and
    bonuses, less what was reversed), over the programme's window."""
    return qualifying_values(programme=programme, accounts=[account], now=now)[account.pk]


def qualifying_values(
    *, programme: Programme, accounts: Sequence[Account], now: dt.datetime
) -> dict[int, int]:
    """``qualifying_value`` of many accounts in one query, by account id."""
    since = months_before(now, programme.tier_window_months)
    values = dict.fromkeys((a.pk for a in accounts), 0)
    if programme.tier_basis == TierBasis.POINTS:
        entries = (
            LedgerEntry.objects.filter(
                account_id__in=list(values),
                created_at__gte=since,
                kind__in=[EntryKind.EARN, EntryKind.BONUS, EntryKind.REVERSE],
            )
            .values("account_id")
            .annotate(points=Sum("points"), pending=Sum("pending_points"))
        )
        for entry in entries:
            values[entry["account_id"]] = int((entry["points"] or 0) + (entry["pending"] or 0))
        return values
    by_customer = {a.customer_id: a.pk for a in accounts}
    spent = (
        Order.objects.filter(
            customer_id__in=list(by_customer), status=PAID_STATUS, placed_at__gte=since
        )
        .values("customer_id")
        .annotate(total=Sum("total_satang"))
    )
    for row in spent:
        values[by_customer[row["customer_id"]]] = int(row["total"] or 0)
    return values


def _qualified(tiers: Sequence[Tier], value: int) -> Tier | None:
    found = None
    for tier in tiers:
        if value >= tier.threshold:
            found = tier
    return found


def _rank(tier: Tier | None) -> int:
    return tier.rank if tier is not None else -1


def _move(
    account: Account,
    current: Tier | None,
    target: Tier | None,
    *,
    direction: str,
    programme: Programme,
    now: dt.datetime,
) -> TierChanged:
    """Put the account in ``target`` (in memory: the caller saves its tier fields)."""
    account.tier = target
    account.tier_since = now
    account.tier_review_at = (
        months_after(now, programme.tier_hold_months) if target is not None else None
    )
    return TierChanged(
        workspace_id=account.workspace_id,
        customer_id=account.customer_id,
        old_tier=current.name if current is not None else "",
        new_tier=target.name if target is not None else "",
        direction=direction,
    )


TIER_FIELDS = ["tier", "tier_since", "tier_review_at"]


def tier_raise(
    account: Account, value: int, *, programme: Programme, tiers: Sequence[Tier], now: dt.datetime
) -> TierChanged | None:
    """Move the (locked) account up to the tier ``value`` qualifies for, if that is higher:
    in memory only, for a bulk earning that saves its accounts' ``TIER_FIELDS`` and publishes
    the events together. ``tier_evaluate`` is the same for one account, saved at once."""
    current = next((t for t in tiers if t.pk == account.tier_id), None)
    target = _qualified(tiers, value)
    if _rank(target) <= _rank(current):
        return None
    return _move(account, current, target, direction="up", programme=programme, now=now)


def tier_evaluate(
    account: Account,
    *,
    programme: Programme,
    tiers: Sequence[Tier],
    now: dt.datetime,
    review: bool = False,
) -> bool:
    """Move the (locked) account to the tier it qualifies for: up at once; down only when
    ``review`` and its hold has passed. Returns whether the tier changed."""
    if not tiers:
        return False
    current = next((t for t in tiers if t.pk == account.tier_id), None)
    target = _qualified(tiers, qualifying_value(programme=programme, account=account, now=now))
    if _rank(target) > _rank(current):
        direction = "up"
    elif (
        _rank(target) < _rank(current)
        and review
        and (account.tier_review_at is None or account.tier_review_at <= now)
    ):
        direction = "down"
    else:
        if review and account.tier_review_at is not None and account.tier_review_at <= now:
            # Still qualifies at the review: kept for another hold.
            hold = months_after(now, programme.tier_hold_months)
            Account.objects.filter(pk=account.pk).update(tier_review_at=hold)
            account.tier_review_at = hold
        return False
    event = _move(account, current, target, direction=direction, programme=programme, now=now)
    Account.objects.filter(pk=account.pk).update(
        tier=account.tier, tier_since=now, tier_review_at=account.tier_review_at
    )
    publish(event)
    return True


def tiers_review(
    *, workspace: Workspace, programme: Programme, now: dt.datetime | None = None
) -> int:
    """Nightly: members whose hold has passed are reviewed (down if they no longer qualify;
    otherwise kept for another hold); members without a tier whose tier was removed are
    placed again. Returns the number of tier changes."""
    now = now or timezone.now()
    tiers = tiers_of(workspace)
    if not tiers:
        return 0
    due = list(
        Account.objects.filter(workspace=workspace, tier_review_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = 0
    for start in range(0, len(due), REVIEW_BATCH):
        with transaction.atomic():
            for account in (
                Account.objects.select_for_update()
                .filter(pk__in=due[start : start + REVIEW_BATCH])
                .order_by("pk")
            ):
                changed += tier_evaluate(
                    account, programme=programme, tiers=tiers, now=now, review=True
                )
    return changed


def tier_code_of(workspace_id: int, customer_id: int) -> str | None:
    """The coupons app's resolver: the member's tier code; None when the shop has no tiers;
    "" when it has tiers and the customer is in none."""
    if not Tier.objects.filter(workspace_id=workspace_id).exists():
        return None
    code = (
        Account.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
        .values_list("tier__code", flat=True)
        .first()
    )
    return code or ""
