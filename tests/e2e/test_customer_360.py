"""Counter staff find a customer by the last 4 digits of the phone, open the customer page, log a
call with a follow-up, see both on the timeline, and tick the follow-up off."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from samphan.commerce.models import ChannelKind
from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.customers import address_services, consent_services, services
from samphan.customers.models import FollowUp, Interaction
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, wait_until
from tests.factories import MembershipFactory, OrderFactory, SalesChannelFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = MembershipFactory(user__email="owner@shop.test", user__language="th")
    call_command(
        "seed", workspace=membership.workspace_id, customers=40, months=6, seed=11, verbosity=0
    )
    return membership


@pytest.fixture
def malee(shop: Membership) -> int:
    owner = actor_for_membership(shop)
    customer = services.customer_create(
        actor=owner,
        first_name="นางสาวมาลี",
        last_name="ศรีสุขสวัสดิ์",
        nickname="มะลิ",
        contacts=[("phone", "081-359-4827"), ("email", "malee@example.com")],
    ).customer
    services.customer_update(
        actor=owner,
        customer_id=customer.pk,
        data={
            "behaviour_type": "information_seeking",
            "lifecycle_stage": "repeat",
            "tags": ["VIP", "ชาไทยหวานน้อย"],
            "notes": "แพ้นมวัว ใช้นมโอ๊ตแทน",
        },
    )
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="marketing_line", granted=True
    )
    address_services.address_add(
        actor=owner,
        customer_id=customer.pk,
        line="99/1 ซ.พหลโยธิน 24",
        subdistrict="จอมพล",
        district="จตุจักร",
        province="กรุงเทพมหานคร",
        postcode="10900",
    )
    channel = SalesChannelFactory(workspace=shop.workspace, kind=ChannelKind.STORE, name="ร้าน")
    for days in (90, 30, 6):
        OrderFactory(
            workspace=shop.workspace,
            customer=customer,
            channel=channel,
            placed_at=timezone.now() - dt.timedelta(days=days),
            total_satang=48500,
        )
    from samphan.commerce.services import customer_summaries_refresh

    customer_summaries_refresh(workspace=shop.workspace, customer_ids=[customer.pk])
    return customer.pk


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def test_find_customer_log_a_call_with_follow_up_and_see_the_timeline(
    live_server: Any, page: Any, shop: Membership, malee: int
) -> None:
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    _log_in(page, base)

    # The search box finds her by the last 4 digits of her phone.
    page.goto(f"{base}/customers/")
    page.fill("#id_q", "4827")
    # The unfiltered list may show her already: wait for the search's own answer (the URL it
    # pushes, nothing in flight), or a late swap can take the link from under the click.
    wait_until(
        page,
        """() => location.search.includes('q=4827')
            && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')""",
    )
    link = page.locator(f"#customer-results a[href='/customers/{malee}/']")
    link.wait_for()
    link.click()
    page.wait_for_url(f"{base}/customers/{malee}/")
    assert "มาลี" in page.locator("h1").first.inner_text()
    main = page.locator("main")
    # The header: tags, behaviour type with its Thai service tip, consent, loyalty placeholder.
    assert "#VIP" in main.inner_text()
    assert "เตรียมข้อมูลให้ครบ" in page.locator(".c360-tip").inner_text()
    assert page.locator(".badge.loyalty").count() == 1
    assert "แพ้นมวัว" in page.locator(".c360-pinned").inner_text()
    assert "฿1,455.00" in page.locator(".c360-numbers").inner_text()
    page.screenshot(path=str(ARTIFACTS / "customer-360-375.png"), full_page=True)

    # Log a call with a follow-up for tomorrow.
    page.locator(f"a[href='/customers/{malee}/interactions/new/']").first.click()
    page.wait_for_url(f"{base}/customers/{malee}/interactions/new/")
    page.check("input[name=kind][value=call]")
    page.fill("textarea[name=summary]", "ถามเรื่องชุดของขวัญปีใหม่ 20 ชุด")
    page.fill("input[name=outcome]", "สนใจ ขอใบเสนอราคา")
    page.fill("textarea[name=pain_points]", "ปีที่แล้วได้ของช้า")
    page.fill("input[name=next_step]", "ส่งใบเสนอราคาทาง LINE")
    page.fill("input[name=followup_title]", "โทรถามผลใบเสนอราคา")
    page.screenshot(path=str(ARTIFACTS / "customer-360-interaction-375.png"), full_page=True)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/customers/{malee}/#timeline")

    # Both are on the timeline, newest first, and the follow-up is in the open tasks.
    timeline = page.locator("#timeline-list")
    assert timeline.locator("li[data-type='interaction.logged']").count() == 1
    assert "ถามเรื่องชุดของขวัญปีใหม่" in timeline.inner_text()
    assert timeline.locator("li[data-type='followup.created']").count() == 1
    assert "โทรถามผลใบเสนอราคา" in page.locator("#tasks").inner_text()
    interaction = Interaction.objects.get(customer_id=malee)
    task = FollowUp.objects.get(customer_id=malee)
    assert task.interaction_id == interaction.pk and task.assignee_id == shop.user_id

    # Filter the timeline to follow-ups only (htmx swaps the list in place).
    page.select_option("#timeline-type", "followup.created")
    wait_until(page, "() => document.querySelectorAll('#timeline-list li[data-type]').length === 1")
    assert timeline.locator("li[data-type='followup.created']").count() == 1

    # Tick the follow-up off on the customer page.
    page.locator(f"#task-{task.pk} button[type=submit]").click()
    page.locator(f"#task-{task.pk} .badge.ok").wait_for()
    task.refresh_from_db()
    assert task.status == "done"

    # Withdraw the LINE consent with one tap; the card updates in place.
    page.locator("#consents li", has=page.locator("input[value=marketing_line]")).locator(
        "button"
    ).click()
    page.locator("#consents .badge.warn").wait_for()

    page.reload()
    assert page.locator("#timeline-list li[data-type='followup.done']").count() == 1
    assert page.locator("#timeline-list li[data-type='consent.changed']").count() == 2
    page.screenshot(path=str(ARTIFACTS / "customer-360-after-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "customer-360-1280.png"), full_page=True)

    # The same page in English after switching.
    page.locator("form.language-switch button[value=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Have the details ready" in page.locator(".c360-tip").inner_text()


def test_quick_sale_at_the_counter_finds_the_customer_by_phone(
    live_server: Any, page: Any, shop: Membership, malee: int
) -> None:
    base = live_server.url
    _log_in(page, base)
    page.goto(f"{base}/sale/new/")
    page.fill("#sale-phone", "0813594827")
    page.locator("#sale-customer input[name=customer_id]").wait_for(state="attached")
    assert "มาลี" in page.locator("#sale-customer").inner_text()
    page.fill("input[name=item_name]", "ชุดของขวัญ")
    page.fill("input[name=item_price]", "350")
    page.locator("input[name=item_qty]").first.fill("2")
    page.locator("#sale-total strong").filter(has_text="฿700.00").wait_for()
    page.screenshot(path=str(ARTIFACTS / "quick-sale-375.png"), full_page=True)
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url(f"{base}/customers/{malee}/")
    assert page.locator("#timeline-list li[data-type='order.placed']").count() >= 1
    assert "฿700.00" in page.locator("#timeline-list").inner_text()


def test_address_by_postcode_fills_subdistrict_district_and_province(
    live_server: Any, page: Any, shop: Membership, malee: int
) -> None:
    base = live_server.url
    _log_in(page, base)
    page.goto(f"{base}/customers/{malee}/addresses/new/")
    page.fill("input[name=line]", "1 ถ.สุขุมวิท")
    page.fill("#address-find", "10110")
    page.locator("#address-candidates button", has_text="พระโขนง").first.click()
    page.locator("input[name=subdistrict][value='พระโขนง']").wait_for()
    assert page.input_value("input[name=district]") == "คลองเตย"
    assert page.input_value("input[name=province]") == "กรุงเทพมหานคร"
    assert page.input_value("input[name=postcode]") == "10110"
    assert page.input_value("input[name=line]") == "1 ถ.สุขุมวิท"  # kept while picking
    page.locator("#address-form button[type=submit]").click()
    page.wait_for_url(f"{base}/customers/{malee}/#addresses")
    assert "แขวงพระโขนง เขตคลองเตย กรุงเทพมหานคร 10110" in page.locator("#addresses").inner_text()
