"""Settings flows through the pages: profile, branches, channels, members, API keys, audit."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.commerce.models import SalesChannel
from samphan.core.access import actor_for_membership
from samphan.core.models import ApiKey, AuditLog, Branch, Membership, User
from samphan.core.roles import Role
from samphan.core.services import api_key_create
from tests.factories import (
    BranchFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    SalesChannelFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SETTINGS_PAGES = [
    "web:settings",
    "web:settings_profile",
    "web:branch_list",
    "web:branch_create",
    "web:channel_list",
    "web:member_list",
    "web:apikey_list",
    "web:audit_log",
]


# --- profile ------------------------------------------------------------------------------


def test_owner_updates_the_shop_profile(owner_client: Client, owner_membership: Membership) -> None:
    response = owner_client.post(
        reverse("web:settings_profile"),
        {
            "name": "  ร้านใหม่  ",
            "currency": "THB",
            "timezone": "Asia/Bangkok",
            "money_decimals": "0",
        },
    )
    assert response.status_code == 302
    ws = owner_membership.workspace
    ws.refresh_from_db()
    assert ws.name == "ร้านใหม่"
    assert ws.money_decimals is False
    page = owner_client.get(reverse("web:settings_profile")).content.decode()
    assert "บันทึกข้อมูลร้านแล้ว" in page


def test_profile_rejects_an_unknown_time_zone(
    owner_client: Client, owner_membership: Membership
) -> None:
    response = owner_client.post(
        reverse("web:settings_profile"),
        {"name": "x", "currency": "THB", "timezone": "Mars/Olympus", "money_decimals": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["timezone"]
    owner_membership.workspace.refresh_from_db()
    assert owner_membership.workspace.timezone == "Asia/Bangkok"


def test_manager_cannot_edit_the_profile_but_can_manage_branches(
    owner_membership: Membership,
) -> None:
    manager = MembershipFactory(workspace=owner_membership.workspace, role=Role.MANAGER)
    client = Client()
    client.force_login(manager.user)
    assert client.get(reverse("web:settings_profile")).status_code == 403
    assert client.get(reverse("web:branch_list")).status_code == 200
    html = client.get(reverse("web:settings")).content.decode()
    assert reverse("web:branch_list") in html
    assert reverse("web:settings_profile") not in html
    assert reverse("web:apikey_list") not in html


# --- branches -----------------------------------------------------------------------------


def test_owner_creates_and_edits_a_branch(
    owner_client: Client, owner_membership: Membership
) -> None:
    response = owner_client.post(
        reverse("web:branch_create"), {"name": "สาขาสยาม", "code": "SIAM", "province": "กรุงเทพ"}
    )
    assert response.status_code == 302
    branch = Branch.objects.get(workspace=owner_membership.workspace, name="สาขาสยาม")
    assert branch.is_active

    response = owner_client.post(
        reverse("web:branch_edit", kwargs={"branch_id": branch.pk}),
        {"name": "สาขาสยามสแควร์", "code": "SIAM", "province": "กรุงเทพ"},
    )
    assert response.status_code == 302
    branch.refresh_from_db()
    assert branch.name == "สาขาสยามสแควร์"
    assert branch.is_active is False
    assert "สาขาสยามสแควร์" in owner_client.get(reverse("web:branch_list")).content.decode()


def test_duplicate_branch_name_is_shown_on_the_field(owner_client: Client, branch: Branch) -> None:
    response = owner_client.post(reverse("web:branch_create"), {"name": branch.name})
    assert response.status_code == 200
    errors = response.context["form"].errors["name"]
    assert errors == [f"มีสาขาชื่อ “{branch.name}” อยู่แล้ว"]
    assert "field-error" in response.content.decode()


# --- channels -----------------------------------------------------------------------------


def test_owner_adds_and_switches_off_a_channel(
    owner_client: Client, owner_membership: Membership
) -> None:
    response = owner_client.post(reverse("web:channel_list"), {"kind": "line", "name": "LINE OA"})
    assert response.status_code == 302
    channel = SalesChannel.objects.get(workspace=owner_membership.workspace, name="LINE OA")
    url = reverse("web:channel_set_active", kwargs={"channel_id": channel.pk})

    assert owner_client.post(url, {"active": "0"}).status_code == 302
    channel.refresh_from_db()
    assert channel.is_active is False

    # With htmx, the row comes back in place.
    response = owner_client.post(url, {"active": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="channel-{channel.pk}"' in response.content.decode()
    channel.refresh_from_db()
    assert channel.is_active is True


def test_duplicate_channel_shows_the_error(
    owner_client: Client, owner_membership: Membership
) -> None:
    SalesChannelFactory(workspace=owner_membership.workspace, name="Shopee")
    response = owner_client.post(reverse("web:channel_list"), {"kind": "shopee", "name": "Shopee"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_standard_channels_can_be_added_in_one_go(
    owner_client: Client, owner_membership: Membership
) -> None:
    owner_client.post(reverse("web:channel_add_defaults"))
    kinds = set(
        SalesChannel.objects.filter(workspace=owner_membership.workspace).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"store", "line", "shopee", "lazada", "tiktok", "web", "phone"}


# --- members ------------------------------------------------------------------------------


def test_owner_adds_a_new_member_who_gets_a_password_link(
    owner_client: Client, owner_membership: Membership, branch: Branch
) -> None:
    response = owner_client.post(
        reverse("web:member_list"),
        {"email": "New.Staff@Example.com", "role": Role.STAFF, "branches": [branch.pk]},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.staff@example.com")
    assert not user.has_usable_password()
    membership = Membership.objects.get(workspace=owner_membership.workspace, user=user)
    assert membership.role == Role.STAFF
    assert list(membership.branches.all()) == [branch]
    audit = AuditLog.objects.get(action="member.added", workspace=owner_membership.workspace)
    assert audit.actor == owner_membership.user
    assert audit.target == "new.staff@example.com"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.staff@example.com"]
    assert owner_membership.workspace.name in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body)
    assert link, message.body

    # The link lets the new member choose a password (allauth's reset-from-key flow).
    newcomer = Client()
    response = newcomer.get(link.group(1), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(1)
    response = newcomer.post(
        form_url, {"password1": "a-new-Secret-2569", "password2": "a-new-Secret-2569"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-Secret-2569")


def test_adding_an_existing_user_sends_no_password_email(
    owner_client: Client, owner_membership: Membership
) -> None:
    existing = UserFactory(email="known@example.com")
    response = owner_client.post(
        reverse("web:member_list"), {"email": existing.email, "role": Role.MARKETER}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(workspace=owner_membership.workspace, user=existing).exists()
    assert mail.outbox == []


def test_adding_a_member_twice_shows_the_error(
    owner_client: Client, staff_membership: Membership
) -> None:
    response = owner_client.post(
        reverse("web:member_list"), {"email": staff_membership.user.email, "role": Role.STAFF}
    )
    assert response.status_code == 200
    assert "เป็นสมาชิกอยู่แล้ว" in response.content.decode()


def test_owner_changes_a_role_and_it_is_audited(
    owner_client: Client, staff_membership: Membership, branch: Branch
) -> None:
    url = reverse("web:member_edit", kwargs={"membership_id": staff_membership.pk})
    response = owner_client.post(url, {"role": Role.STAFF, "branches": [branch.pk]})
    assert response.status_code == 302
    response = owner_client.post(url, {"role": Role.MANAGER})
    assert response.status_code == 302
    staff_membership.refresh_from_db()
    assert staff_membership.role == Role.MANAGER
    assert list(staff_membership.branches.all()) == []
    audit = AuditLog.objects.filter(action="member.role_changed").order_by("-id").first()
    assert audit is not None
    assert audit.data["from"] == Role.STAFF and audit.data["to"] == Role.MANAGER
    assert audit.target == staff_membership.user.email


def test_last_owner_cannot_be_demoted(owner_client: Client, owner_membership: Membership) -> None:
    url = reverse("web:member_edit", kwargs={"membership_id": owner_membership.pk})
    response = owner_client.post(url, {"role": Role.STAFF})
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == ["ร้านต้องมีเจ้าของอย่างน้อยหนึ่งคน"]
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_branch_of_another_shop_cannot_be_given_to_a_member(
    owner_client: Client, staff_membership: Membership
) -> None:
    foreign = BranchFactory()
    url = reverse("web:member_edit", kwargs={"membership_id": staff_membership.pk})
    response = owner_client.post(url, {"role": Role.STAFF, "branches": [foreign.pk]})
    assert response.status_code == 200
    assert response.context["form"].errors["branches"]


def test_owner_removes_a_member(owner_client: Client, staff_membership: Membership) -> None:
    url = reverse("web:member_remove", kwargs={"membership_id": staff_membership.pk})
    assert staff_membership.user.email in owner_client.get(url).content.decode()
    assert owner_client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=staff_membership.pk).exists()
    assert AuditLog.objects.filter(
        action="member.removed", target=staff_membership.user.email
    ).exists()


def test_last_owner_cannot_remove_themselves(
    owner_client: Client, owner_membership: Membership
) -> None:
    url = reverse("web:member_remove", kwargs={"membership_id": owner_membership.pk})
    response = owner_client.post(url)
    assert response.status_code == 400
    assert "ร้านต้องมีเจ้าของอย่างน้อยหนึ่งคน" in response.content.decode()
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


# --- API keys -----------------------------------------------------------------------------


def test_api_key_secret_is_shown_once_and_only_its_digest_is_stored(
    owner_client: Client, owner_membership: Membership
) -> None:
    response = owner_client.post(
        reverse("web:apikey_create"), {"name": "POS หน้าร้าน", "scope": "read_write"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = response.context["secret"]
    assert secret.startswith("sk_")
    assert f'value="{secret}"' in html
    assert "จะไม่แสดงอีก" in html  # "it will not be shown again"

    key = ApiKey.objects.get(workspace=owner_membership.workspace)
    assert key.scope == ApiKey.Scope.READ_WRITE
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {key.name, key.prefix, key.digest}
    assert AuditLog.objects.filter(action="apikey.created").exists()

    listing = owner_client.get(reverse("web:apikey_list")).content.decode()
    assert key.prefix in listing
    assert secret not in listing


def test_owner_revokes_an_api_key(owner_client: Client, owner_membership: Membership) -> None:
    key = api_key_create(
        actor=actor_for_membership(owner_membership), name="POS", scope=ApiKey.Scope.READ
    ).key
    url = reverse("web:apikey_revoke", kwargs={"key_id": key.pk})
    assert "POS" in owner_client.get(url).content.decode()
    response = owner_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "เพิกถอนแล้ว" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditLog.objects.filter(action="apikey.revoked").count() == 1
    # Revoking again changes nothing.
    assert owner_client.post(url).status_code == 302
    assert AuditLog.objects.filter(action="apikey.revoked").count() == 1


def test_api_key_form_errors_are_shown(owner_client: Client) -> None:
    response = owner_client.post(reverse("web:apikey_create"), {"name": "", "scope": "admin"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["name"] and form.errors["scope"]
    assert ApiKey.objects.count() == 0


# --- audit log ----------------------------------------------------------------------------


def test_audit_log_shows_member_sign_ins_and_changes_only(
    owner_client: Client, owner_membership: Membership, staff_membership: Membership
) -> None:
    Client().force_login(staff_membership.user)  # a member signs in
    outsider = UserFactory(email="outsider@example.com")
    Client().force_login(outsider)  # someone else's sign-in
    owner_client.post(
        reverse("web:member_edit", kwargs={"membership_id": staff_membership.pk}),
        {"role": Role.SUPPORT},
    )
    response = owner_client.get(reverse("web:audit_log"))
    assert response.status_code == 200
    html = response.content.decode()
    actions = [entry.action for entry in response.context["page"].object_list]
    assert "member.role_changed" in actions
    assert "auth.login" in actions
    assert "outsider@example.com" not in html
    assert "เปลี่ยนบทบาท" in html  # the action shown in words
    assert str(owner_membership.workspace.created_at.year + 543) in html  # Thai BE date


# --- who may open settings ----------------------------------------------------------------


@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_staff_gets_403_on_settings_pages(staff_client: Client, name: str) -> None:
    response = staff_client.get(reverse(name))
    assert response.status_code == 403
    assert "คุณไม่มีสิทธิ์เข้าถึงหน้านี้" in response.content.decode()


def test_staff_cannot_post_to_settings_either(
    staff_client: Client, owner_membership: Membership
) -> None:
    response = staff_client.post(reverse("web:branch_create"), {"name": "แอบเพิ่ม"})
    assert response.status_code == 403
    response = staff_client.post(reverse("web:apikey_create"), {"name": "x", "scope": "read"})
    assert response.status_code == 403
    assert not Branch.objects.filter(name="แอบเพิ่ม").exists()
    assert ApiKey.objects.count() == 0


def test_403_page_is_in_english_for_an_english_user(staff_membership: Membership) -> None:
    staff_membership.user.language = "en"
    staff_membership.user.save()
    client = Client()
    client.force_login(staff_membership.user)
    response = client.get(reverse("web:member_list"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_member_of_another_shop_gets_404(
    other_client: Client, owner_membership: Membership, staff_membership: Membership
) -> None:
    branch = BranchFactory(workspace=owner_membership.workspace)
    key = api_key_create(
        actor=actor_for_membership(owner_membership), name="POS", scope=ApiKey.Scope.READ
    ).key
    urls = [
        reverse("web:branch_edit", kwargs={"branch_id": branch.pk}),
        reverse("web:member_edit", kwargs={"membership_id": staff_membership.pk}),
        reverse("web:member_remove", kwargs={"membership_id": staff_membership.pk}),
        reverse("web:apikey_revoke", kwargs={"key_id": key.pk}),
    ]
    for url in urls:
        assert other_client.get(url).status_code == 404, url
        assert other_client.post(url, {"role": Role.OWNER, "name": "x"}).status_code == 404, url
    key.refresh_from_db()
    assert key.revoked_at is None
    staff_membership.refresh_from_db()
    assert staff_membership.role == Role.STAFF


# --- years and money: one choice, used everywhere ------------------------------------------


def test_years_follow_the_member_and_money_the_shop(
    owner_client: Client, owner_membership: Membership
) -> None:
    customer = CustomerFactory(workspace=owner_membership.workspace)
    OrderFactory(workspace=owner_membership.workspace, customer=customer, total_satang=105000)
    url = reverse("customers:list")
    html = owner_client.get(url).content.decode()
    year = timezone.localdate().year
    assert f"{year + 543}" in html and "฿1,050.00" in html  # Thai: พ.ศ. by default
    owner_client.post(reverse("web:set_years"), {"years": "ce", "next": url})
    ws = owner_membership.workspace
    ws.money_decimals = False
    ws.save()
    html = owner_client.get(url).content.decode()
    assert f"{year + 543}" not in html and f"{year}" in html
    assert "฿1,050" in html and "฿1,050.00" not in html


def test_english_reads_common_era_unless_the_member_chose_buddhist(
    owner_client: Client, owner_membership: Membership
) -> None:
    user = owner_membership.user
    user.language = "en"
    user.save()
    year = timezone.localdate().year
    html = owner_client.get(reverse("web:audit_log")).content.decode()
    assert f"{year + 543}" not in html
    owner_client.post(reverse("web:set_years"), {"years": "be"})
    html = owner_client.get(reverse("web:audit_log")).content.decode()
    assert f"{year + 543}" in html


def test_an_unknown_year_style_changes_nothing(
    owner_client: Client, owner_membership: Membership
) -> None:
    owner_client.post(reverse("web:set_years"), {"years": "mayan"})
    owner_membership.user.refresh_from_db()
    assert owner_membership.user.year_style == "auto"


def test_the_dashboard_chart_shows_money_as_the_shop_chose(
    owner_client: Client, owner_membership: Membership
) -> None:
    assert owner_client.get(reverse("web:dashboard")).context["chart"]["decimals"] == 2
    ws = owner_membership.workspace
    ws.money_decimals = False
    ws.save()
    assert owner_client.get(reverse("web:dashboard")).context["chart"]["decimals"] == 0
