"""In a browser: the 404 page is Samphan's own (Thai and English, no list of URLs), and pages
run under the Content-Security-Policy without a single refused script."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from samphan.core.models import Membership
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, wait_until
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


def _collect_console(page: Any) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    return messages


def _csp_refusals(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


def test_the_404_page_is_the_branded_one(live_server: Any, page: Any, db: None) -> None:
    console = _collect_console(page)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert page.locator("h1").first.inner_text() == "ไม่พบหน้านี้"
    text = page.locator("main").inner_text()
    assert "Page not found" in text  # the English line under the Thai one
    assert page.locator(".brand").count() == 1  # Samphan's own header
    body = page.content()
    assert "URLconf" not in body and "DEBUG" not in body and "api/v1/" not in body
    page.screenshot(path=str(ARTIFACTS / "404.png"), full_page=True)
    assert _csp_refusals(console) == []


@pytest.fixture
def owner(transactional_db: None) -> Membership:
    membership: Membership = MembershipFactory(user__email="owner@csp.test", user__language="en")
    call_command(
        "seed", workspace=membership.workspace_id, customers=60, months=6, seed=11, verbosity=0
    )
    return membership


def test_pages_run_under_the_csp_and_data_attributes_replace_inline_handlers(
    live_server: Any, page: Any, owner: Membership
) -> None:
    base = live_server.url
    console = _collect_console(page)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@csp.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    paths = ("/", "/customers/", "/analytics/", "/analytics/personas/", "/segments/",
             "/settings/members/", "/api/v1/docs")  # fmt: skip
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        csp = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        page.wait_for_load_state("networkidle")

    # The sale form's × removes its row through app.js (it was an inline hx-on handler).
    page.goto(f"{base}/sale/new/")
    rows = page.locator("#sale-items .sale-row")
    before = rows.count()
    page.locator(".sale-add").click()
    wait_until(page, f"document.querySelectorAll('#sale-items .sale-row').length > {before}")
    after = rows.count()
    rows.last.locator(".sale-remove").click()
    wait_until(page, f"document.querySelectorAll('#sale-items .sale-row').length === {after - 1}")
    assert _csp_refusals(console) == [], console
