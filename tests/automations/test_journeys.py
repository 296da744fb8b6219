"""Journeys: triggers start runs (never twice at once), waits end outside quiet hours, due runs
carry out each action once (LINE message with consent and a retry key, tag, follow-up task),
switching a journey off cancels its waiting runs; the API and the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.automations.models import Journey, JourneyRun, RunStatus
from samphan.automations.services import journey_create, journey_update, runs_due, runs_start
from samphan.core.access import Actor
from samphan.customers.consent_services import consent_record
from samphan.customers.models import FollowUp
from samphan.feedback import services as feedback_services
from samphan.messaging.models import LineChannel
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, OrderFactory
from tests.messaging.conftest import USER, LineStub, channel, line_stub  # noqa: F401

pytestmark = pytest.mark.django_db
PUSH = "/v2/bot/message/push"
BANGKOK = dt.timezone(dt.timedelta(hours=7))


def _low_score(owner: Actor, customer: Any, capture: Any) -> None:
    survey = feedback_services.survey_create(
        actor=owner,
        fields={"title": "ความพอใจ", "kind": "general"},
        questions=[{"type": "csat", "text": "พอใจไหม"}],
    )
    with capture(execute=True):
        feedback_services.response_submit(
            survey=survey,
            answers=[{"question_id": survey.questions.get().pk, "value": 1}],
            channel="api",
            customer=customer,
            actor=owner,
        )


def test_low_score_gets_a_task_and_a_tag_once(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    journey = journey_create(actor=owner, recipe="low_score")
    customer = CustomerFactory(workspace=owner.workspace)
    _low_score(owner, customer, django_capture_on_commit_callbacks)
    run = JourneyRun.objects.get(journey=journey)
    # No wait: carried out at once (the trigger asks for a round).
    assert run.status == RunStatus.DONE
    assert FollowUp.objects.filter(customer=customer, title=journey.follow_up).count() == 1
    assert journey.tag in list(customer.tags.values_list("name", flat=True))
    assert [(s.action, s.outcome) for s in run.log.all()] == [
        ("tag", "done"),
        ("follow_up", "done"),
    ]
    # A repeat of the run (a worker that died after its actions) does nothing twice.
    JourneyRun.objects.filter(pk=run.pk).update(status=RunStatus.WAITING)
    assert runs_due() == 1
    assert FollowUp.objects.filter(customer=customer).count() == 1
    assert run.log.count() == 2


def test_never_twice_at_once_and_switching_off_cancels(owner: Actor) -> None:
    journey = journey_create(
        actor=owner,
        fields={
            "name": "โทรหา",
            "trigger": "ticket_resolved",
            "wait_minutes": 60,
            "follow_up": "โทรถาม",
        },
    )
    customer = CustomerFactory(workspace=owner.workspace)
    pairs = [(customer.pk, "ticket 1")]
    assert (
        runs_start(workspace_id=owner.workspace.pk, trigger="ticket_resolved", customers=pairs) == 1
    )
    assert (
        runs_start(workspace_id=owner.workspace.pk, trigger="ticket_resolved", customers=pairs) == 0
    )
    assert runs_due() == 0  # still waiting
    journey_update(actor=owner, journey_id=journey.pk, fields={"is_active": False})
    assert JourneyRun.objects.get().status == RunStatus.CANCELLED
    # Once it ended, the customer may go through the journey again.
    journey_update(actor=owner, journey_id=journey.pk, fields={"is_active": True})
    assert (
        runs_start(workspace_id=owner.workspace.pk, trigger="ticket_resolved", customers=pairs) == 1
    )


def test_a_message_waits_past_quiet_hours(owner: Actor) -> None:
    journey = journey_create(
        actor=owner,
        fields={"name": "ต้อนรับ", "trigger": "customer_created", "message": "สวัสดี {{ first_name }}"},
    )
    customer = CustomerFactory(workspace=owner.workspace)
    late = dt.datetime(2026, 12, 4, 22, 30, tzinfo=BANGKOK)
    runs_start(
        workspace_id=owner.workspace.pk,
        trigger="customer_created",
        customers=[(customer.pk, "new")],
        now=late,
    )
    run = JourneyRun.objects.get(journey=journey)
    assert run.due_at == dt.datetime(2026, 12, 5, 8, 0, tzinfo=BANGKOK)


def test_first_purchase_message_by_line_with_consent(
    owner: Actor,
    line_stub: LineStub,  # noqa: F811
    channel: LineChannel,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    journey = journey_create(actor=owner, recipe="thank_you")
    customer = CustomerFactory(
        workspace=owner.workspace, first_name="มาลี", contacts=[("line", USER)]
    )
    consent_record(
        actor=owner,
        customer_id=customer.pk,
        purpose="marketing_line",
        granted=True,
        source="follow",
    )
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=owner.workspace, customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=owner.workspace, customer=customer)  # not a first purchase
    run = JourneyRun.objects.get(journey=journey)
    assert run.status == RunStatus.WAITING
    assert run.due_at >= timezone.now() + dt.timedelta(days=2) - dt.timedelta(minutes=1)
    assert runs_due(now=run.due_at) == 1
    pushes = line_stub.calls(PUSH)
    assert len(pushes) == 1 and "มาลี" in pushes[0].body["messages"][0]["text"]
    key = pushes[0].headers["x-line-retry-key"]
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    # Without consent, the message is skipped and logged.
    other = CustomerFactory(workspace=owner.workspace, contacts=[("line", "U" + "c" * 32)])
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=owner.workspace, customer=other)
    second = JourneyRun.objects.get(journey=journey, customer=other)
    runs_due(now=second.due_at)
    assert [(s.action, s.outcome) for s in second.log.all()] == [("message", "skipped")]
    assert len(line_stub.calls(PUSH)) == 1 and key


def test_api(api_rw: ApiClient, owner: Actor) -> None:
    made = api_rw.post("/api/v1/journeys", {"recipe": "after_ticket", "wait_minutes": 120})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["trigger"] == "ticket_resolved" and body["wait_minutes"] == 120
    bad = api_rw.post("/api/v1/journeys", {"recipe": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_recipe"
    unknown = api_rw.post(
        "/api/v1/journeys",
        {"name": "x", "trigger": "customer_created", "message": "สวัสดี {{ nickname_typo }}"},
    )
    assert unknown.status_code == 422
    nothing = api_rw.post("/api/v1/journeys", {"name": "x", "trigger": "customer_created"})
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "no_action"
    jid = body["id"]
    off = api_rw.request("PATCH", f"/api/v1/journeys/{jid}", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    runs_start(
        workspace_id=owner.workspace.pk,
        trigger="ticket_resolved",
        customers=[(CustomerFactory(workspace=owner.workspace).pk, "ticket 9")],
    )
    assert api_rw.get(f"/api/v1/journeys/{jid}/runs").json()["count"] == 0  # it is off
    other = Journey.objects.create(
        workspace=CustomerFactory().workspace, name="อื่น", trigger="low_score", tag="x"
    )
    assert api_rw.get(f"/api/v1/journeys/{other.pk}").status_code == 404
    assert api_rw.get("/api/v1/journeys").json()["count"] == 1


def test_pages(owner_client: Client, owner: Actor) -> None:
    page = owner_client.get(reverse("automations:list"))
    assert page.status_code == 200 and 'id="recipes"' in page.content.decode()
    made = owner_client.post(reverse("automations:recipe"), {"recipe": "welcome"})
    assert made.status_code == 302
    journey = Journey.objects.get(workspace=owner.workspace)
    detail = owner_client.get(reverse("automations:journey", kwargs={"journey_id": journey.pk}))
    assert detail.status_code == 200
    changed = owner_client.post(
        reverse("automations:journey", kwargs={"journey_id": journey.pk}),
        {"name": journey.name, "wait_minutes": "30", "message": "สวัสดี {{ first_name }}", "tag": ""},
    )
    assert changed.status_code == 302
    journey.refresh_from_db()
    assert journey.wait_minutes == 30 and journey.is_active is False  # the box was not ticked
    bad = owner_client.post(
        reverse("automations:journey", kwargs={"journey_id": journey.pk}),
        {"name": journey.name, "wait_minutes": "30", "message": "{{ nope }}", "is_active": "on"},
    )
    assert bad.status_code == 422
