"""Log in as the owner, switch language, open the dashboard, create an API key, call the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from samphan.core.models import AuditLog, Membership
from samphan.customers.models import Customer
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = MembershipFactory(user__email="owner@shop.test", user__language="th")
    call_command(
        "seed", workspace=membership.workspace_id, customers=80, months=6, seed=7, verbosity=0
    )
    return membership


def test_owner_logs_in_switches_language_and_uses_an_api_key(
    live_server: Any, page: Any, shop: Membership
) -> None:
    base = live_server.url
    # The browser asks for English (Accept-Language), but Samphan is Thai by default.
    page.goto(f"{base}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "th"
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").first.inner_text() == "ภาพรวม"
    page.screenshot(path=str(ARTIFACTS / "dashboard-th.png"), full_page=True)

    # The dashboard shows real figures: the customer count of this shop.
    customers = Customer.objects.filter(workspace=shop.workspace).count()
    assert f"{customers:,}" in page.locator("main").inner_text()

    # Switch to English: the choice is saved on the user and survives a new page load.
    page.locator("form.language-switch button[value=en]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/")
    assert page.locator("h1").first.inner_text() == "Dashboard"
    shop.user.refresh_from_db()
    assert shop.user.language == "en"

    # Create a read-write API key; its secret is shown once.
    page.goto(f"{base}/settings/api-keys/")
    page.fill("input[name=name]", "POS")
    page.select_option("select[name=scope]", "read_write")
    page.locator("form[action$='/settings/api-keys/new/'] button[type=submit]").click()
    secret = page.input_value("#api-key-secret")
    assert secret.startswith("sk_")
    page.screenshot(path=str(ARTIFACTS / "apikey-created.png"), full_page=True)
    assert AuditLog.objects.filter(action="apikey.created", workspace=shop.workspace).exists()

    # Call the API with it.
    response = page.request.get(f"{base}/api/v1/customers?limit=5", headers={"X-API-Key": secret})
    assert response.status == 200
    body = response.json()
    assert body["count"] == customers
    assert len(body["items"]) == 5
    created = page.request.post(
        f"{base}/api/v1/branches", headers={"X-API-Key": secret}, data={"name": "สาขาใหม่ API"}
    )
    assert created.status == 201
    assert created.json()["name"] == "สาขาใหม่ API"
