"""Breaches are marked when found; the manager hears about them only while the shop is open
(on the default Thai calendar: Mon–Sat 09:00–12:00 and 13:00–18:00), else at the next
opening."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from samphan.core.access import Actor
from samphan.customers.models import FollowUp
from samphan.service.escalation import tickets_escalate
from samphan.service.models import Ticket
from samphan.service.services import ticket_create
from samphan.service.sla.models import SlaPolicy
from samphan.service.tasks import tickets_escalate_all_task
from samphan.timeline.models import TimelineEvent
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
BKK = ZoneInfo("Asia/Bangkok")
MONDAY_1700 = dt.datetime(2026, 6, 15, 17, 0, tzinfo=BKK)


@pytest.fixture
def short_policy(owner: Actor) -> SlaPolicy:
    # No calendar saved: the default Thai business hours.
    return SlaPolicy.objects.create(
        workspace=owner.workspace, first_response_minutes=30, resolution_minutes=600
    )


def _open(owner: Actor) -> Ticket:
    return ticket_create(actor=owner, subject="ของเสีย", phone="0812345678", opened_at=MONDAY_1700)


def test_due_times_follow_business_hours(owner: Actor, short_policy: SlaPolicy) -> None:
    ticket = _open(owner)
    assert ticket.first_response_due == dt.datetime(2026, 6, 15, 17, 30, tzinfo=BKK)
    # 60 minutes on Monday, 09:00–12:00 and 13:00–18:00 Tuesday (480), 60 on Wednesday.
    assert ticket.resolution_due == dt.datetime(2026, 6, 17, 10, 0, tzinfo=BKK)


def test_breach_at_night_is_escalated_at_the_next_opening(
    owner: Actor,
    short_policy: SlaPolicy,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    manager = MembershipFactory(workspace=owner.workspace, role="manager")
    ticket = _open(owner)
    night = tickets_escalate(workspace=owner.workspace, now=MONDAY_1700 + dt.timedelta(hours=2))
    assert (night.breached, night.escalated, night.waiting) == (1, 0, 1)
    ticket.refresh_from_db()
    assert ticket.first_response_breached and ticket.escalated_at is None
    assert (
        TimelineEvent.objects.filter(type="ticket.breached", links__ticket=ticket.pk).count() == 1
    )
    assert not FollowUp.objects.exists() and not mail.outbox
    opening = dt.datetime(2026, 6, 16, 9, 1, tzinfo=BKK)
    with django_capture_on_commit_callbacks(execute=True):
        morning = tickets_escalate(workspace=owner.workspace, now=opening)
    assert (morning.breached, morning.escalated) == (0, 1)
    task = FollowUp.objects.get()
    assert task.assignee_id == manager.user_id and task.customer_id == ticket.customer_id
    assert "#1" in task.title
    assert [m.to for m in mail.outbox] == [[manager.user.email]]
    # Once only.
    again = tickets_escalate(workspace=owner.workspace, now=opening + dt.timedelta(minutes=5))
    assert again.escalated == 0 and FollowUp.objects.count() == 1


def test_waiting_tickets_do_not_breach(owner: Actor, short_policy: SlaPolicy) -> None:
    from unittest import mock

    from samphan.service.services import ticket_status_change

    ticket = _open(owner)
    with mock.patch(
        "django.utils.timezone.now", return_value=MONDAY_1700 + dt.timedelta(minutes=5)
    ):
        ticket_status_change(actor=owner, ticket_id=ticket.pk, status="waiting", reason="รอรูป")
    result = tickets_escalate(workspace=owner.workspace, now=MONDAY_1700 + dt.timedelta(days=1))
    assert result.breached == 0


def test_no_escalation_when_the_policy_says_so(owner: Actor, short_policy: SlaPolicy) -> None:
    short_policy.escalate = False
    short_policy.save()
    _open(owner)
    result = tickets_escalate(
        workspace=owner.workspace, now=dt.datetime(2026, 6, 16, 10, 0, tzinfo=BKK)
    )
    assert (result.breached, result.escalated) == (1, 0)


def test_beat_task_runs_per_workspace(owner: Actor, short_policy: SlaPolicy) -> None:
    _open(owner)
    assert tickets_escalate_all_task() == 1
    assert Ticket.objects.get().first_response_breached
