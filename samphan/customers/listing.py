"""The customer list: filters, sorts and keyset pagination that stay fast at a million rows.

Pages are addressed by a cursor (the last row's sort value and id), never by OFFSET. The
count is exact up to ``EXACT_COUNT_LIMIT`` matching customers; beyond, it is the database's
estimate (PostgreSQL's planner), marked as such on the page ("about 250,000").
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from samphan.core.access import Actor
from samphan.customers.models import Customer
from samphan.customers.selectors import SearchHit, customer_list, customer_search

# Beyond ten thousand a shop reads "about": counting exactly up to 100,000 cost 12 ms of database
# CPU for the whole list at 1,000,000 customers, and 120 ms for a stage in one province.
EXACT_COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class CustomerFilters:
    q: str = ""
    province: str = ""
    lifecycle_stage: str = ""
    behaviour_type: str = ""
    acquisition_source: str = ""
    tag: str = ""
    home_branch_id: int | None = None
    min_orders: int | None = None
    min_spent_satang: int | None = None
    purchased_within_days: int | None = None
    not_purchased_for_days: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


# sort name → (field, descending). The id breaks ties and makes the cursor unique.
SORTS: dict[str, tuple[str, bool]] = {
    "newest": ("created_at", True),
    "last_order": ("last_order_at", True),
    "spend": ("total_spent_satang", True),
    "orders": ("orders_count", True),
    "name": ("first_name", False),
}


def customer_filter(*, actor: Actor, filters: CustomerFilters) -> QuerySet[Customer]:
    qs = customer_list(actor=actor)
    f = filters
    exact = {
        "province": f.province,
        "lifecycle_stage": f.lifecycle_stage,
        "behaviour_type": f.behaviour_type,
        "acquisition_source": f.acquisition_source,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    if f.tag:
        qs = qs.filter(tags__name=f.tag)
    if f.home_branch_id is not None:
        qs = qs.filter(home_branch_id=f.home_branch_id)
    if f.min_orders is not None:
        qs = qs.filter(orders_count__gte=f.min_orders)
    if f.min_spent_satang is not None:
        qs = qs.filter(total_spent_satang__gte=f.min_spent_satang)
    now = timezone.now()
    if f.purchased_within_days is not None:
        qs = qs.filter(last_order_at__gte=now - dt.timedelta(days=f.purchased_within_days))
    if f.not_purchased_for_days is not None:
        qs = qs.filter(last_order_at__lt=now - dt.timedelta(days=f.not_purchased_for_days))
    return qs


@dataclass
class CustomerPage:
    rows: list[Customer]
    next_cursor: str = ""
    hits: dict[int, SearchHit] = field(default_factory=dict)
    count: int = 0
    count_estimated: bool = False


def _encode(value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([value, pk], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if isinstance(value, dict) and "dt" in value:
        value = dt.datetime.fromisoformat(value["dt"])
    return value, int(pk)


def customer_page(
    *,
    actor: Actor,
    filters: CustomerFilters,
    sort: str = "newest",
    cursor: str = "",
    limit: int = 25,
) -> CustomerPage:
    """One page of customers. With a search query, the ranked search results (one page)."""
    qs = customer_filter(actor=actor, filters=filters)
    if filters.q:
        hits = customer_search(actor=actor, q=filters.q, limit=limit)
        allowed = set(qs.filter(pk__in=[h.customer.pk for h in hits]).values_list("pk", flat=True))
        kept = [h for h in hits if h.customer.pk in allowed]
        return CustomerPage(
            rows=[h.customer for h in kept],
            hits={h.customer.pk: h for h in kept},
            count=len(kept),
        )
    field_name, descending = SORTS.get(sort, SORTS["newest"])
    if field_name == "last_order_at":
        qs = qs.filter(last_order_at__isnull=False)  # customers who bought, most recent first
    qs = qs.order_by(f"-{field_name}", "-pk") if descending else qs.order_by(field_name, "pk")
    position = _decode(cursor) if cursor else None
    if position is not None:
        value, pk = position
        if descending:
            qs = qs.filter(
                Q(**{f"{field_name}__lt": value}) | Q(**{field_name: value, "pk__lt": pk})
            )
        else:
            qs = qs.filter(
                Q(**{f"{field_name}__gt": value}) | Q(**{field_name: value, "pk__gt": pk})
            )
    rows = list(qs[: limit + 1])
    next_cursor = ""
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(getattr(last, field_name), last.pk)
    page = CustomerPage(rows=rows, next_cursor=next_cursor)
    if position is None:
        page.count, page.count_estimated = customer_count(actor=actor, filters=filters)
    return page


def customer_count(*, actor: Actor, filters: CustomerFilters) -> tuple[int, bool]:
    """(how many customers match, whether that is an estimate). Exact up to
    ``EXACT_COUNT_LIMIT`` (counting stops one row past it); beyond, PostgreSQL's planner
    estimate, or the exact count where the database has no estimate to give. Where the
    estimate is over twice the limit, it is given without counting."""
    qs = customer_filter(actor=actor, filters=filters)
    estimate = _planner_estimate(qs)
    if estimate is not None and estimate > 2 * EXACT_COUNT_LIMIT:
        # Far past the limit by the planner's statistics: no row is counted. Counting the
        # first 10,001 of "loyal in Bangkok" at 1,000,000 customers was a parallel scan of the
        # table (50 ms of two cores), which the planner prefers to an index for that many rows.
        return estimate, True
    counted = counted_rows(qs).count()
    if counted <= EXACT_COUNT_LIMIT:
        return counted, False
    if estimate is None:
        return qs.count(), False
    return max(estimate, counted), True


def counted_rows(qs: QuerySet[Customer]) -> QuerySet[Customer, Any]:
    """What the exact count counts: at most ``EXACT_COUNT_LIMIT`` + 1 matching customers. The
    filters' indexes hold live customers only (``merged_into`` is null), so PostgreSQL counts
    them from the index alone, without visiting each row to check it was not merged."""
    return qs.values("pk")[: EXACT_COUNT_LIMIT + 1]


def _planner_estimate(qs: QuerySet[Customer]) -> int | None:
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
