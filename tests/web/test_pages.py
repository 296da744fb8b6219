"""Every page renders for an owner, in Thai by default and in English after switching."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from samphan.commerce.models import OrderStatus
from samphan.commerce.services import customer_summaries_refresh
from samphan.core.middleware import SESSION_WORKSPACE
from samphan.core.models import Branch, Membership, User, Workspace
from samphan.core.roles import Role
from tests.conftest import PASSWORD
from tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "web:dashboard",
    "segments:list",
    "analytics:index",
    "text:insights",
    "loyalty:overview",
    "loyalty:programme",
    "messaging:campaign_list",
    "messaging:campaign_new",
    "messaging:campaign_rules",
    "automations:list",
    "service:queue",
    "service:settings",
    "feedback:index",
    "feedback:survey_new",
    "feedback:qualities",
    "feedback:scorecard",
    "feedback:interviews",
    "web:settings",
    "web:settings_profile",
    "web:branch_list",
    "web:branch_create",
    "web:channel_list",
    "web:member_list",
    "web:apikey_list",
    "web:audit_log",
    "sla:settings",
    "sla:calendar_new",
    "sla:policy_new",
]

ACCOUNT_PAGES = ["mfa_index", "mfa_activate_totp", "account_change_password"]

THAI_NAV = ["ภาพรวม", "ลูกค้า", "กลุ่มลูกค้า", "วิเคราะห์", "ตั้งค่า"]
ENGLISH_NAV = ["Dashboard", "Customers", "Segments", "Analytics", "Settings"]


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_in_thai_by_default(owner_client: Client, name: str) -> None:
    response = owner_client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th"' in html
    for label in THAI_NAV:
        assert label in html
    # The shell is there: the shop's name, the language switch, the sign-out form.
    assert 'class="language-switch"' in html
    assert reverse("account_logout") in html


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_in_english_for_an_english_user(
    english_owner_client: Client, name: str
) -> None:
    response = english_owner_client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    for label in ENGLISH_NAV:
        assert label in html
    assert "ภาพรวม" not in html


def test_pages_with_ids_render(owner_client: Client, owner_membership: Membership) -> None:
    from samphan.core.models import ApiKey
    from samphan.core.services import api_key_create
    from tests.factories import BranchFactory

    ws = owner_membership.workspace
    staff = cast(Membership, MembershipFactory(workspace=ws, role=Role.STAFF))
    branch = cast(Branch, BranchFactory(workspace=ws))
    from samphan.core.access import actor_for_membership

    key = api_key_create(
        actor=actor_for_membership(owner_membership), name="POS", scope=ApiKey.Scope.READ
    ).key
    for url in [
        reverse("web:branch_edit", kwargs={"branch_id": branch.pk}),
        reverse("web:member_edit", kwargs={"membership_id": staff.pk}),
        reverse("web:member_remove", kwargs={"membership_id": staff.pk}),
        reverse("web:apikey_revoke", kwargs={"key_id": key.pk}),
    ]:
        assert owner_client.get(url).status_code == 200, url


@pytest.mark.parametrize("name", [*ACCOUNT_PAGES, "account_reauthenticate"])
def test_account_security_pages_use_the_samphan_shell(
    client: Client, owner_membership: Membership, name: str
) -> None:
    # A real sign-in (not force_login): allauth asks for recent authentication on MFA pages.
    response = client.post(
        reverse("account_login"),
        {"login": owner_membership.user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    if name == "mfa_activate_totp":
        # Turning on two-step sign-in asks for the password again first (in the same shell).
        assert client.get(reverse(name)).status_code == 302
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="topbar"' in html
    assert "ภาพรวม" in html  # the main navigation of the shell


def test_login_page_is_thai_and_has_the_language_switch(client: Client) -> None:
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th"' in html
    assert "เข้าสู่ระบบ" in html
    assert 'class="topbar"' in html
    assert 'class="language-switch"' in html
    assert reverse("web:set_language") in html
    # Sign-up is closed: the page does not invite people to register.
    assert reverse("account_signup") not in html


@pytest.mark.parametrize(
    "name", ["account_reset_password", "account_reset_password_done", "account_logout"]
)
def test_other_allauth_pages_use_the_samphan_shell(owner_client: Client, name: str) -> None:
    client = owner_client if name == "account_logout" else Client()
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="topbar"' in response.content.decode()


def test_language_switch_before_login_uses_the_cookie(client: Client) -> None:
    response = client.post(
        reverse("web:set_language"), {"language": "en", "next": reverse("account_login")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("account_login")).content.decode()
    assert '<html lang="en"' in html
    assert "Sign In" in html


def test_language_switch_is_saved_on_the_user(
    owner_client: Client, owner_membership: Membership
) -> None:
    response = owner_client.post(
        reverse("web:set_language"), {"language": "en", "next": reverse("segments:list")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:list")
    owner_membership.user.refresh_from_db()
    assert owner_membership.user.language == "en"
    # The user's choice wins over a stale cookie on a new device.
    fresh = Client()
    fresh.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    fresh.force_login(owner_membership.user)
    assert '<html lang="en"' in fresh.get(reverse("web:dashboard")).content.decode()


def test_language_switch_ignores_unsafe_next_and_bad_language(owner_client: Client) -> None:
    response = owner_client.post(
        reverse("web:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    response = owner_client.post(reverse("web:set_language"), {"language": "xx"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_language_switch_needs_post(client: Client) -> None:
    assert client.get(reverse("web:set_language")).status_code == 405


def test_anonymous_user_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_user_without_a_shop_sees_an_explanation(client: Client) -> None:
    user = cast(User, UserFactory())
    client.force_login(user)
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 403
    assert user.email in response.content.decode()


def test_workspace_switcher_lists_and_switches_memberships(
    owner_client: Client, owner_membership: Membership
) -> None:
    other = cast(Membership, MembershipFactory(user=owner_membership.user, role=Role.MARKETER))
    html = owner_client.get(reverse("web:dashboard")).content.decode()
    assert reverse("web:workspace_switch") in html
    assert other.workspace.name in html

    response = owner_client.post(reverse("web:workspace_switch"), {"workspace": other.workspace_id})
    assert response.status_code == 302
    assert owner_client.session[SESSION_WORKSPACE] == other.workspace_id
    html = owner_client.get(reverse("web:dashboard")).content.decode()
    assert f"<p>{other.workspace.name}</p>" in html
    # A marketer has no settings: the item is not in the navigation.
    assert reverse("web:settings") not in html


def test_workspace_switch_to_a_shop_you_are_not_in_is_404(owner_client: Client) -> None:
    stranger = cast(Workspace, WorkspaceFactory())
    response = owner_client.post(reverse("web:workspace_switch"), {"workspace": stranger.pk})
    assert response.status_code == 404
    assert owner_client.session[SESSION_WORKSPACE] != stranger.pk


def test_staff_navigation_hides_what_the_role_cannot_open(staff_client: Client) -> None:
    html = staff_client.get(reverse("web:dashboard")).content.decode()
    assert reverse("customers:list") in html
    assert reverse("customers:tasks") in html
    assert reverse("web:settings") not in html
    assert f'href="{reverse("segments:list")}"' not in html
    assert f'href="{reverse("analytics:index")}"' not in html
    assert reverse("messaging:campaign_list") not in html


def test_menus_show_only_what_exists(owner_client: Client) -> None:
    """Every area is built: the menu has Campaigns and no "coming soon" item."""
    html = owner_client.get(reverse("web:dashboard")).content.decode()
    assert f'href="{reverse("messaging:campaign_list")}"' in html
    assert "เร็ว ๆ นี้" not in html


@pytest.mark.parametrize(
    "url,view",
    [
        ("/segments/", "segments:list"),
        ("/analytics/", "analytics:index"),
        ("/loyalty/counter/", "loyalty:counter"),
        ("/feedback/", "feedback:index"),
        ("/campaigns/", "messaging:campaign_list"),
    ],
)
def test_built_areas_have_no_coming_soon_page(owner_client: Client, url: str, view: str) -> None:
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response.resolver_match.view_name == view
    assert 'class="coming-soon"' not in response.content.decode()
    assert f'href="{url}" aria-current="page"' in response.content.decode()


def test_old_segment_list_address_redirects_permanently(owner_client: Client) -> None:
    response = owner_client.get("/segments/list/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/segments/?x=1"


# --- dashboard figures --------------------------------------------------------------------


@pytest.fixture
def shop_with_sales(owner_membership: Membership) -> dict[str, object]:
    """3 customers; one repeat buyer; sales this month and earlier; noise elsewhere."""
    ws = owner_membership.workspace
    now = timezone.now()
    earlier = now - dt.timedelta(days=100)
    repeat = CustomerFactory(workspace=ws, created_at=now, first_name="นภา")
    ContactPointFactory(customer=repeat, value="+66813596920")
    one_time = CustomerFactory(workspace=ws, created_at=earlier)
    CustomerFactory(workspace=ws, created_at=earlier)  # never bought

    def order(
        customer: object, placed_at: dt.datetime, total: int, status: str = OrderStatus.PAID
    ) -> None:
        OrderFactory(
            workspace=ws,
            customer=customer,
            placed_at=placed_at,
            total_satang=total,
            status=status,
        )

    order(repeat, now, 1_234_50)
    order(repeat, now - dt.timedelta(days=70), 500_00)
    order(one_time, now - dt.timedelta(days=200), 200_00)
    order(one_time, now, 9_999_00, status=OrderStatus.CANCELLED)
    order(None, now, 65_50)  # walk-in
    OrderFactory(placed_at=now, total_satang=77_777_00)  # another shop
    customer_summaries_refresh(workspace=ws)
    return {"revenue_this_month": 1_234_50 + 65_50}


def test_dashboard_shows_the_figures_of_the_shop(
    owner_client: Client, shop_with_sales: dict[str, object]
) -> None:
    response = owner_client.get(reverse("web:dashboard"))
    html = response.content.decode()
    kpis = response.context["kpis"]
    assert kpis.customers.total == 3
    assert kpis.new_customers_this_month == 1
    assert kpis.active_customers == 1
    assert kpis.revenue_this_month_satang == 1_300_00
    assert response.context["repeat_rate_percent"] == 50.0

    def card(card_id: str) -> str:
        start = html.index(f'id="{card_id}"')
        return html[start : html.index("</article>", start)]

    assert '<p class="kpi-value">3</p>' in card("kpi-customers")
    assert '<p class="kpi-value">1</p>' in card("kpi-new")
    assert '<p class="kpi-value">1</p>' in card("kpi-active")
    assert "฿1,300" in card("kpi-revenue")
    assert "50.0%" in card("kpi-repeat")
    # The chart's data goes through json_script, and the chart script is a static file.
    assert 'id="revenue-chart-data"' in html
    assert "dashboard.js" in html
    assert "chart.umd.min.js" in html
    chart = response.context["chart"]
    assert len(chart["labels"]) == 12
    assert chart["values"][-1] == 1300.0
    assert "฿1,300.00" in html  # the table version of the chart


def test_dashboard_months_are_thai_with_buddhist_era(
    owner_client: Client, shop_with_sales: dict[str, object], owner_membership: Membership
) -> None:
    now = timezone.localtime()
    be_year = str(now.year + 543)[-2:]
    labels = owner_client.get(reverse("web:dashboard")).context["chart"]["labels"]
    assert labels[-1].endswith(be_year)
    assert labels[-1].split()[0].endswith(".")  # Thai abbreviation such as "พ.ย."

    # Years are the member's choice: Common Era from the account menu.
    owner_client.post(reverse("web:set_years"), {"years": "ce"})
    owner_membership.user.refresh_from_db()
    assert owner_membership.user.year_style == "ce"
    labels = owner_client.get(reverse("web:dashboard")).context["chart"]["labels"]
    assert labels[-1].endswith(str(now.year)[-2:])


def test_dashboard_months_in_english(
    english_owner_client: Client, shop_with_sales: dict[str, object]
) -> None:
    now = timezone.localtime()
    labels = english_owner_client.get(reverse("web:dashboard")).context["chart"]["labels"]
    assert labels[-1] == f"{now:%b} {str(now.year)[-2:]}"


def test_dashboard_empty_state(owner_client: Client) -> None:
    html = owner_client.get(reverse("web:dashboard")).content.decode()
    assert "ยังไม่มีลูกค้าหรือยอดขาย" in html
    assert 'id="revenue-chart-data"' not in html


def test_navigation_marks_the_current_section(owner_client: Client) -> None:
    html = owner_client.get(reverse("web:branch_list")).content.decode()
    settings_link = f'href="{reverse("web:settings")}" aria-current="page"'
    branches_link = f'href="{reverse("web:branch_list")}" aria-current="page"'
    assert settings_link in html
    assert branches_link in html
    assert f'href="{reverse("web:dashboard")}" aria-current="page"' not in html


def test_menu_links_follow_the_script_prefix(owner_client: Client) -> None:
    """The menu's addresses are reversed once per process, and once per script prefix: a shop
    served under /crm/ gets /crm/ links after a page served at the root, and back again."""
    assert 'href="/customers/"' in owner_client.get("/").content.decode()
    set_script_prefix("/crm/")  # what the WSGI handler does with SCRIPT_NAME (not the client)
    try:
        html = owner_client.get("/").content.decode()
    finally:
        set_script_prefix("/")
    assert 'href="/crm/customers/"' in html
    assert 'href="/customers/"' not in html
    assert 'href="/customers/"' in owner_client.get("/").content.decode()
