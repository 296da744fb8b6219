"""The relationship-health scorecard measured by proxies: tickets against their SLA targets,
follow-ups kept, orders without complaints, contacts; per staff member; over the API and on
the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor, actor_for_membership
from samphan.customers.interaction_services import (
    followup_cancel,
    followup_complete,
    followup_create,
)
from samphan.feedback import selectors
from samphan.service.services import ticket_create, ticket_reply, ticket_status_change
from samphan.service.sla.models import BusinessCalendar, SlaPolicy
from tests.conftest import ApiClient
from tests.factories import BranchFactory, CustomerFactory, MembershipFactory, OrderFactory


@pytest.fixture
def policy(owner: Actor) -> SlaPolicy:
    """Open all hours, 60 minutes to the first answer, 240 to resolution."""
    BusinessCalendar.objects.create(
        workspace=owner.workspace, name="24/7", is_default=True, always_open=True
    )
    return SlaPolicy.objects.create(
        workspace=owner.workspace, first_response_minutes=60, resolution_minutes=240
    )


def _ago(**kw: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kw)


def _row(actor: Actor, code: str, **kw: int) -> selectors.ScoreRow:
    return next(r for r in selectors.scorecard(actor=actor, **kw) if r.code == code)


def test_ticket_proxies(owner: Actor, policy: SlaPolicy) -> None:
    on_time = ticket_create(actor=owner, subject="ถามไซซ์")
    ticket_reply(actor=owner, ticket_id=on_time.pk, body="มีไซซ์ M ค่ะ")
    ticket_status_change(actor=owner, ticket_id=on_time.pk, status="resolved")
    late = ticket_create(actor=owner, subject="ของยังไม่ถึง", opened_at=_ago(hours=3))
    ticket_reply(actor=owner, ticket_id=late.pk, body="ขอโทษค่ะ กำลังตามให้")
    ticket_create(actor=owner, subject="โทรไม่ติด", opened_at=_ago(hours=2))  # past due
    ticket_create(actor=owner, subject="เพิ่งถาม")  # not due yet: not judged

    responsiveness = _row(owner, "responsiveness").proxy
    assert responsiveness is not None
    assert responsiveness.estimate.n == 3 and responsiveness.estimate.hits == 1
    assert responsiveness.estimate.low is not None and responsiveness.estimate.low < 33.4
    assert "median" in responsiveness.detail or "มัธยฐาน" in responsiveness.detail
    promptness = _row(owner, "promptness").proxy
    assert promptness is not None and (promptness.estimate.n, promptness.estimate.hits) == (1, 1)
    # Unanswered tickets younger than a day are not judged; both answered ones are.
    access = _row(owner, "accessibility").proxy
    assert access is not None and (access.estimate.n, access.estimate.hits) == (2, 2)
    # This month's share in the trend, the months before empty.
    row = _row(owner, "responsiveness")
    assert row.proxy_trend[-1][1] == pytest.approx(100 / 3)
    assert len(row.proxy_trend) == 6 and row.proxy_trend[0][1] is None


def test_accuracy_promises_and_follow_up(owner: Actor, policy: SlaPolicy) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    good = OrderFactory(workspace=owner.workspace, customer=customer, placed_at=_ago(days=20))
    OrderFactory(workspace=owner.workspace, customer=customer, placed_at=_ago(days=19))
    bad = OrderFactory(workspace=owner.workspace, customer=customer, placed_at=_ago(days=18))
    ticket_create(
        actor=owner,
        subject="ได้ของผิดสี",
        ticket_type="complaint",
        customer_id=customer.pk,
        order_ids=[bad.pk],
    )
    accuracy = _row(owner, "accuracy").proxy
    assert accuracy is not None and (accuracy.estimate.n, accuracy.estimate.hits) == (3, 2)

    kept = followup_create(
        actor=owner, customer_id=customer.pk, title="โทรถามผล", due_at=_ago(hours=-24)
    )
    followup_complete(actor=owner, followup_id=kept.pk)
    followup_create(
        actor=owner, customer_id=customer.pk, title="ส่งใบเสนอราคา", due_at=_ago(hours=1)
    )
    dropped = followup_create(
        actor=owner, customer_id=customer.pk, title="ยกเลิกแล้ว", due_at=_ago(hours=2)
    )
    followup_cancel(actor=owner, followup_id=dropped.pk)
    promises = _row(owner, "promises_kept").proxy
    assert promises is not None and (promises.estimate.n, promises.estimate.hits) == (2, 1)

    # Three purchases 18–20 days ago; the completed follow-up (a contact? no: a task) does not
    # count as a contact, so none of them was followed up.
    follow = _row(owner, "follow_up").proxy
    assert follow is not None and follow.estimate.n == 3 and follow.estimate.hits == 0
    assert good.pk


def test_per_staff_member_and_branch(owner: Actor, policy: SlaPolicy) -> None:
    helper = MembershipFactory(workspace=owner.workspace)
    branch = BranchFactory(workspace=owner.workspace)
    mine = ticket_create(actor=owner, subject="ตอบเร็ว", assignee_id=helper.user_id)
    ticket_reply(actor=owner, ticket_id=mine.pk, body="ได้ค่ะ")
    ticket_create(actor=owner, subject="ตอบช้า", opened_at=_ago(hours=2), branch_id=branch.pk)
    everyone = _row(owner, "responsiveness").proxy
    assert everyone is not None and (everyone.estimate.n, everyone.estimate.hits) == (2, 1)
    staff = _row(owner, "responsiveness", staff_id=helper.user_id).proxy
    assert staff is not None and (staff.estimate.n, staff.estimate.hits) == (1, 1)
    at_branch = _row(owner, "responsiveness", branch_id=branch.pk).proxy
    assert at_branch is not None and (at_branch.estimate.n, at_branch.estimate.hits) == (1, 0)
    one_to_one = _row(owner, "one_to_one", staff_id=helper.user_id).proxy
    assert one_to_one is not None and one_to_one.estimate.n == 0  # not measured per person


def test_another_shops_data_never_counts(owner: Actor, policy: SlaPolicy) -> None:
    other = actor_for_membership(MembershipFactory())
    BusinessCalendar.objects.create(
        workspace=other.workspace, name="24/7", is_default=True, always_open=True
    )
    SlaPolicy.objects.create(
        workspace=other.workspace, first_response_minutes=60, resolution_minutes=240
    )
    ticket_create(actor=other, subject="ร้านอื่น", opened_at=_ago(hours=2))
    row = _row(owner, "responsiveness")
    assert row.proxy is not None and row.proxy.estimate.n == 0


def test_scorecard_api_and_page(
    owner: Actor, owner_client: Client, api_rw: ApiClient, policy: SlaPolicy
) -> None:
    ticket = ticket_create(actor=owner, subject="ถามราคา")
    ticket_reply(actor=owner, ticket_id=ticket.pk, body="ราคา 250 บาทค่ะ")
    response = api_rw.get("/api/v1/feedback/scorecard")
    assert response.status_code == 200, response.json()
    rows = {r["code"]: r for r in response.json()}
    assert rows["responsiveness"]["measured"]["share"]["value"] == 100.0
    assert rows["responsiveness"]["measured"]["share"]["n"] == 1
    assert rows["knowledgeable"]["measured"] is None  # by surveys only
    assert len(rows["responsiveness"]["measured_trend"]) == 6
    assert api_rw.get("/api/v1/feedback/scorecard?months=3").json()[0]["survey_trend"][2]
    assert api_rw.get("/api/v1/feedback/scorecard?months=99").status_code == 422
    elsewhere = BranchFactory()
    missing = api_rw.get(f"/api/v1/feedback/scorecard?branch_id={elsewhere.pk}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "branch_not_found"
    stranger = MembershipFactory()
    missing = api_rw.get(f"/api/v1/feedback/scorecard?staff_id={stranger.user_id}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "staff_not_found"

    html = owner_client.get(reverse("feedback:scorecard")).content.decode()
    assert 'id="score-responsiveness"' in html and "100%" in html
    assert 'name="staff"' in html
    assert owner_client.get(reverse("feedback:scorecard"), {"staff": "999999"}).status_code == 404
