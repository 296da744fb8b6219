"""Text insights on a phone (390 px, Thai): paste reviews, see labels and highlighted words,
correct one; the page fits the screen."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.models import Membership
from samphan.text.models import SentimentLabel
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    return MembershipFactory(user__email="owner@shop.test", user__language="th")


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_paste_read_and_correct_on_a_phone(live_server: Any, page: Any, shop: Membership) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/analytics/text/")
    assert _fits(page)
    page.fill(
        "textarea[name=texts]",
        "ก๋วยเตี๋ยวอร่อยมากกก น้ำซุปเข้มข้น 😋\nส่งช้ามาก แพ็คไม่ดีเลย\nไม่ค่อยสวยเหมือนในรูป",
    )
    page.locator("#analyse button[type=submit]").click()
    page.wait_for_selector("#results")
    assert page.locator("li.text-result").count() == 3
    assert page.locator("li.sentiment-positive").count() == 1
    assert page.locator("li.sentiment-negative").count() == 2
    assert page.locator("mark.pos").count() >= 1 and page.locator("mark.neg").count() >= 2
    assert _fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "text-insights-phone.png"), full_page=True)

    third = page.locator("li.text-result").nth(2)
    third.locator("select[name=label]").select_option("neutral")
    third.locator("button[type=submit]").click()
    page.wait_for_selector("#labels table")
    assert SentimentLabel.objects.get().label == "neutral"
    assert _fits(page)
