"""A plain-Python evaluation of segment rule trees, written independently of the compiler.

It reads customers as simple Python records (``Person``) and applies the documented semantics
of ``samphan.segments.rules`` directly: unknown values never match a comparison, money in baht,
local calendar days, paid orders only, empty groups skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo


@dataclass
class Purchase:
    status: str
    placed_at: dt.datetime
    channel_id: int
    branch_id: int | None
    product_ids: list[int | None]
    total_satang: int = 0


@dataclass
class Consent:
    pk: int
    purpose: str
    granted: bool
    recorded_at: dt.datetime


@dataclass
class Person:
    pk: int
    first_name: str = ""
    last_name: str = ""
    nickname: str = ""
    gender: str = ""
    province: str = ""
    acquisition_source: str = ""
    preferred_channel: str = ""
    behaviour_type: str = ""
    lifecycle_stage: str = ""
    birthday: dt.date | None = None
    home_branch_id: int | None = None
    merged: bool = False
    contact_kinds: set[str] = field(default_factory=set)
    tag_ids: set[int] = field(default_factory=set)
    consents: list[Consent] = field(default_factory=list)
    metrics: dict[str, Any] | None = None
    orders: list[Purchase] = field(default_factory=list)

    @property
    def paid(self) -> list[Purchase]:
        return [o for o in self.orders if o.status == "paid"]


@dataclass
class World:
    now: dt.datetime
    tz: ZoneInfo
    people: list[Person]
    category_of: dict[int, int | None]  # product id → category id


def satang(baht: Any) -> int:
    return int(Decimal(str(baht)) * 100)


def matches(world: World, tree: Mapping[str, Any]) -> set[int]:
    return {p.pk for p in world.people if not p.merged and _node(world, tree, p)}


def _empty(node: Mapping[str, Any]) -> bool:
    return "items" in node and all(_empty(c) for c in node["items"])


def _node(world: World, node: Mapping[str, Any], person: Person) -> bool:
    if "items" in node:
        results = [_node(world, c, person) for c in node["items"] if not _empty(c)]
        if not results:
            return True
        return any(results) if node["op"] == "or" else all(results)
    return _condition(world, node, person)


def _compare(value: Any, op: str, target: Any) -> bool:
    if op == "is_set":
        return value is not None
    if op == "is_not_set":
        return value is None
    if value is None:
        return False
    if op == "eq":
        return bool(value == target)
    if op == "ne":
        return bool(value != target)
    if op == "in":
        return value in target
    if op == "not_in":
        return value not in target
    if op == "gt":
        return bool(value > target)
    if op == "gte":
        return bool(value >= target)
    if op == "lt":
        return bool(value < target)
    if op == "lte":
        return bool(value <= target)
    if op == "between":
        return bool(target[0] <= value <= target[1])
    raise AssertionError(op)


def _date_compare(world: World, moment: dt.datetime | None, op: str, value: Any) -> bool:
    if op in ("is_set", "is_not_set"):
        return _compare(moment, op, None)
    if moment is None:
        return False
    if op == "within_days":
        return moment >= world.now - dt.timedelta(days=value)
    if op == "not_within_days":
        return moment < world.now - dt.timedelta(days=value)
    day = moment.astimezone(world.tz).date()
    if op == "between":
        return dt.date.fromisoformat(value[0]) <= day <= dt.date.fromisoformat(value[1])
    target = dt.date.fromisoformat(value)
    return {"on": day == target, "before": day < target, "after": day > target}[op]


def _in_period(world: World, order: Purchase, period: dict[str, Any] | None) -> bool:
    if not period:
        return True
    if "within_days" in period:
        return order.placed_at >= world.now - dt.timedelta(days=period["within_days"])
    day = order.placed_at.astimezone(world.tz).date()
    if period.get("from") and day < dt.date.fromisoformat(period["from"]):
        return False
    return not (period.get("to") and day > dt.date.fromisoformat(period["to"]))


def _bought(world: World, person: Person, kind: str, period: dict[str, Any] | None) -> set[int]:
    """The products / categories / channels / branches of the person's paid orders."""
    seen: set[int] = set()
    for order in person.paid:
        if not _in_period(world, order, period):
            continue
        if kind == "channel":
            seen.add(order.channel_id)
        elif kind == "branch":
            if order.branch_id is not None:
                seen.add(order.branch_id)
        else:
            for product_id in order.product_ids:
                if product_id is None:
                    continue
                if kind == "product":
                    seen.add(product_id)
                else:
                    category = world.category_of.get(product_id)
                    if category is not None:
                        seen.add(category)
    return seen


def _set_op(have: set[int], op: str, wanted: list[int]) -> bool:
    if op == "any":
        return bool(have & set(wanted))
    if op == "all":
        return set(wanted) <= have
    return not (have & set(wanted))  # none


def _metric(person: Person, key: str) -> Any:
    if person.metrics is None:
        return None
    return person.metrics.get(key)


def _condition(world: World, c: Mapping[str, Any], p: Person) -> bool:
    f, op = c["field"], c["operator"]
    v: Any = c.get("value")
    if f in (
        "gender",
        "province",
        "acquisition_source",
        "preferred_channel",
        "behaviour_type",
        "lifecycle_stage",
    ):
        return _compare(getattr(p, f), op, v)
    if f == "home_branch":
        return _compare(p.home_branch_id, op, v)
    if f == "birthday_month":
        month = p.birthday.month if p.birthday else None
        local = world.now.astimezone(world.tz).date()
        if op == "this_month":
            return month == local.month
        if op == "next_month":
            return month == local.month % 12 + 1
        return _compare(month, op, v)
    if f == "name":
        text = v.lower()
        found = any(text in s.lower() for s in (p.first_name, p.last_name, p.nickname))
        return found if op == "contains" else not found
    if f in ("has_phone", "has_email", "has_line"):
        has = f.removeprefix("has_") in p.contact_kinds
        return has if op == "is_true" else not has
    if f.startswith("consent_"):
        purpose = f.removeprefix("consent_")
        rows = [r for r in p.consents if r.purpose == purpose]
        latest = max(rows, key=lambda r: (r.recorded_at, r.pk)) if rows else None
        granted = latest is not None and latest.granted
        return granted if op == "is_true" else not granted
    if f == "tags":
        return _set_op(p.tag_ids, op, v)
    if f == "orders_count":
        return _compare(len([o for o in p.paid if _in_period(world, o, c.get("period"))]), op, v)
    if f == "total_spent":
        total = sum(o.total_satang for o in p.paid if _in_period(world, o, c.get("period")))
        target: Any = [satang(x) for x in v] if isinstance(v, list) else satang(v)
        return _compare(total, op, target)
    if f in ("first_purchase", "last_purchase"):
        times = [o.placed_at for o in p.paid]
        moment = (min(times) if f == "first_purchase" else max(times)) if times else None
        return _date_compare(world, moment, op, v)
    if f.startswith("bought_"):
        return _set_op(_bought(world, p, f.removeprefix("bought_"), c.get("period")), op, v)
    if f == "rfm_segment":
        return _compare(_metric(p, "rfm_segment") or None, op, v)
    if f in ("r_score", "f_score", "m_score", "p_alive"):
        return _compare(_metric(p, f), op, v)
    if f in ("historical_clv", "predicted_clv_12m"):
        key = "historical_clv_satang" if f == "historical_clv" else "clv_12m_satang"
        target = (
            None if v is None else ([satang(x) for x in v] if isinstance(v, list) else satang(v))
        )
        return _compare(_metric(p, key), op, target)
    raise AssertionError(f"no evaluation for field {f}")
