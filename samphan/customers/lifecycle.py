"""Lifecycle stage (วงจรลูกค้า) derived from the purchase summary, recomputed set-based.

prospect        no paid order yet
first_purchase  one order, within the last 90 days
active          bought within 90 days (not new, not yet repeat)
repeat          2–4 orders, last within 180 days
loyal           5+ orders, last within 180 days
at_risk         last order 181–365 days ago
lapsed          no order for more than 365 days

It is derived state (like the cached summary), so recomputing it writes no timeline event.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone

from samphan.customers.models import Customer, LifecycleStage

NEW_DAYS = 90
REPEAT_DAYS = 180
LAPSED_DAYS = 365
LOYAL_ORDERS = 5


def lifecycle_case(now: dt.datetime) -> Case:
    recent = now - dt.timedelta(days=NEW_DAYS)
    warm = now - dt.timedelta(days=REPEAT_DAYS)
    cold = now - dt.timedelta(days=LAPSED_DAYS)
    return Case(
        When(
            Q(orders_count=0) | Q(last_order_at__isnull=True), then=Value(LifecycleStage.PROSPECT)
        ),
        When(last_order_at__lt=cold, then=Value(LifecycleStage.LAPSED)),
        When(last_order_at__lt=warm, then=Value(LifecycleStage.AT_RISK)),
        When(orders_count__gte=LOYAL_ORDERS, then=Value(LifecycleStage.LOYAL)),
        When(orders_count__gte=2, then=Value(LifecycleStage.REPEAT)),
        When(last_order_at__gte=recent, then=Value(LifecycleStage.FIRST_PURCHASE)),
        default=Value(LifecycleStage.ACTIVE),
        output_field=CharField(),
    )


def lifecycle_refresh(customers: QuerySet[Customer], *, now: dt.datetime | None = None) -> int:
    """Set ``lifecycle_stage`` on the given customers in one UPDATE; returns rows updated."""
    return customers.update(lifecycle_stage=lifecycle_case(now or timezone.now()))
