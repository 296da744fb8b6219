"""What starts a journey: events about a customer from the apps below (after commit, so a
journey never holds up a sale, a ticket or an answer)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count

from samphan.automations.models import Trigger
from samphan.automations.services import journeys_listening, runs_start
from samphan.automations.tasks import runs_due_task
from samphan.commerce.events import OrderPlaced
from samphan.commerce.models import PAID_STATUS, Order
from samphan.customers.events import CustomerCreated
from samphan.feedback.events import SurveyAnswered
from samphan.service.events import TicketResolved
from samphan.timeline.registry import DomainEvent, Phase, subscriber


def _start(events: Sequence[DomainEvent], trigger: str, pairs: list[tuple[int, str]]) -> None:
    if pairs and runs_start(workspace_id=events[0].workspace_id, trigger=trigger, customers=pairs):
        runs_due_task.delay()  # a journey without a wait acts at once


@subscriber(CustomerCreated, phase=Phase.AFTER_COMMIT)
def new_customer(events: Sequence[DomainEvent]) -> None:
    pairs = [
        (e.customer_id, "new customer")
        for e in events
        if isinstance(e, CustomerCreated)
        and e.customer_id is not None
        and e.source not in ("import", "seed")  # a file's or the demo's old customers
    ]
    _start(events, Trigger.CUSTOMER_CREATED, pairs)


@subscriber(OrderPlaced, phase=Phase.AFTER_COMMIT)
def first_purchase(events: Sequence[DomainEvent]) -> None:
    paid = {
        e.customer_id: e.order_id
        for e in events
        if isinstance(e, OrderPlaced)
        and e.status == PAID_STATUS
        and e.customer_id is not None
        and e.order_id is not None
    }
    if not paid or not journeys_listening(
        workspace_id=events[0].workspace_id, trigger=Trigger.FIRST_PURCHASE
    ):
        return  # no count of orders on every sale (or seeded chunk) when nothing listens
    firsts = dict(
        Order.objects.filter(customer_id__in=list(paid), status=PAID_STATUS)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("customer_id", "n")
    )
    pairs = [(c, f"order {o}") for c, o in paid.items() if firsts.get(c) == 1]
    _start(events, Trigger.FIRST_PURCHASE, pairs)


@subscriber(TicketResolved, phase=Phase.AFTER_COMMIT)
def ticket_resolved(events: Sequence[DomainEvent]) -> None:
    pairs = [
        (e.customer_id, f"ticket {e.ticket_id}")
        for e in events
        if isinstance(e, TicketResolved) and e.customer_id is not None
    ]
    _start(events, Trigger.TICKET_RESOLVED, pairs)


@subscriber(SurveyAnswered, phase=Phase.AFTER_COMMIT)
def low_score(events: Sequence[DomainEvent]) -> None:
    pairs = [
        (e.customer_id, f"survey {e.survey_id}")
        for e in events
        if isinstance(e, SurveyAnswered) and e.low_score and e.customer_id is not None
    ]
    _start(events, Trigger.LOW_SCORE, pairs)
