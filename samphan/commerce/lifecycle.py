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
event. A stage set by hand (``lifecycle_stage_set``) is kept until it is cleared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.events import LifecycleChanged
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm
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


def lifecycle_stage_set(
    *, actor: Actor, customer_id: int, stage: str | None, reason: str = ""
) -> Customer:
    """Set the stage by hand, with a reason (kept until cleared), or clear it (``stage=None``)
    so the stage derived from purchases applies again."""
    require(actor, Perm.CUSTOMER_EDIT)
    reason = " ".join(reason.split())
    if stage is not None and stage not in LifecycleStage.values:
        raise ApplicationError(
            "invalid_stage", _("Unknown lifecycle stage."), {"field": "stage"}, status=422
        )
    if stage is not None and not reason:
        raise ApplicationError(
            "reason_required",
            _("Say why this customer's stage is set by hand."),
            {"field": "reason"},
            status=422,
        )
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            "too_long",
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX},
            {"field": "reason"},
            status=422,
        )
    with transaction.atomic():
        customer = (
            Customer.objects.select_for_update()
            .filter(workspace=actor.workspace, pk=customer_id, merged_into__isnull=True)
            .first()
        )
        if customer is None:
            raise NotFound("customer_not_found", _("Customer not found."))
        old = customer.lifecycle_stage
        if stage is None:
            customer.lifecycle_stage_by_hand = False
            customer.lifecycle_stage_reason = ""
            customer.lifecycle_stage_set_by = None
            customer.lifecycle_stage_set_at = None
            customer.lifecycle_stage = lifecycle_derived(customer)
        else:
            customer.lifecycle_stage_by_hand = True
            customer.lifecycle_stage_reason = reason
            customer.lifecycle_stage_set_by = actor.user
            customer.lifecycle_stage_set_at = timezone.now()
            customer.lifecycle_stage = stage
        customer.save(
            update_fields=[
                "lifecycle_stage",
                "lifecycle_stage_by_hand",
                "lifecycle_stage_reason",
                "lifecycle_stage_set_by",
                "lifecycle_stage_set_at",
            ]
        )
        publish(
            LifecycleChanged(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                old_stage=old,
                new_stage=customer.lifecycle_stage,
                by_hand=stage is not None,
                cleared=stage is None,
                reason=reason,
            )
        )
    return customer


def lifecycle_derived(customer: Customer, *, now: dt.datetime | None = None) -> str:
    """The stage the purchase summary of ``customer`` gives (what a refresh would set)."""
    return str(
        Customer.objects.filter(pk=customer.pk)
        .annotate(derived=lifecycle_case(now or timezone.now()))
        .values_list("derived", flat=True)
        .get()
    )
