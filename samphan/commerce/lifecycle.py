"""Lifecycle stage (วงจรลูกค้า), derived from the purchase summary, recomputed set-based.

prospect        no paid order yet
first_purchase  one order, within the last 90 days
active          bought within 90 days (not new, not yet repeat)
repeat          2–4 orders, last within 180 days
loyal           5+ orders, last within 180 days
at_risk         last order 181–365 days ago
lapsed          no order for more than 365 days

Commerce owns the stage (it is derived from orders): it is refreshed when orders change (an
in-transaction subscriber) and every night (``samphan lifecycle`` / celery beat, since time
alone moves customers to at-risk and lapsed). Every change writes a ``lifecycle.changed``
event. A stage set by hand (a profile edit, ``customers.services.customer_update``) is kept
until it is cleared; clearing it derives the stage again at once (commerce/subscribers.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone

from samphan.core.models import Workspace
from samphan.customers.events import LifecycleChanged
from samphan.customers.models import Customer, LifecycleStage
from samphan.timeline.publish import publish

NEW_DAYS = 90
REPEAT_DAYS = 180
LAPSED_DAYS = 365
LOYAL_ORDERS = 5
REASON_MAX = 500
BATCH = 5000


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


def _changes(
    customers: QuerySet[Customer], now: dt.datetime
) -> Iterator[list[tuple[int, int, str, str]]]:
    """(id, workspace, old, new) of the customers whose derived stage differs, in batches."""
    rows = (
        customers.filter(lifecycle_stage_by_hand=False, merged_into__isnull=True)
        .annotate(derived=lifecycle_case(now))
        .exclude(lifecycle_stage=F("derived"))
        .values_list("pk", "workspace_id", "lifecycle_stage", "derived")
        .order_by("pk")
    )
    batch: list[tuple[int, int, str, str]] = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def lifecycle_refresh(
    customers: QuerySet[Customer],
    *,
    now: dt.datetime | None = None,
    occurred_at: dt.datetime | None = None,
) -> int:
    """Move every customer in ``customers`` whose stage is not set by hand to the stage its
    purchase summary gives, writing a ``lifecycle.changed`` event for each change. Call inside
    the caller's transaction. Returns how many customers changed stage."""
    now = now or timezone.now()
    changed = 0
    # Materialise the changes first: updating while reading the same rows would skip some.
    for batch in list(_changes(customers, now)):
        by_stage: dict[str, list[int]] = {}
        for pk, _ws, _old, new in batch:
            by_stage.setdefault(new, []).append(pk)
        for stage, ids in by_stage.items():
            Customer.objects.filter(pk__in=ids).update(lifecycle_stage=stage)
        publish(
            [
                LifecycleChanged(
                    workspace_id=ws,
                    customer_id=pk,
                    old_stage=old,
                    new_stage=new,
                    occurred_at=occurred_at or now,
                )
                for pk, ws, old, new in batch
            ]
        )
        changed += len(batch)
    return changed


def lifecycle_refresh_workspace(*, workspace: Workspace, now: dt.datetime | None = None) -> int:
    """The nightly pass over one workspace (time alone makes customers at risk or lapsed)."""
    with transaction.atomic():
        return lifecycle_refresh(Customer.objects.filter(workspace=workspace), now=now)
