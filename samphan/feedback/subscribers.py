"""What feedback does when things happen elsewhere: a paid order with a customer gets a
personal link to the shop's post-purchase survey, a resolved ticket with a customer one to the
post-ticket survey (after commit: a survey never holds up a sale or a ticket). The link waits
on the customer's page for staff to send, unless the survey sends its links by LINE on its own
(a task, so a slow LINE never holds up the request)."""

from __future__ import annotations

from collections.abc import Sequence

from samphan.commerce.events import OrderPlaced
from samphan.commerce.models import PAID_STATUS
from samphan.feedback.events import SurveyInvited
from samphan.feedback.services import invitations_for_orders, invitations_for_tickets
from samphan.feedback.tasks import invitations_send_task
from samphan.service.events import TicketResolved
from samphan.timeline.registry import DomainEvent, Phase, subscriber


@subscriber(OrderPlaced, phase=Phase.AFTER_COMMIT)
def survey_after_purchase(events: Sequence[DomainEvent]) -> None:
    ids = [
        e.order_id
        for e in events
        if isinstance(e, OrderPlaced)
        and e.status == PAID_STATUS
        and e.customer_id is not None
        and e.order_id is not None
    ]
    if ids:
        invitations_for_orders(workspace_id=events[0].workspace_id, order_ids=ids)


@subscriber(TicketResolved, phase=Phase.AFTER_COMMIT)
def survey_after_ticket(events: Sequence[DomainEvent]) -> None:
    tickets = [
        (e.ticket_id, e.customer_id)
        for e in events
        if isinstance(e, TicketResolved) and e.customer_id is not None
    ]
    if tickets:
        invitations_for_tickets(workspace_id=events[0].workspace_id, tickets=tickets)


@subscriber(SurveyInvited, phase=Phase.AFTER_COMMIT)
def send_links(events: Sequence[DomainEvent]) -> None:
    ids = [
        e.invitation_id
        for e in events
        if isinstance(e, SurveyInvited) and e.source in ("order", "ticket")
    ]
    if ids:
        invitations_send_task.delay(events[0].workspace_id, ids)
