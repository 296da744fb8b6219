"""A campaign at phone width (390 px, Thai): build it for a segment, preview it for one
customer, send it over LINE (a local stub of LINE's API) and see the delivery counts."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.messaging.models import Delivery
from samphan.messaging.services import line_channel_save
from samphan.segments.models import Segment
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory
from tests.messaging import conftest as line_fixtures
from tests.messaging.campaign_helpers import member, no_quiet_hours
from tests.messaging.conftest import SECRET, TOKEN, LineStub

pytestmark = pytest.mark.browser
line_stub = line_fixtures.line_stub


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = MembershipFactory(user__email="owner@campaign.test", user__language="th")
    owner = actor_for_membership(membership)
    line_channel_save(
        actor=owner, channel_id="1650000000", channel_secret=SECRET, channel_access_token=TOKEN
    )
    no_quiet_hours(owner)
    member(owner, name="มาลีวรรณ")
    member(owner, name="สมศรี")
    member(owner, name="ปิติ", consent=())  # no LINE consent: skipped
    Segment.objects.create(
        workspace=owner.workspace, name="สมาชิกทุกคน", rules={"op": "and", "items": []}
    )
    return membership


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_build_preview_send_and_see_counts(
    live_server: Any, page: Any, shop: Membership, line_stub: LineStub
) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@campaign.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/campaigns/")
    page.locator("a[href='/campaigns/new/']").first.click()
    page.wait_for_url(f"{base}/campaigns/new/")
    page.fill("#id_name", "ลดวันแม่")
    page.select_option("#id_segment", label="สมาชิกทุกคน")
    page.locator("#campaign-estimate .live-count").wait_for()
    assert "3" in page.locator("#campaign-estimate .live-count").inner_text()
    page.fill("#id_control_percent", "0")
    page.fill("#id_text", "สวัสดีคุณ{{ name }} วันแม่นี้ลด 20% ทั้งร้าน")
    page.fill("#preview-customer", "มาลีวรรณ")
    page.click("#preview-button")
    page.locator("#preview-text").wait_for()
    assert page.locator("#preview-text").inner_text() == "สวัสดีคุณมาลีวรรณ วันแม่นี้ลด 20% ทั้งร้าน"
    assert _fits(page)
    page.screenshot(path="test-results/campaign-new-390.png", full_page=True)

    page.locator("form#campaign-form button[type=submit]").click()
    page.wait_for_url(f"{base}/campaigns/*/")
    page.click("#send-campaign")
    page.wait_for_url(f"{base}/campaigns/*/")
    sent = page.locator("li[data-status=sent] strong")
    sent.wait_for()
    page.wait_for_function(
        "document.querySelector('li[data-status=sent] strong').innerText.trim() === '2'"
    )
    assert page.locator("li[data-status=skipped_consent] strong").inner_text().strip() == "1"
    assert Delivery.objects.filter(status="sent").count() == 2
    assert len(line_stub.calls("/v2/bot/message/push")) == 2
    assert _fits(page)
    page.screenshot(path="test-results/campaign-sent-390.png", full_page=True)
