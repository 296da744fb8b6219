"""Survey links that go out on their own by LINE (through messaging): only for a survey set to
send them, to customers linked on LINE who allow messages there; once, with a retry key; the
others wait for staff."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import Actor
from samphan.customers.consent_services import consent_record
from samphan.feedback import services
from samphan.feedback.models import Survey, SurveyInvitation
from samphan.feedback.sending import invitations_send
from samphan.messaging.models import LineChannel
from samphan.service.services import ticket_create, ticket_reply, ticket_status_change
from tests.factories import CustomerFactory
from tests.messaging.conftest import USER, LineStub, channel, line_stub  # noqa: F401

pytestmark = pytest.mark.django_db
PUSH = "/v2/bot/message/push"


def _survey(owner: Actor, *, auto_send: bool) -> Survey:
    return services.survey_create(
        actor=owner,
        fields={"title": "หลังแก้ปัญหา", "kind": "post_ticket", "auto_send": auto_send},
        questions=[{"type": "csat", "text": "พอใจไหม"}],
    )


def _resolve(owner: Actor, customer_id: int, capture: Any) -> SurveyInvitation:
    ticket = ticket_create(actor=owner, subject="ของไม่ครบ", customer_id=customer_id)
    ticket_reply(actor=owner, ticket_id=ticket.pk, body="ส่งเพิ่มให้แล้วค่ะ")
    with capture(execute=True):
        ticket_status_change(actor=owner, ticket_id=ticket.pk, status="resolved")
    return SurveyInvitation.objects.get(ticket=ticket)


def _linked(owner: Actor, *, consent: bool | None) -> Any:
    customer = CustomerFactory(workspace=owner.workspace, contacts=[("line", USER)])
    if consent is not None:
        consent_record(
            actor=owner,
            customer_id=customer.pk,
            purpose="marketing_line",
            granted=consent,
            source="follow",
        )
    return customer


def test_sent_by_line_once_with_a_retry_key(
    owner: Actor,
    line_stub: LineStub,  # noqa: F811
    channel: LineChannel,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    _survey(owner, auto_send=True)
    customer = _linked(owner, consent=True)
    invitation = _resolve(owner, customer.pk, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.sent_via == "line"
    pushes = line_stub.calls(PUSH)
    assert len(pushes) == 1
    assert pushes[0].body["to"] == USER
    assert "/s/" in pushes[0].body["messages"][0]["text"]
    key = pushes[0].headers["x-line-retry-key"]
    # Again (a replayed task): nothing more is sent.
    assert invitations_send(workspace_id=owner.workspace.pk, invitation_ids=[invitation.pk]) == 0
    assert len(line_stub.calls(PUSH)) == 1
    # The key is the link's own: a repeat after a crash would carry the same one.
    SurveyInvitation.objects.filter(pk=invitation.pk).update(sent_at=None, sent_via="")
    assert invitations_send(workspace_id=owner.workspace.pk, invitation_ids=[invitation.pk]) == 1
    assert line_stub.calls(PUSH)[1].headers["x-line-retry-key"] == key


@pytest.mark.parametrize("consent", [False, None])
def test_without_consent_the_link_waits_for_staff(
    owner: Actor,
    line_stub: LineStub,  # noqa: F811
    channel: LineChannel,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    consent: bool | None,
) -> None:
    _survey(owner, auto_send=True)
    invitation = _resolve(
        owner, _linked(owner, consent=consent).pk, django_capture_on_commit_callbacks
    )
    invitation.refresh_from_db()
    assert invitation.sent_at is None and not line_stub.calls(PUSH)


def test_a_survey_not_set_to_send_and_a_refusing_line_send_nothing(
    owner: Actor,
    line_stub: LineStub,  # noqa: F811
    channel: LineChannel,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    survey = _survey(owner, auto_send=False)
    customer = _linked(owner, consent=True)
    invitation = _resolve(owner, customer.pk, django_capture_on_commit_callbacks)
    invitation.refresh_from_db()
    assert invitation.sent_at is None and not line_stub.calls(PUSH)
    Survey.objects.filter(pk=survey.pk).update(auto_send=True)
    line_stub.answer(PUSH, (400, {}, {"message": "The request body has 1 error(s)"}))
    assert invitations_send(workspace_id=owner.workspace.pk, invitation_ids=[invitation.pk]) == 0
    invitation.refresh_from_db()
    assert invitation.sent_at is None  # left for staff, not marked sent
