"""The service journey in a browser, on phones: a customer opens a complaint from the shop's
public form; staff answer it and resolve it; the follow-up survey's personal link appears on
the customer's page; the customer answers it from the link; the survey results and the
relationship-health scorecard move."""

from __future__ import annotations

import re
from typing import Any

import pytest

from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.feedback import services as feedback_services
from samphan.feedback.models import Survey, SurveyResponse
from samphan.service.models import Ticket
from samphan.service.public import help_path
from samphan.service.sla.models import BusinessCalendar, SlaPolicy
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = MembershipFactory(user__email="owner@service.test", user__language="th")
    workspace = membership.workspace
    BusinessCalendar.objects.create(
        workspace=workspace, name="24/7", is_default=True, always_open=True
    )
    SlaPolicy.objects.create(workspace=workspace, first_response_minutes=60, resolution_minutes=480)
    feedback_services.survey_create(
        actor=actor_for_membership(membership),
        fields={"title": "หลังแก้ปัญหา", "kind": "post_ticket"},
        questions=[
            {"type": "nps_0_10", "text": "จะแนะนำร้านให้เพื่อนไหม"},
            {
                "type": "ep_pair",
                "text": "คาดหวังแค่ไหน ได้รับแค่ไหน",
                "attributes": ["responsiveness"],
                "required": False,
            },
        ],
    )
    return membership


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_complaint_answered_resolved_surveyed(
    live_server: Any, browser: Any, page: Any, shop: Membership
) -> None:
    base = live_server.url
    customer = browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH")
    phone = customer.new_page()
    phone.set_default_timeout(15_000)

    # 1. The customer writes to the shop from its public form (no sign-in).
    phone.goto(base + help_path(shop.workspace))
    assert _fits(phone)
    phone.fill("#id_name", "มาลี ใจงาม")
    phone.fill("#id_phone", "081-234-5678")
    phone.select_option("#id_ticket_type", "complaint")
    phone.fill("#id_subject", "ได้เสื้อผิดไซซ์")
    phone.fill("#id_body", "สั่งไซซ์ M แต่ได้ L ค่ะ อยากเปลี่ยน")
    phone.wait_for_timeout(3_200)  # a person takes a few seconds (the form's bot timer)
    phone.locator("form button[type=submit]").click()
    phone.wait_for_selector("#help-done")
    ticket = Ticket.objects.get(workspace=shop.workspace)
    assert (ticket.type, ticket.channel, ticket.status) == ("complaint", "web_form", "new")
    assert ticket.customer is not None

    # 2. Staff see it in the queue, answer it and resolve it, on a phone.
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@service.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    survey = Survey.objects.get(workspace=shop.workspace)
    page.goto(f"{base}/feedback/surveys/{survey.pk}/results/")
    assert "n=0" in page.locator("#kpi-nps").inner_text()  # no answers yet
    page.goto(f"{base}/service/")
    page.get_by_role("link", name=re.compile("ได้เสื้อผิดไซซ์")).first.click()
    page.wait_for_url(f"{base}/service/tickets/{ticket.pk}/")
    assert _fits(page)
    page.fill("#reply-form textarea", "ขออภัยค่ะ ร้านจะส่งไซซ์ M ให้พรุ่งนี้ ไม่มีค่าใช้จ่ายค่ะ")
    page.locator("#reply-form button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("form.sd-status button[value=resolved]").click()
    page.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.first_responded_at is not None
    _shot(page, "service-ticket-resolved-phone.png")

    # 3. The post-ticket survey's personal link waits on the customer's page.
    page.goto(f"{base}/customers/{ticket.customer_id}/")
    link = page.locator("input.survey-link").first.input_value()
    assert link.startswith(f"{base}/s/")

    # 4. The customer answers from the link.
    phone.goto(link)
    assert _fits(phone)
    phone.locator("input[type=radio][value='10']").first.check()
    phone.locator("input[name$='_e_responsiveness'][value='3']").check()  # expected
    phone.locator("input[name$='_p_responsiveness'][value='5']").check()  # what the shop did
    phone.locator("#survey-submit").click()
    phone.wait_for_selector("#survey-done")
    _shot(phone, "service-survey-answered-phone.png")
    assert SurveyResponse.objects.filter(survey=survey, customer=ticket.customer).count() == 1
    # The link answers once.
    phone.goto(link)
    phone.wait_for_selector("#survey-answered")

    # 5. The scores moved.
    page.goto(f"{base}/feedback/surveys/{survey.pk}/results/")
    assert page.locator("#kpi-nps .kpi-value").inner_text().strip() == "100"
    assert "n=1" in page.locator("#kpi-nps").inner_text()
    page.goto(f"{base}/feedback/scorecard/")
    row = page.locator("#score-responsiveness")
    assert "100%" in row.locator("td.measured").inner_text()  # answered within the target
    assert "n=1" in row.inner_text()
    assert _fits(page)
    _shot(page, "service-scorecard-phone.png")
    customer.close()
