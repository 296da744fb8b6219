"""The demo shop's service desk and feedback: tickets with true history times, survey answers
through the real flows (resolved ticket → link → answer), once only."""

from __future__ import annotations

import pytest

from samphan.core.access import Actor
from samphan.feedback import selectors as feedback_selectors
from samphan.feedback.models import SurveyResponse
from samphan.seeding.service_demo import service_feedback_seed
from samphan.service.models import Ticket, TicketStatus
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, OrderFactory

# Real commits: the survey links come from after-commit subscribers.
pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_tickets_and_answers(owner: Actor) -> None:
    for _i in range(12):
        OrderFactory(workspace=owner.workspace, customer=CustomerFactory(workspace=owner.workspace))
    seeded = service_feedback_seed(workspace=owner.workspace, seed=7, tickets=25)
    tickets = Ticket.objects.filter(workspace=owner.workspace)
    assert seeded.tickets == tickets.count() == 25
    resolved = tickets.filter(status=TicketStatus.RESOLVED)
    assert resolved.exists() and tickets.exclude(status=TicketStatus.RESOLVED).exists()
    # Answered at the seeded times (the history's, not the moment of seeding).
    answered = tickets.filter(first_responded_at__isnull=False)
    assert all(t.first_responded_at > t.opened_at for t in answered)
    assert len({t.first_responded_at.date() for t in answered}) > 1
    assert seeded.responses == SurveyResponse.objects.filter(workspace=owner.workspace).count()
    assert SurveyResponse.objects.filter(ticket__isnull=False).exists()
    assert TimelineEvent.objects.filter(type="ticket.opened").count() == 25
    card = {r.code: r for r in feedback_selectors.scorecard(actor=owner)}
    assert card["responsiveness"].proxy is not None
    assert card["responsiveness"].proxy.estimate.n > 0
    assert card["responsiveness"].summary.n > 0  # the post-ticket survey's E–P answers
    # Once only.
    assert service_feedback_seed(workspace=owner.workspace, seed=7).tickets == 0
