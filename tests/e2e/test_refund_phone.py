"""Refunding part of an order on a phone (390 px, Thai): the form, the confirm step and the
refunds list fit the screen with long item names and reasons; the refund is made once."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.commerce.models import Order, Refund
from samphan.commerce.refunds import refund_create
from samphan.commerce.services import LineInput, order_create
from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory, MembershipFactory, SalesChannelFactory

pytestmark = pytest.mark.browser

LONG_NAME = "แก้วเซรามิกเคลือบด้านลายดอกลีลาวดีสีชมพูอ่อนพร้อมฝาไม้สักทองแท้ขนาดสี่ร้อยมิลลิลิตร"


@pytest.fixture
def shop(transactional_db: None) -> tuple[Membership, Order]:
    membership = MembershipFactory(user__email="owner@shop.test", user__language="th")
    owner = actor_for_membership(membership)
    customer = CustomerFactory(workspace=owner.workspace, first_name="นางสาวมาลีวรรณ")
    order = order_create(
        actor=owner,
        channel_id=SalesChannelFactory(workspace=owner.workspace).pk,
        customer_id=customer.pk,
        lines=[
            LineInput(name=LONG_NAME, quantity=3, unit_price_satang=45000),
            LineInput(name="ขนมปังสังขยา", quantity=1, unit_price_satang=4500),
        ],
    ).order
    refund_create(
        actor=owner,
        order_id=order.pk,
        amount_satang=1000,
        reason="ลูกค้าแจ้งว่าส่งช้ากว่ากำหนดสามวันเลยคืนค่าส่งบางส่วนให้ตามที่ตกลงกันทางไลน์" * 3,
    )
    return membership, order


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_refund_part_of_an_order_on_a_phone(
    live_server: Any, page: Any, shop: tuple[Membership, Order]
) -> None:
    _membership, order = shop
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/orders/{order.pk}/")
    assert page.locator("#order-refund").is_visible()
    assert page.locator("#refunds").is_visible()
    assert _fits(page)
    line = order.lines.get(name=LONG_NAME)
    page.fill(f"input[name=qty-{line.pk}]", "1")
    page.fill("#refund-reason", "แก้วแตกมา 1 ใบ")
    page.locator("#order-refund button[type=submit]").click()
    page.locator("#refund-confirm").wait_for()
    assert "฿450.00" in page.locator("#refund-confirm").inner_text()
    assert _fits(page)
    page.locator("#refund-confirm button[type=submit]").click()
    page.wait_for_url(f"{base}/orders/{order.pk}/")
    page.locator("#order-refunded").wait_for()
    assert _fits(page)
    page.screenshot(path="var/screenshots/refund-390.png", full_page=True)
    assert list(Refund.objects.order_by("pk").values_list("amount_satang", flat=True)) == [
        1000,
        45000,
    ]
