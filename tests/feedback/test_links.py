"""Personal links: one response per token and per purchase (the database decides, also in a
race), expiry, tampered tokens and other workspaces' tokens; the public link: tenant
isolation, phone identification, the rate limit."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError
from samphan.customers.models import Customer
from samphan.feedback import links, public, services
from samphan.feedback.models import (
    EmotionalObservation,
    EPAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory
from tests.feedback.conftest import answers, form_data, make_survey


def _invite(actor: Actor, survey: Any, **kw: Any) -> SurveyInvitation:
    customer = kw.pop("customer", None) or CustomerFactory(workspace=actor.workspace)
    return services.invitation_create(
        actor=actor, survey_id=survey.pk, customer_id=customer.pk, **kw
    )


def test_a_personal_link_takes_one_answer(owner: Actor, survey: Any) -> None:
    invitation = _invite(owner, survey)
    url = links.invitation_path(invitation)
    visitor = Client()
    page = visitor.get(url)
    assert page.status_code == 200 and 'id="survey-submit"' in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert "แนะนำร้านให้เพื่อนไหม" in page.content.decode()
    qs = {q.type: q for q in survey.questions.all()}
    data = form_data(
        survey,
        nps=3,
        extra={
            f"q{qs['ep_pair'].pk}_e_responsiveness": "4",
            f"q{qs['ep_pair'].pk}_p_responsiveness": "2",
            f"q{qs['single_choice'].pk}": "0",
            f"q{qs['free_text'].pk}": "ส่งช้ามาก",
        },
    )
    done = visitor.post(url, data)
    assert done.status_code == 200 and 'id="survey-done"' in done.content.decode()
    response = SurveyResponse.objects.get(invitation=invitation)
    assert response.customer_id == invitation.customer_id and response.channel == "link"
    ep = EPAnswer.objects.get(response=response)
    assert (ep.attribute.code, ep.expectation, ep.performance) == ("responsiveness", 4, 2)
    # A second answer from the same link, another device: refused, one response kept.
    again = Client().post(url, form_data(survey, nps=10))
    assert again.status_code == 409 and 'id="survey-answered"' in again.content.decode()
    assert Client().get(url).status_code == 200  # shows "already answered"
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    # The low score is on the customer's timeline for automations, with the feelings it showed.
    event = TimelineEvent.objects.get(type="survey.answered", customer_id=invitation.customer_id)
    assert event.payload["nps"] == 3 and event.payload["low_score"] is True
    kinds = set(
        EmotionalObservation.objects.filter(response=response).values_list("kind", flat=True)
    )
    assert kinds == {"negative_experience", "referred_by_friend"}


def test_required_answers_and_ranges_are_checked(owner: Actor, survey: Any) -> None:
    url = links.invitation_path(_invite(owner, survey))
    missing = Client().post(url, {})
    assert missing.status_code == 422 and 'id="survey-error"' in missing.content.decode()
    out_of_range = Client().post(url, form_data(survey, nps=11))
    assert out_of_range.status_code == 422
    assert not SurveyResponse.objects.exists()


def test_an_expired_link_is_refused(owner: Actor, survey: Any) -> None:
    invitation = _invite(owner, survey)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    url = links.invitation_path(invitation)
    assert Client().get(url).status_code == 410
    assert Client().post(url, form_data(survey)).status_code == 410
    assert not SurveyResponse.objects.exists()


def test_tampered_and_foreign_tokens_are_404(owner: Actor, survey: Any) -> None:
    invitation = _invite(owner, survey)
    token = links.invitation_token(invitation)
    other = actor_for_membership(MembershipFactory())
    other_survey = make_survey(other)
    other_invitation = _invite(other, other_survey)
    forged_workspace = signing.dumps(
        [other.workspace.pk, invitation.pk, invitation.nonce],
        salt=links.INVITE_SALT,
        compress=False,
    )
    wrong_nonce = signing.dumps(
        [owner.workspace.pk, invitation.pk, "0" * 32], salt=links.INVITE_SALT, compress=False
    )
    public_as_personal = links.public_token(survey)
    for bad in [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        token.replace(":", "x", 1),
        forged_workspace,
        wrong_nonce,
        public_as_personal,
        "x" * 400,
    ]:
        assert Client().get(f"/s/{bad}/").status_code == 404, bad
        assert Client().post(f"/s/{bad}/", form_data(survey)).status_code == 404, bad
    # Each shop's own link still works, and answers land in that shop only.
    assert (
        Client().post(links.invitation_path(other_invitation), form_data(other_survey)).status_code
        == 200
    )
    assert SurveyResponse.objects.get().workspace_id == other.workspace.pk


def test_one_response_per_purchase_whichever_link(owner: Actor, survey: Any) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    order = OrderFactory(workspace=owner.workspace, customer=customer)
    first = _invite(owner, survey, customer=customer, order_id=order.pk)
    assert _invite(owner, survey, customer=customer, order_id=order.pk).pk == first.pk
    services.response_submit(
        survey=survey, answers=answers(survey), channel="api", customer=customer, order_id=order.pk
    )
    # The order's link (another device) cannot answer again.
    reply = Client().post(links.invitation_path(first), form_data(survey))
    assert reply.status_code == 409
    assert SurveyResponse.objects.filter(survey=survey, order=order).count() == 1
    response = SurveyResponse.objects.get(order=order)
    assert response.sales_channel_id == order.channel_id and response.staff_id == order.staff_id


def test_the_database_refuses_a_second_response_when_the_check_is_passed(
    owner: Actor, survey: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two submissions that both pass the early check (a race): the unique constraints keep
    one, the other is told it was already answered."""
    monkeypatch.setattr(services, "_already_answered", lambda **kw: False)
    customer = CustomerFactory(workspace=owner.workspace)
    order = OrderFactory(workspace=owner.workspace, customer=customer)
    invitation = _invite(owner, survey, customer=customer)
    for kwargs in ({"invitation": invitation}, {"customer": customer, "order_id": order.pk}):
        services.response_submit(survey=survey, answers=answers(survey), channel="link", **kwargs)
        SurveyInvitation.objects.filter(pk=invitation.pk).update(answered_at=None)
        with pytest.raises(ApplicationError) as refused:
            services.response_submit(
                survey=survey, answers=answers(survey), channel="link", **kwargs
            )
        assert refused.value.code == "already_answered" and refused.value.status == 409
    assert SurveyResponse.objects.filter(survey=survey).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            workspace=owner.workspace,
            survey=survey,
            invitation=invitation,
            channel="link",
            submitted_at=timezone.now(),
        )


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_store_one() -> None:
    actor = actor_for_membership(MembershipFactory())
    survey = make_survey(actor)
    invitation = _invite(actor, survey)
    url = links.invitation_path(invitation)
    data = form_data(survey, nps=8)
    start = threading.Barrier(2)

    def submit(_i: int) -> int:
        try:
            start.wait(timeout=30)
            return Client().post(url, data).status_code
        finally:
            connection.close()

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database file")
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(submit, range(2)))
    assert statuses == [200, 409]
    assert SurveyResponse.objects.filter(invitation=invitation).count() == 1


