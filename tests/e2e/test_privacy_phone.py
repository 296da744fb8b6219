"""The privacy pages at phone width (390 px, Thai): nothing wider than the screen, the customer
page's personal-data panel, and an erasure from the phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.customers import services
from samphan.customers.models import Customer
from samphan.privacy.breaches import breach_record
from samphan.privacy.models import Breach, DataSubjectRequest, ErasureRecord
from samphan.privacy.requests import request_create
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = MembershipFactory(user__email="owner@shop.test", user__language="th")
    owner = actor_for_membership(membership)
    customer = services.customer_create(
        actor=owner,
        first_name="นางสาวมาลีวรรณ",
        last_name="ศรีสุขสวัสดิ์พิพัฒน์",
        contacts=[("phone", "081-359-4827"), ("email", "maleewan.srisuk@example.com")],
    ).customer
    request_create(
        actor=owner,
        kind="erasure",
        received_on=timezone.localdate() - dt.timedelta(days=35),
        customer_id=customer.pk,
        requester_name="นางสาวมาลีวรรณ ศรีสุขสวัสดิ์พิพัฒน์",
        requester_contact="maleewan.srisuk@example.com",
        details="ขอให้ลบข้อมูลทั้งหมดรวมถึงประวัติการซื้อและการติดต่อทางไลน์",
    )
    breach_record(
        actor=owner,
        data={"title": "ส่งไฟล์รายชื่อลูกค้าผิดกลุ่มไลน์", "found_at": timezone.now(),
              "categories": ["identity", "contact"], "people_affected": 240},
    )  # fmt: skip
    return membership


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_privacy_pages_fit_a_phone_and_erase_works(
    live_server: Any, page: Any, shop: Membership
) -> None:
    base = live_server.url
    _log_in(page, base)
    request_id = DataSubjectRequest.objects.get().pk
    breach_id = Breach.objects.get().pk
    for path in (
        f"/settings/privacy/requests/{request_id}/",
        f"/settings/privacy/breaches/{breach_id}/",
        "/settings/privacy/",
        "/settings/privacy/requests/",
        "/settings/privacy/requests/new/",
        "/settings/privacy/breaches/",
        "/settings/privacy/breaches/new/",
        "/settings/privacy/retention/",
        "/settings/privacy/record/",
    ):
        page.goto(f"{base}{path}")
        assert page.locator("h1").first.is_visible(), path
        assert _fits(page), path
    customer = Customer.objects.get(first_name="มาลีวรรณ")
    page.goto(f"{base}/customers/{customer.pk}/")
    assert page.locator("#panel-privacy").count() == 1
    assert _fits(page)
    page.goto(f"{base}/customers/{customer.pk}/erase/")
    assert _fits(page)
    page.fill("textarea[name=reason]", "คำขอลบข้อมูลของลูกค้า")
    page.check("input[name=confirm]")
    page.locator("button.danger").click()
    page.wait_for_url(f"{base}/customers/{customer.pk}/")
    assert _fits(page)
    assert "มาลีวรรณ" not in page.locator("main").inner_text()
    assert ErasureRecord.objects.filter(customer_ref=customer.pk).exists()
