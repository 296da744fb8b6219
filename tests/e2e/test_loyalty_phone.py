"""Points at the counter on a phone (390 px, Thai): find the member by the last digits of the
phone, use part of the balance, make the member card link and see the new balance on the card;
the loyalty pages fit the screen."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.customers.models import Customer
from samphan.loyalty.models import Account, Programme
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: None) -> tuple[Membership, Customer]:
    membership = MembershipFactory(user__email="owner@shop.test", user__language="th")
    owner = actor_for_membership(membership)
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(
        workspace=owner.workspace,
        first_name="นางสาวมาลีวรรณ",
        last_name="ศรีสุวรรณวิจิตรพงศ์",
        contacts=[("phone", "081-359-6920")],
    )
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=250_000)  # 100
    return membership, customer


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_counter_redeem_and_member_card_on_a_phone(
    live_server: Any, page: Any, shop: tuple[Membership, Customer]
) -> None:
    _membership, customer = shop
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/loyalty/counter/")
    assert _fits(page)
    page.fill("input[name=q]", "6920")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(f"{base}/loyalty/counter/{customer.pk}/")
    assert page.locator("#points-available").inner_text() == "100"
    assert _fits(page)
    page.fill("input[name=points]", "30")
    page.locator("#redeem button[type=submit]").click()
    page.wait_for_url(f"{base}/loyalty/counter/{customer.pk}/")
    assert page.locator("#points-available").inner_text() == "70"
    assert "฿7.50" in page.locator(".flashes").inner_text()
    page.screenshot(path="var/screenshots/loyalty-counter-390.png", full_page=True)

    page.goto(f"{base}/loyalty/members/{customer.pk}/")
    page.locator("#card button[type=submit]").click()
    page.wait_for_url(f"{base}/loyalty/members/{customer.pk}/")
    assert _fits(page)
    card_url = page.locator("#card-link").get_attribute("href")
    assert card_url
    page.goto(f"{base}{card_url}")
    assert page.locator("#card-available").inner_text() == "70"
    assert page.locator(".qr svg").is_visible()
    assert _fits(page)
    page.screenshot(path="var/screenshots/loyalty-card-390.png", full_page=True)

    for path in ("/loyalty/", "/loyalty/programme/", f"/customers/{customer.pk}/"):
        page.goto(f"{base}{path}")
        assert _fits(page), path
    assert Account.objects.get(customer=customer).balance == 70
