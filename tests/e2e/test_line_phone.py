"""The LINE pages at phone width (390 px, Thai): the channel settings with its webhook address
and quota meter (from a local stub of LINE's API), the webhook-events log, and a link code made
from the customer page. Nothing is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.customers import services
from samphan.messaging.models import LineLinkCode, LineWebhookEvent
from samphan.messaging.services import line_channel_save
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory
from tests.messaging import conftest as line_fixtures
from tests.messaging.conftest import SECRET, TOKEN, USER, LineStub

pytestmark = pytest.mark.browser
line_stub = line_fixtures.line_stub  # the local stub of LINE's API


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = MembershipFactory(user__email="owner@line.test", user__language="th")
    owner = actor_for_membership(membership)
    channel = line_channel_save(
        actor=owner, channel_id="1650000000", channel_secret=SECRET, channel_access_token=TOKEN
    )
    customer = services.customer_create(
        actor=owner,
        first_name="นางสาวมาลีวรรณ",
        last_name="ศรีสุขสวัสดิ์พิพัฒน์",
        contacts=[("phone", "081-359-4827")],
    ).customer
    for i, kind in enumerate(("follow", "message", "postback", "unfollow")):
        LineWebhookEvent.objects.create(
            workspace=owner.workspace, webhook_event_id=f"01JLINEPHONE{i:014d}",
            event_type=kind, line_user_id=USER, customer=customer if i else None,
            occurred_at=channel.updated_at, status="processed" if i else "ignored",
            outcome="interaction_logged" if i else "line_account_has_another_customer",
            redelivered=i,
        )  # fmt: skip
    return membership


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_line_pages_fit_a_phone(
    live_server: Any, page: Any, shop: Membership, line_stub: LineStub
) -> None:
    line_stub.used = 320
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@line.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/settings/line/")
    page.locator("#line-quota progress").wait_for()
    assert page.locator("#line-webhook-url").input_value().startswith(f"{base}/hooks/line/")
    assert SECRET not in page.content() and TOKEN not in page.content()
    assert _fits(page)
    page.screenshot(path="test-results/line-settings-390.png", full_page=True)

    page.goto(f"{base}/settings/line/events/")
    assert page.locator("table.cards tbody tr").count() == 4
    assert _fits(page)
    page.screenshot(path="test-results/line-events-390.png", full_page=True)

    customer_id = LineWebhookEvent.objects.exclude(customer=None).first().customer_id  # type: ignore[union-attr]
    page.goto(f"{base}/customers/{customer_id}/")
    page.locator("#panel-line button[type=submit]").click()
    page.wait_for_url(f"{base}/customers/{customer_id}/#panel-line")
    code = LineLinkCode.objects.get(customer_id=customer_id).code
    assert page.locator("#panel-line .link-code").first.inner_text() == code
    assert _fits(page)
