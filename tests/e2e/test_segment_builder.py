"""A marketer builds a segment in the browser: province = กรุงเทพมหานคร AND at least 2 orders,
watches the live count, saves it and finds it in the list; and saves a suggested segment
(analytics clustering) in one click."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.core.management import call_command

from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.segments.models import Segment
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, wait_until
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser

BANGKOK = "กรุงเทพมหานคร"


@pytest.fixture
def shop(transactional_db: None) -> Membership:
    membership = cast(
        Membership,
        MembershipFactory(
            user__email="marketer@shop.test", user__language="en", role=Role.MARKETER
        ),
    )
    call_command(
        "seed", workspace=membership.workspace_id, customers=120, months=6, seed=5, verbosity=0
    )
    return membership


def _live_count(page: Any) -> int:
    value = page.locator("#live-count-value")
    value.wait_for()
    return int(value.get_attribute("data-count"))


def test_build_a_segment_with_two_conditions_and_save_it(
    live_server: Any, page: Any, shop: Membership
) -> None:
    base = live_server.url
    live = Customer.objects.filter(workspace=shop.workspace, merged_into__isnull=True)
    in_bangkok = live.filter(province=BANGKOK).count()
    expected = live.filter(province=BANGKOK, orders_count__gte=2).count()
    assert 0 < expected < in_bangkok  # the second condition must matter

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "marketer@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    # The navigation leads to the segments list, and from there to the builder.
    page.locator("nav.bottombar summary").click()
    page.locator(".more-sheet a[href='/segments/']").click()
    page.wait_for_url(f"{base}/segments/")
    page.locator("main a[href='/segments/new/']").first.click()
    page.wait_for_url(f"{base}/segments/new/")

    # With one empty condition the count waits for the field to be chosen.
    expect_text(page, "#live-count", "Finish the conditions")

    # Condition 1: province is Bangkok.
    page.select_option("select[name='r.0.field']", "province")
    page.locator("select[name='r.0.operator']").wait_for()
    assert page.input_value("select[name='r.0.operator']") == "eq"
    page.select_option("select[name='r.0.value']", BANGKOK)
    wait_until(
        page,
        "n => document.querySelector('#live-count-value')?.dataset.count === String(n)",
        in_bangkok,
    )
    assert _live_count(page) == in_bangkok

    # Condition 2: at least 2 orders (AND is the default).
    page.get_by_role("button", name="+ Add condition").first.click()
    page.locator("select[name='r.1.field']").wait_for()
    # The re-drawn tree is live (htmx has wired it) once the count has been asked again.
    expect_text(page, "#live-count", "Finish the conditions")
    page.select_option("select[name='r.1.field']", "orders_count")
    page.locator("input[name='r.1.value']").wait_for()
    assert page.input_value("select[name='r.1.operator']") == "gte"
    page.fill("input[name='r.1.value']", "2")
    wait_until(
        page,
        "n => document.querySelector('#live-count-value')?.dataset.count === String(n)",
        expected,
    )
    assert _live_count(page) == expected
    # The first condition survived the re-drawing of the tree.
    assert page.input_value("select[name='r.0.value']") == BANGKOK
    page.screenshot(path=str(ARTIFACTS / "segment-builder.png"), full_page=True)

    page.fill("input[name=name]", "กรุงเทพฯ ซื้อซ้ำ")
    page.get_by_role("button", name="Save segment").click()
    page.wait_for_url(f"{base}/segments/*/")
    segment = Segment.objects.get(workspace=shop.workspace, name="กรุงเทพฯ ซื้อซ้ำ")
    assert segment.rules == {
        "op": "and",
        "items": [
            {"field": "province", "operator": "eq", "value": BANGKOK},
            {"field": "orders_count", "operator": "gte", "value": 2},
        ],
    }

    page.goto(f"{base}/segments/")
    row = page.locator("tr", has_text="กรุงเทพฯ ซื้อซ้ำ")
    row.wait_for()
    # The list loads each segment's live count after the page.
    row.locator(f"#live-count-value[data-count='{expected}']").wait_for()
    page.screenshot(path=str(ARTIFACTS / "segment-list.png"), full_page=True)


def test_save_a_suggested_segment_in_one_click(
    live_server: Any, page: Any, shop: Membership
) -> None:
    from samphan.analytics.recompute import metrics_recompute

    metrics_recompute(workspace=shop.workspace)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "marketer@shop.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/analytics/suggestions/")
    first = page.locator("#cluster-0")
    # The rule's live count arrives after the page, from the segments app.
    count = first.locator(".suggestion-count-value")
    count.wait_for()
    expected = int(count.get_attribute("data-count"))
    assert expected > 0
    expect_text(page, "#cluster-0", "approximates the group")
    page.screenshot(path=str(ARTIFACTS / "suggested-segments.png"), full_page=True)

    first.get_by_role("button", name="Save as segment").click()
    page.wait_for_url(f"{base}/segments/*/")
    segment = Segment.objects.get(workspace=shop.workspace)
    assert segment.name.startswith("Suggested: ")
    expect_text(page, "main", "saved")
    assert segment.name in page.content()

    page.goto(f"{base}/segments/")
    row = page.locator("tr", has_text=segment.name)
    row.locator(f"#live-count-value[data-count='{expected}']").wait_for()


def expect_text(page: Any, selector: str, text: str) -> None:
    wait_until(
        page,
        "([s, t]) => (document.querySelector(s)?.textContent || '').includes(t)",
        [selector, text],
    )
