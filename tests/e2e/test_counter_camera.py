"""The counter screen finds a member by their card's QR code through the device's camera (the
browser's fake camera shows the card's QR code; jsQR reads it in the page)."""

from __future__ import annotations

from typing import Any

import pytest
import qrcode

from samphan.core.access import actor_for_membership
from samphan.loyalty.cards import card_issue, card_path
from tests.conftest import PASSWORD
from tests.e2e.conftest import write_fake_camera
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.browser


def test_scanning_the_member_card_opens_the_member(
    live_server: Any, page: Any, transactional_db: None
) -> None:
    membership = MembershipFactory(user__email="owner@shop.test", user__language="th")
    owner = actor_for_membership(membership)
    customer = CustomerFactory(workspace=owner.workspace, first_name="มาลี")
    link = live_server.url + card_path(card_issue(actor=owner, customer_id=customer.pk))
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(link)
    code.make(fit=True)
    write_fake_camera(code.get_matrix(), scale=max(2, 220 // (code.modules_count + 8)))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    response = page.goto(f"{base}/loyalty/counter/")
    assert response is not None
    assert "camera=(self)" in response.headers["permissions-policy"]
    page.click("#scan-card")
    page.wait_for_url(f"{base}/loyalty/counter/{customer.pk}/", timeout=20_000)
    assert "มาลี" in page.content()