def test_public_link_anonymous_phone_and_isolation(owner: Actor) -> None:
    survey = make_survey(owner, public_mode="anonymous", kind="general")
    url = links.public_path(survey)
    assert Client().get(url).status_code == 200
    assert Client().post(url, form_data(survey)).status_code == 200
    anonymous = SurveyResponse.objects.get()
    assert anonymous.customer_id is None and anonymous.channel == "public"
    assert TimelineEvent.objects.filter(type="survey.answered", customer__isnull=True).exists()
    # A retired link (new nonce) and a link naming another workspace are 404.
    services.survey_public_reset(actor=owner, survey_id=survey.pk)
    assert Client().get(url).status_code == 404
    other = actor_for_membership(MembershipFactory())
    forged = signing.dumps(
        [other.workspace.pk, survey.pk, survey.public_nonce], salt=links.PUBLIC_SALT, compress=False
    )
    assert Client().get(f"/q/{forged}/").status_code == 404
    survey.refresh_from_db()
    assert Client().get(links.public_path(survey)).status_code == 200
    # Switched off: 404.
    services.survey_update(actor=owner, survey_id=survey.pk, fields={"public_mode": "off"})
    assert Client().get(links.public_path(survey)).status_code == 404
    # Identified by phone: matched to the existing customer, not duplicated.
    known = CustomerFactory(workspace=owner.workspace, contacts=[("phone", "0891234567")])
    services.survey_update(actor=owner, survey_id=survey.pk, fields={"public_mode": "phone"})
    phone_url = links.public_path(survey)
    no_consent = Client().post(phone_url, {**form_data(survey), "who-phone": "0891234567"})
    assert no_consent.status_code == 422
    ok = Client().post(
        phone_url, {**form_data(survey), "who-phone": "+66 89 123 4567", "who-consent": "on"}
    )
    assert ok.status_code == 200, ok.content.decode()
    assert SurveyResponse.objects.filter(customer=known).count() == 1
    assert Customer.objects.filter(workspace=owner.workspace).count() == 1


def test_public_answers_are_rate_limited_per_address(owner: Actor) -> None:
    survey = make_survey(owner, public_mode="anonymous", kind="general")
    url = links.public_path(survey)
    visitor = Client()
    for _i in range(public.PUBLIC_PER_ADDRESS[0]):
        assert visitor.post(url, form_data(survey)).status_code == 200
    refused = visitor.post(url, form_data(survey))
    assert refused.status_code == 429
    assert SurveyResponse.objects.count() == public.PUBLIC_PER_ADDRESS[0]
    # Another address still may.
    assert Client(REMOTE_ADDR="10.0.0.9").post(url, form_data(survey)).status_code == 200


def test_survey_pages_are_thai_first(owner: Actor, survey: Any) -> None:
    url = links.invitation_path(_invite(owner, survey))
    assert 'lang="th"' in Client().get(url).content.decode()  # Thai text: after the merge
    english = Client()
    english.cookies["django_language"] = "en"
    html = english.get(url).content.decode()
    assert 'lang="en"' in html and "Send" in html
