"""The workspace's programme: read (the defaults when it has no row), changed by owners and
managers, and what it says an order earns."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.loyalty.models import ExpiryRule, Programme, Rounding, TierBasis

BANGKOK = ZoneInfo("Asia/Bangkok")
MULTIPLIER_KINDS = ("channel", "branch", "category", "product")
MAX_RULES = 200
MAX_PERCENT = 10_000  # ×100
MAX_POINTS = 10**9
EDITABLE = (
    "is_active", "points_per_unit", "unit_satang", "rounding", "pending_days",
    "redeem_satang_per_point", "expiry_rule", "expiry_months", "multipliers", "promotions",
    "excluded_category_ids", "excluded_product_ids", "welcome_bonus", "birthday_bonus",
    "tier_basis", "tier_window_months", "tier_hold_months",
)  # fmt: skip


def programme_get(*, workspace: Workspace) -> Programme:
    """The workspace's programme; an unsaved one with the defaults when it has none."""
    found = Programme.objects.filter(workspace=workspace).first()
    return found if found is not None else Programme(workspace=workspace)


def programme_ensure(*, workspace: Workspace) -> Programme:
    """The workspace's programme row, created with the defaults the first time."""
    found = Programme.objects.filter(workspace=workspace).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Programme.objects.create(workspace=workspace)
    except IntegrityError:  # created by someone else at the same moment
        return Programme.objects.get(workspace=workspace)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid_programme", message, {"field": field}, status=422)


def _int(data: Mapping[str, Any], field: str, low: int, high: int) -> int:
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(
            field,
            _("%(field)s must be a whole number from %(low)s to %(high)s.")
            % {"field": field, "low": low, "high": high},
        )
    return value


def _ids(data: Mapping[str, Any], field: str) -> list[int]:
    value = data[field]
    if not isinstance(value, list) or len(value) > MAX_RULES:
        raise _invalid(field, _("Give a list of at most %(n)s ids.") % {"n": MAX_RULES})
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
        raise _invalid(field, _("Every id must be a positive whole number."))
    return sorted(set(value))


