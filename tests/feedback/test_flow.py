"""Automatic surveys after a purchase, the pages (builder, results, scorecard, interviews,
the customer's relationship panel), and the person's data: export and erasure."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.datasubject import Subject
from samphan.feedback import links, selectors, services
from samphan.feedback.models import (
    Answer,
    EmotionalObservation,
    Interview,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from samphan.feedback.privacy import feedback_erase, feedback_export
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, OrderFactory
from tests.feedback.conftest import answers, make_survey


def test_a_paid_order_gets_one_post_purchase_link(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=owner.workspace, customer=customer)
    assert not SurveyInvitation.objects.exists()  # no post-purchase survey yet
    survey = make_survey(owner)
    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(workspace=owner.workspace, customer=customer)
        OrderFactory(workspace=owner.workspace, customer=None)  # a walk-in: nobody to ask
        OrderFactory(  # an old order (an import): its link would have expired already
            workspace=owner.workspace,
            customer=customer,
            placed_at=timezone.now() - dt.timedelta(days=60),
        )
    invitation = SurveyInvitation.objects.get()
    assert (invitation.order_id, invitation.customer_id, invitation.survey_id) == (
        order.pk,
        customer.pk,
        survey.pk,
    )
    assert invitation.source == "order"
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=13)
    assert TimelineEvent.objects.filter(type="survey.invited", customer=customer).count() == 1
    # A replayed event invites once.
    assert (
        services.invitations_for_orders(workspace_id=owner.workspace.pk, order_ids=[order.pk]) == 0
    )
    assert SurveyInvitation.objects.count() == 1


def test_builder_pages_save_a_survey(owner: Actor, owner_client: Client) -> None:
    assert owner_client.get(reverse("feedback:survey_new")).status_code == 200
    data = {
        "title": "ถามหลังซื้อ",
        "kind": "post_purchase",
        "is_active": "on",
        "expiry_days": "7",
        "public_mode": "anonymous",
        "q-TOTAL_FORMS": "3",
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "30",
        "q-0-type": "nps_0_10",
        "q-0-text": "แนะนำเพื่อนไหม",
        "q-0-required": "on",
        "q-0-scale": "5",
        "q-1-type": "single_choice",
        "q-1-text": "มาจากไหน",
        "q-1-choices": "เพื่อน\nเฟซบุ๊ก",
        "q-1-scale": "5",
        "q-1-position": "1",  # moved first
        "q-2-type": "free_text",
        "q-2-text": "",  # a blank row: ignored
        "q-2-scale": "5",
    }
    response = owner_client.post(reverse("feedback:survey_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    survey = Survey.objects.get(title="ถามหลังซื้อ")
    assert [q.type for q in survey.questions.all()] == ["single_choice", "nps_0_10"]
    assert survey.questions.get(type="single_choice").choices == ["เพื่อน", "เฟซบุ๊ก"]
    page = owner_client.get(reverse("feedback:survey_edit", kwargs={"survey_id": survey.pk}))
    html = page.content.decode()
    assert 'id="public-link"' in html and "<svg" in html
    qr = owner_client.get(reverse("feedback:survey_qr", kwargs={"survey_id": survey.pk}))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    listing = owner_client.get(reverse("feedback:index")).content.decode()
    assert "ถามหลังซื้อ" in listing and 'id="survey-list"' in listing
    made = owner_client.post(reverse("feedback:survey_from_preset"), {"preset": "post_ticket"})
    assert made.status_code == 302
    assert Survey.objects.filter(kind="post_ticket").exists()


def test_results_and_scorecard_pages(owner: Actor, owner_client: Client) -> None:
    survey = make_survey(owner)
    ep = survey.questions.get(type="ep_pair")
    for nps, p in [(10, 5), (9, 4), (3, 2), (6, 3), (8, 4)]:
        given = answers(survey, nps=nps, text="ส่งไวมาก")
        given.append(
            {
                "question_id": ep.pk,
                "ep": [{"attribute": "responsiveness", "expectation": 4, "performance": p}],
            }
        )
        services.response_submit(
            survey=survey,
            answers=given,
            channel="api",
            customer=CustomerFactory(workspace=owner.workspace),
        )
    html = owner_client.get(
        reverse("feedback:results", kwargs={"survey_id": survey.pk})
    ).content.decode()
    assert 'id="kpi-nps"' in html and 'id="ep-responsiveness"' in html and "ส่งไวมาก" in html
    assert 'id="ipa"' in html
    card = owner_client.get(reverse("feedback:scorecard")).content.decode()
    assert 'id="score-responsiveness"' in card and 'id="score-one_to_one"' in card
    bad = owner_client.get(
        reverse("feedback:results", kwargs={"survey_id": survey.pk}), {"since": "not-a-date"}
    )
    assert bad.status_code == 200


def test_relationship_panel_feelings_and_interviews(owner: Actor, owner_client: Client) -> None:
    survey = make_survey(owner)
    customer = CustomerFactory(workspace=owner.workspace, first_name="มาลี")
    detail = reverse("customers:detail", kwargs={"customer_id": customer.pk})
    html = owner_client.get(detail).content.decode()
    assert 'id="panel-relationship"' in html
    owner_client.post(
        reverse("feedback:feeling_add", kwargs={"customer_id": customer.pk}),
        {"kind": "referred_others", "score": "2", "note": "พาเพื่อนมา 3 คน"},
    )
    owner_client.post(
        reverse("feedback:invite", kwargs={"customer_id": customer.pk}), {"survey": survey.pk}
    )
    invitation = SurveyInvitation.objects.get(customer=customer)
    html = owner_client.get(detail).content.decode()
    # The link for staff to send (its token is signed with the time, so read it back).
    shown = re.findall(r"/s/([^/\"]+)/", html)
    assert [links.invitation_from_token(t) for t in shown] == [invitation]
    assert 'id="rel-positive"' in html
    assert EmotionalObservation.objects.get(customer=customer).kind == "referred_others"
    assert TimelineEvent.objects.filter(type="feeling.recorded", customer=customer).exists()
    owner_client.post(reverse("feedback:invitation_sent", kwargs={"invitation_id": invitation.pk}))
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    saved = owner_client.post(
        reverse("feedback:interview_new", kwargs={"customer_id": customer.pk}),
        {
            "held_on": timezone.localdate().strftime("%d/%m/%Y"),
            "summary": "ลูกค้าประจำ",
            "qa": "Q: ทำไมมาร้านเรา\nใกล้บ้าน\nQ: อะไรทำให้ประทับใจ\nพนักงานจำชื่อได้",
            "quotes": "ร้านนี้เหมือนบ้าน",
            "themes": "บริการ, ทำเล",
            "delight": "ของขวัญวันเกิด",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:1500]
    interview = Interview.objects.get(customer=customer)
    assert interview.qa[1] == {"q": "อะไรทำให้ประทับใจ", "a": "พนักงานจำชื่อได้"}
    found = owner_client.get(reverse("feedback:interviews"), {"q": "จำชื่อ"}).content.decode()
    assert reverse("feedback:interview", kwargs={"interview_id": interview.pk}) in found
    none = owner_client.get(reverse("feedback:interviews"), {"q": "ไม่เจอแน่"}).content.decode()
    assert reverse("feedback:interview", kwargs={"interview_id": interview.pk}) not in none


def test_relationship_counts_the_year_s_feelings_by_kind_and_sign(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    now = timezone.now()
    for kind, score, days_ago in [
        ("referred_others", 2, 1),
        ("referred_others", 1, 40),
        ("negative_experience", -2, 10),
        ("negative_experience", -1, 200),
        ("staff_relationship", 0, 20),  # just noted: counted, neither positive nor negative
        ("positive_experience", 2, 400),  # over a year ago: not counted
    ]:
        services.feeling_record(
            actor=owner,
            customer_id=customer.pk,
            kind=kind,
            score=score,
            observed_at=now - dt.timedelta(days=days_ago),
        )
    found = selectors.relationship(actor=owner, customer_id=customer.pk)
    counts = {kind: n for kind, _label, n in found.counts}
    assert counts == {
        "positive_experience": 0,
        "negative_experience": 2,
        "referred_by_friend": 0,
        "referred_others": 2,
        "staff_relationship": 1,
        "pride_advocacy": 0,
        "top_of_mind": 0,
    }
    assert (found.positive, found.negative) == (2, 2)
    assert sum(n for _month, n in found.trend) == 1  # the last six months: +1 +1 −1 and 0


def test_relationship_shows_the_latest_three_responses_first_score(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    scored = make_survey(owner, title="หลังซื้อ")
    for nps in (3, 5, 7):
        services.response_submit(
            survey=scored,
            answers=answers(scored, nps=nps, csat=1),
            channel="api",
            customer=customer,
        )
    words = services.survey_create(
        actor=owner,
        fields={"title": "ความเห็น", "kind": "post_purchase"},
        questions=[{"type": "free_text", "text": "อยากบอกอะไร"}],
    )
    question = words.questions.get()
    services.response_submit(
        survey=words,
        answers=[{"question_id": question.pk, "text": "ดีมาก"}],
        channel="api",
        customer=customer,
    )
    found = selectors.relationship(actor=owner, customer_id=customer.pk)
    # Newest first; the score is the first scored question's (NPS before CSAT); none for words.
    assert found.last_scores == [("ความเห็น", None), ("หลังซื้อ", 7), ("หลังซื้อ", 5)]


def test_export_and_erasure(owner: Actor) -> None:
    survey = make_survey(owner)
    customer = CustomerFactory(workspace=owner.workspace)
    services.response_submit(
        survey=survey,
        answers=answers(survey, nps=2, text="พนักงานพูดไม่ดี"),
        channel="api",
        customer=customer,
    )
    services.feeling_record(
        actor=owner, customer_id=customer.pk, kind="staff_relationship", score=-1, note="บ่น"
    )
    services.interview_save(actor=owner, customer_id=customer.pk, fields={"summary": "ไม่พอใจ"})
    open_link = services.invitation_create(
        actor=owner, survey_id=survey.pk, customer_id=customer.pk
    )
    subject = Subject(
        workspace_id=owner.workspace.pk, customer_id=customer.pk, customer_ids=(customer.pk,)
    )
    exported = feedback_export(subject)
    assert exported["survey_responses"][0]["answers"][0]["value"] == 2
    assert any(a.get("text") == "พนักงานพูดไม่ดี" for a in exported["survey_responses"][0]["answers"])
    assert exported["feelings"] and exported["interviews"][0]["summary"] == "ไม่พอใจ"
    assert feedback_erase([subject]) > 0
    assert not Answer.objects.exclude(text="").exists()
    assert Answer.objects.filter(value=2).exists()  # the score stays, for the statistics
    assert not EmotionalObservation.objects.filter(customer=customer).exists()
    assert not Interview.objects.filter(customer=customer).exists()
    assert SurveyResponse.objects.filter(customer=customer).count() == 1
    assert Client().get(links.invitation_path(open_link)).status_code == 410


def test_a_resolved_ticket_gets_one_post_ticket_link(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    from samphan.service.services import ticket_create, ticket_status_change

    survey = services.survey_create(
        actor=owner,
        fields={"title": "หลังแก้ปัญหา", "kind": "post_ticket"},
        questions=[{"type": "csat", "text": "พอใจไหม"}, {"type": "ces", "text": "ง่ายไหม"}],
    )
    customer = CustomerFactory(workspace=owner.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=owner, subject="ของชำรุด", customer_id=customer.pk)
        ticket_status_change(actor=owner, ticket_id=ticket.pk, status="resolved")
    invitation = SurveyInvitation.objects.get(survey=survey)
    assert (invitation.ticket_id, invitation.customer_id, invitation.source) == (
        ticket.pk,
        customer.pk,
        "ticket",
    )
    reply = Client().post(
        links.invitation_path(invitation),
        {f"q{q.pk}": "2" for q in survey.questions.all()},
    )
    assert reply.status_code == 200
    response = SurveyResponse.objects.get(ticket=ticket)
    assert response.staff_id == ticket.assignee_id
    event = TimelineEvent.objects.get(type="survey.answered", customer=customer)
    assert event.payload["csat"] == 2 and event.payload["ces"] == 2
    assert event.payload["low_score"] is True


def test_free_text_answers_get_the_text_apps_sentiment(owner: Actor, api_rw: Any) -> None:
    survey = make_survey(owner)
    for text in ["อร่อยมาก ชอบสุดๆ", "ส่งช้ามาก ไม่ประทับใจเลย"]:
        services.response_submit(survey=survey, answers=answers(survey, text=text), channel="api")
    labels = dict(Answer.objects.exclude(text="").values_list("text", "sentiment"))
    assert labels == {"อร่อยมาก ชอบสุดๆ": "positive", "ส่งช้ามาก ไม่ประทับใจเลย": "negative"}
    body = api_rw.get(f"/api/v1/surveys/{survey.pk}/results").json()
    free = next(q for q in body["questions"] if q["type"] == "free_text")
    assert free["sentiment"] == {"positive": 1, "neutral": 0, "negative": 1}
