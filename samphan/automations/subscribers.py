"""What starts a journey: events about a customer from the apps below (after commit, so a
journey never holds up a sale, a ticket or an answer). Orders start journeys only when they
are recent: a file of last year's orders, or the demo's, thanks no one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TypeVar

from django.db.models import Count
from django.utils import timezone

from samphan.automations.models import Trigger
from samphan.automations.services import Entry, journeys_listening, runs_start
from samphan.automations.tasks import runs_due_task
from samphan.commerce.events import OrderPlaced
from samphan.commerce.models import PAID_STATUS, Order, OrderLine
from samphan.customers.events import CustomerCreated
from samphan.feedback.events import SurveyAnswered
from samphan.loyalty.events import PointsExpiring, TierChanged
from samphan.messaging.events import LineFollowed, LinePostback
from samphan.service.events import TicketResolved
from samphan.timeline.registry import DomainEvent, Phase, subscriber

RECENT = dt.timedelta(days=3)
E = TypeVar("E", bound=DomainEvent)


def _start(events: Sequence[DomainEvent], trigger: str, entries: Sequence[Entry]) -> None:
    if entries and runs_start(
        workspace_id=events[0].workspace_id, trigger=trigger, customers=entries
    ):
        runs_due_task.delay()  # a journey without a wait acts at once


def _each(events: Sequence[DomainEvent], kind: type[E]) -> Iterator[tuple[int, E]]:
    """The events of ``kind`` about a customer, with the customer's id."""
    for e in events:
        if isinstance(e, kind) and e.customer_id is not None:
            yield e.customer_id, e


def _paid_now(events: Sequence[DomainEvent], trigger: str) -> dict[int, int]:
    """{customer id: order id} of the recent paid orders, when a journey listens."""
    since = timezone.now() - RECENT
    paid = {
        e.customer_id: e.order_id
        for e in events
        if isinstance(e, OrderPlaced)
        and e.status == PAID_STATUS
        and e.customer_id is not None
        and e.order_id is not None
        and (e.occurred_at is None or e.occurred_at >= since)
    }
    if not paid or not journeys_listening(workspace_id=events[0].workspace_id, trigger=trigger):
        return {}  # no reads on every sale (or seeded chunk) when nothing listens
    return paid


@subscriber(CustomerCreated, phase=Phase.AFTER_COMMIT)
def new_customer(events: Sequence[DomainEvent]) -> None:
    entries = [
        Entry(c, "new customer")
        for c, e in _each(events, CustomerCreated)
        if e.source not in ("import", "seed")  # a file's or the demo's old customers
    ]
    _start(events, Trigger.CUSTOMER_CREATED, entries)


@subscriber(OrderPlaced, phase=Phase.AFTER_COMMIT)
def first_purchase(events: Sequence[DomainEvent]) -> None:
    paid = _paid_now(events, Trigger.FIRST_PURCHASE)
    if not paid:
        return
    firsts = dict(
        Order.objects.filter(customer_id__in=list(paid), status=PAID_STATUS)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("customer_id", "n")
    )
    entries = [Entry(c, f"order {o}") for c, o in paid.items() if firsts.get(c) == 1]
    _start(events, Trigger.FIRST_PURCHASE, entries)


@subscriber(OrderPlaced, phase=Phase.AFTER_COMMIT)
def category_purchase(events: Sequence[DomainEvent]) -> None:
    paid = _paid_now(events, Trigger.CATEGORY_PURCHASE)
    if not paid:
        return
    bought = (
        OrderLine.objects.filter(order_id__in=list(paid.values()), product__category__isnull=False)
        .values_list("order__customer_id", "order_id", "product__category_id")
        .distinct()
    )
    entries = [
        Entry(customer_id, f"order {order_id}", value=str(category_id))
        for customer_id, order_id, category_id in bought
        if customer_id is not None
    ]
    _start(events, Trigger.CATEGORY_PURCHASE, entries)


@subscriber(TierChanged, phase=Phase.AFTER_COMMIT)
def tier_changed(events: Sequence[DomainEvent]) -> None:
    entries = [
        Entry(c, f"tier {e.old_tier or '-'} → {e.new_tier or '-'}", value=e.new_tier)
        for c, e in _each(events, TierChanged)
    ]
    _start(events, Trigger.TIER_CHANGED, entries)


@subscriber(PointsExpiring, phase=Phase.AFTER_COMMIT)
def points_expiring(events: Sequence[DomainEvent]) -> None:
    entries = [
        Entry(c, f"{e.points} points expire {e.expires_on}", f"expiring-{e.expires_on}")
        for c, e in _each(events, PointsExpiring)
    ]
    _start(events, Trigger.POINTS_EXPIRING, entries)


@subscriber(LineFollowed, phase=Phase.AFTER_COMMIT)
def line_follow(events: Sequence[DomainEvent]) -> None:
    entries = [Entry(c, "LINE follow") for c, e in _each(events, LineFollowed)]
    _start(events, Trigger.LINE_FOLLOW, entries)


@subscriber(LinePostback, phase=Phase.AFTER_COMMIT)
def line_postback(events: Sequence[DomainEvent]) -> None:
    entries = [Entry(c, f"postback {e.data}", value=e.data) for c, e in _each(events, LinePostback)]
    _start(events, Trigger.LINE_POSTBACK, entries)


@subscriber(TicketResolved, phase=Phase.AFTER_COMMIT)
def ticket_resolved(events: Sequence[DomainEvent]) -> None:
    entries = [Entry(c, f"ticket {e.ticket_id}") for c, e in _each(events, TicketResolved)]
    _start(events, Trigger.TICKET_RESOLVED, entries)


@subscriber(SurveyAnswered, phase=Phase.AFTER_COMMIT)
def low_score(events: Sequence[DomainEvent]) -> None:
    entries = [
        Entry(c, f"survey {e.survey_id}") for c, e in _each(events, SurveyAnswered) if e.low_score
    ]
    _start(events, Trigger.LOW_SCORE, entries)