def _multipliers(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_RULES:
        raise _invalid("multipliers", _("Give a list of at most %(n)s rules.") % {"n": MAX_RULES})
    out = []
    for rule in value:
        if not isinstance(rule, Mapping) or rule.get("kind") not in MULTIPLIER_KINDS:
            raise _invalid(
                "multipliers",
                _("Each rule needs a kind (channel, branch, category or product), an id and a "
                  "percent."),
            )  # fmt: skip
        pk, percent = rule.get("id"), rule.get("percent")
        if not isinstance(pk, int) or isinstance(pk, bool) or pk < 1:
            raise _invalid("multipliers", _("Every id must be a positive whole number."))
        if (
            not isinstance(percent, int)
            or isinstance(percent, bool)
            or not 0 <= percent <= MAX_PERCENT
        ):
            raise _invalid(
                "multipliers",
                _("A percent is a whole number from 0 to %(max)s (200 = double points).")
                % {"max": MAX_PERCENT},
            )
        out.append({"kind": rule["kind"], "id": pk, "percent": percent})
    return out


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise _invalid(
                "promotions", _("Give start and end as dates and times (2026-11-11T00:00+07:00).")
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BANGKOK)
    if not 2000 <= moment.year <= 2200:
        raise _invalid("promotions", _("A promotion's dates must be from 2000 to 2200."))
    return moment


def _promotions(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_RULES:
        raise _invalid("promotions", _("Give a list of at most %(n)s rules.") % {"n": MAX_RULES})
    out = []
    for promo in value:
        if not isinstance(promo, Mapping):
            raise _invalid("promotions", _("Each promotion needs a start, an end and a percent."))
        starts, ends = _moment(promo.get("starts_at")), _moment(promo.get("ends_at"))
        if ends <= starts:
            raise _invalid("promotions", _("A promotion must end after it starts."))
        percent = promo.get("percent")
        if (
            not isinstance(percent, int)
            or isinstance(percent, bool)
            or not 0 <= percent <= MAX_PERCENT
        ):
            raise _invalid(
                "promotions",
                _("A percent is a whole number from 0 to %(max)s (200 = double points).")
                % {"max": MAX_PERCENT},
            )
        name = str(promo.get("name") or "")[:100]
        out.append(
            {
                "name": name,
                "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(),
                "percent": percent,
            }
        )
    return out


def programme_update(*, actor: Actor, changes: Mapping[str, Any]) -> Programme:
    """Change the programme (owners and managers): only the fields given, each checked."""
    require(actor, Perm.LOYALTY_MANAGE)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise _invalid(unknown[0], _("Unknown setting: %(name)s.") % {"name": unknown[0]})
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "is_active":
            if not isinstance(value, bool):
                raise _invalid(name, _("Give true or false."))
            clean[name] = value
        elif name == "rounding":
            if value not in Rounding.values:
                raise _invalid(name, _("Rounding is floor, round or ceil."))
            clean[name] = value
        elif name == "tier_basis":
            if value not in TierBasis.values:
                raise _invalid(name, _("Tiers are by spend or points."))
            clean[name] = value
        elif name in ("tier_window_months", "tier_hold_months"):
            clean[name] = _int(changes, name, 1, 120)
        elif name == "expiry_rule":
            if value not in ExpiryRule.values:
                raise _invalid(name, _("Expiry is rolling, calendar_year or never."))
            clean[name] = value
        elif name in ("points_per_unit",):
            clean[name] = _int(changes, name, 0, 10_000)
        elif name == "unit_satang":
            clean[name] = _int(changes, name, 100, 100_000_000)
        elif name == "pending_days":
            clean[name] = _int(changes, name, 0, 365)
        elif name == "redeem_satang_per_point":
            clean[name] = _int(changes, name, 1, 1_000_000)
        elif name == "expiry_months":
            clean[name] = _int(changes, name, 1, 120)
        elif name in ("welcome_bonus", "birthday_bonus"):
            clean[name] = _int(changes, name, 0, 1_000_000)
        elif name == "multipliers":
            clean[name] = _multipliers(value)
        elif name == "promotions":
            clean[name] = _promotions(value)
        else:
            clean[name] = _ids(changes, name)
    with transaction.atomic():
        programme = programme_ensure(workspace=actor.workspace)
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        before = {k: getattr(programme, k) for k in clean}
        for name, value in clean.items():
            setattr(programme, name, value)
        programme.save()
        changed = {k: {"from": before[k], "to": v} for k, v in clean.items() if before[k] != v}
        if changed:
            audit_record(
                action="loyalty.programme_changed",
                workspace=actor.workspace,
                actor=actor.user,
                actor_label=actor.label,
                data={"changes": changed},
            )
    return programme


# --- what an order earns -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineBasis:
    """One order line as earning sees it."""

    line_id: int
    amount_satang: int
    quantity: int
    product_id: int | None
    category_id: int | None


def _round(numerator: int, denominator: int, mode: str) -> int:
    """numerator / denominator rounded as the programme says, in integers (no floats)."""
    if denominator <= 0:
        return 0
    q, r = divmod(numerator, denominator)
    if r == 0 or mode == Rounding.FLOOR:
        return q
    if mode == Rounding.CEIL:
        return q + 1
    return q + 1 if 2 * r >= denominator else q


def earning_percent(
    programme: Programme,
    *,
    line: LineBasis,
    channel_id: int | None,
    branch_id: int | None,
    at: dt.datetime,
) -> int:
    """The line's multiplier in percent: the programme's multipliers that match it multiply
    together, and so do the promotions running at ``at`` (100 = normal)."""
    percent = 100
    matches = {
        "channel": channel_id,
        "branch": branch_id,
        "category": line.category_id,
        "product": line.product_id,
    }
    for rule in programme.multipliers or []:
        if matches.get(rule.get("kind")) == rule.get("id"):
            percent = percent * int(rule.get("percent", 100)) // 100
    for promo in programme.promotions or []:
        starts = dt.datetime.fromisoformat(promo["starts_at"])
        ends = dt.datetime.fromisoformat(promo["ends_at"])
        if starts <= at < ends:
            percent = percent * int(promo.get("percent", 100)) // 100
    return percent


def line_excluded(programme: Programme, line: LineBasis) -> bool:
    return (
        line.product_id is not None and line.product_id in (programme.excluded_product_ids or [])
    ) or (
        line.category_id is not None and line.category_id in (programme.excluded_category_ids or [])
    )


@dataclass(frozen=True)
class Earning:
    points: int
    base_satang: int
    lines: dict[str, dict[str, int]]  # {line_id: {"points", "quantity", "amount_satang"}}


def order_earning(
    programme: Programme,
    *,
    lines: Sequence[LineBasis],
    discount_satang: int,
    channel_id: int | None,
    branch_id: int | None,
    at: dt.datetime,
    extra_percent: int = 100,
) -> Earning:
    """The points an order earns. Shipping is not a line and earns nothing; the order's
    discount is taken off the lines in proportion to their amounts (so discounted spend
    earns nothing); excluded products and categories (gift cards) earn nothing. Each line's
    spend is weighted by its multiplier, the sum is rounded once as the programme says, and
    the points are shared out over the lines (largest remainders), so that a line's refund
    takes back exactly its share. ``extra_percent`` is the member's tier multiplier."""
    if not programme.is_active or not lines:
        return Earning(points=0, base_satang=0, lines={})
    gross = sum(max(line.amount_satang, 0) for line in lines)
    discount = min(max(discount_satang, 0), gross)
    weighted: dict[int, int] = {}  # line_id -> satang × percent
    net_by_line: dict[int, int] = {}
    for line in lines:
        amount = max(line.amount_satang, 0)
        share = discount * amount // gross if gross else 0
        net = amount - share
        net_by_line[line.line_id] = net
        if line_excluded(programme, line):
            weighted[line.line_id] = 0
            continue
        percent = earning_percent(
            programme, line=line, channel_id=channel_id, branch_id=branch_id, at=at
        )
        weighted[line.line_id] = net * percent * extra_percent // 100
    total_weighted = sum(weighted.values())
    # points = weighted / 100 / unit × points_per_unit
    points = _round(
        total_weighted * programme.points_per_unit, 100 * programme.unit_satang, programme.rounding
    )
    base = sum(net_by_line[pk] for pk, w in weighted.items() if w)
    shares = _share_out(points, weighted)
    by_line = {
        str(line.line_id): {
            "points": shares.get(line.line_id, 0),
            "quantity": line.quantity,
            "amount_satang": net_by_line[line.line_id],
        }
        for line in lines
    }
    return Earning(points=points, base_satang=base, lines=by_line)


def _share_out(points: int, weights: Mapping[int, int]) -> dict[int, int]:
    total = sum(weights.values())
    if points <= 0 or total <= 0:
        return {}
    out = {k: points * w // total for k, w in weights.items()}
    left = points - sum(out.values())
    by_remainder = sorted(weights, key=lambda k: (-(points * weights[k] % total), k))
    for k in by_remainder[:left]:
        out[k] += 1
    return out


def points_value_satang(programme: Programme, points: int) -> int:
    return points * programme.redeem_satang_per_point


def available_at(programme: Programme, earned_at: dt.datetime) -> dt.datetime:
    return earned_at + dt.timedelta(days=programme.pending_days)


def expires_at(programme: Programme, earned_at: dt.datetime) -> dt.datetime | None:
    """When points earned at ``earned_at`` expire: N months later (Bangkok calendar; the 31st
    becomes the month's last day), or at the end of the calendar year, or never."""
    local = earned_at.astimezone(BANGKOK)
    if programme.expiry_rule == ExpiryRule.NEVER:
        return None
    if programme.expiry_rule == ExpiryRule.CALENDAR_YEAR:
        return dt.datetime(local.year + 1, 1, 1, tzinfo=BANGKOK)
    months = local.month - 1 + programme.expiry_months
    year, month = local.year + months // 12, months % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    # Expire at the end of that day (Bangkok), so a member keeps the whole day.
    return dt.datetime(year, month, day, tzinfo=BANGKOK) + dt.timedelta(days=1)
