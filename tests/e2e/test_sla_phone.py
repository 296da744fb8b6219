"""The SLA settings on a phone (390 px, Thai): the week, the closed days, the Thai holidays ahead
and the policies fit the screen; a week is changed and a policy added from the phone."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.models import Membership
from samphan.service.sla import selectors
from samphan.service.sla.models import SlaPolicy
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def owner_th(transactional_db: None) -> Membership:
    return MembershipFactory(user__email="owner@sla.test", user__language="th")


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_sla_settings_on_a_phone(live_server: Any, page: Any, owner_th: Membership) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@sla.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/settings/sla/")
    assert _fits(page)
    page.locator("article header a").first.click()
    page.wait_for_url(f"{base}/settings/sla/calendars/*/")
    assert _fits(page)
    page.fill("input[name=sat]", "10:00-14:00")
    page.fill("input[name=sun]", "18:00-24:00")
    page.locator("form.narrow button[type=submit]").first.click()
    page.wait_for_load_state()
    assert _fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sla-calendar-phone.png"), full_page=True)
    value = selectors.calendar_for(workspace=owner_th.workspace)
    assert value.slots[5] == ((600, 840),) and value.slots[6] == ((1080, 1440),)

    page.goto(f"{base}/settings/sla/policies/new/")
    assert _fits(page)
    page.select_option("select[name=ticket_type]", "complaint")
    page.fill("input[name=first_response_minutes]", "30")
    page.fill("input[name=resolution_minutes]", "480")
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_url(f"{base}/settings/sla/")
    assert _fits(page)
    page.screenshot(path=str(ARTIFACTS / "sla-settings-phone.png"), full_page=True)
    assert SlaPolicy.objects.get(workspace=owner_th.workspace).resolution_minutes == 480
