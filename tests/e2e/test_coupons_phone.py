"""The coupon pages at phone width (390 px, Thai): nothing wider than the screen, with long
campaign names, unique codes and redemptions; a campaign created from the phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.loyalty.coupons.models import CouponCampaign
from samphan.loyalty.coupons.services import coupon_redeem
from tests.conftest import PASSWORD
from tests.coupons.factories import campaign
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR).parent / "var" / "screenshots"


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = MembershipFactory(user__email="owner@shop.test", user__language="th")
    owner = actor_for_membership(membership)
    shared = campaign(
        owner,
        name="ส่วนลดต้อนรับสงกรานต์สำหรับสมาชิกทุกคนที่ซื้อครบห้าร้อยบาทขึ้นไปภายในเดือนเมษายน",
        kind="percent",
        percent_bp=1250,
        max_discount_satang=20000,
        min_spend_satang=50000,
        total_limit=500,
        per_customer_limit=1,
        code="SONGKRAN-MEMBERS-2027-WELCOME",
    )
    campaign(owner, name="โค้ดเฉพาะลูกค้า VIP", code_mode="unique", code_count=30)
    customer = CustomerFactory(
        workspace=owner.workspace, first_name="นางสาวมาลีวรรณ", last_name="ศรีสุขสวัสดิ์พิพัฒน์"
    )
    order = OrderFactory(customer=customer, subtotal_satang=120000)
    coupon_redeem(actor=owner, code=shared.codes.get().code, order_id=order.pk)
    return membership


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_coupon_pages_fit_a_phone(live_server: Any, page: Any, shop: Membership) -> None:
    base = live_server.url
    _log_in(page, base)
    ids = list(CouponCampaign.objects.order_by("pk").values_list("pk", flat=True))
    paths = ["/loyalty/coupons/", "/loyalty/coupons/new/"]
    paths += [f"/loyalty/coupons/{pk}/" for pk in ids]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(paths):
        page.goto(f"{base}{path}")
        page.screenshot(path=str(SCREENSHOTS / f"coupons-390-{n}.png"), full_page=True)
        assert _fits(page), path
    page.goto(f"{base}/loyalty/coupons/new/")
    page.fill("input[name=name]", "ลด 50 บาท")
    page.check("input[name=kind][value=value]")
    page.fill("input[name=value_baht]", "50")
    page.check("input[name=code_mode][value=shared]")
    page.fill("input[name=code]", "save50")
    page.check("input[name=targeting][value=none]")
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_url(f"{base}/loyalty/coupons/*/")
    assert "SAVE50" in page.content()
    assert _fits(page)
