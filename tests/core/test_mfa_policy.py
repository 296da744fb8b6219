"""A shop can require two-step sign-in of every member, or of its owners and managers: a member
it applies to is sent to set it up before anything else, and cannot turn it off. New members
start with the role that can do least."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from samphan.core.access import actor_for_membership
from samphan.core.errors import PermissionDenied
from samphan.core.mfa import mfa_required, mfa_setup_missing, workspace_mfa_policy_set
from samphan.core.models import AuditLog, Membership
from samphan.core.roles import LOWEST_ROLE, MATRIX, MfaPolicy, Role
from samphan.web.forms import MemberAddForm
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Any:
    cache.clear()
    yield
    cache.clear()


def _member(owner_membership: Membership, role: str) -> Membership:
    membership: Membership = MembershipFactory(workspace=owner_membership.workspace, role=role)
    return membership


def _sign_in(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _code(secret: str) -> str:
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def test_a_member_without_two_step_sign_in_is_sent_to_set_it_up_first(
    owner_membership: Membership,
) -> None:
    staff = _member(owner_membership, Role.STAFF)
    workspace_mfa_policy_set(
        actor=actor_for_membership(owner_membership), policy=MfaPolicy.EVERYONE
    )
    client = _sign_in(staff.user.email)
    setup = reverse("mfa_activate_totp")
    for path in ("/", "/customers/", "/sale/new/", "/imports/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == setup, path
    # A form post and an htmx fragment are held back too.
    assert client.post("/customers/new/", {"first_name": "x"})["Location"] == setup
    htmx = client.get("/customers/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == setup
    # The set-up page says why (after allauth asks for the password again, as it does before
    # any change of sign-in methods); signing out and the language still work.
    confirm = client.get(setup)
    assert confirm["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(confirm["Location"], {"password": PASSWORD})["Location"] == setup
    page = client.get(setup)
    assert page.status_code == 200
    assert "requires two-step sign-in" in page.content.decode() or "ร้านของคุณกำหนด" in (
        page.content.decode()
    )
    assert client.post("/language/", {"language": "en", "next": "/"}).status_code == 302

    # Setting it up (scan, type the code) opens the shop.
    secret = page.context["form"].secret
    done = client.post(setup, {"code": _code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=staff.user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200
    assert client.get("/customers/").status_code == 200


def test_owners_and_managers_only(owner_membership: Membership) -> None:
    manager = _member(owner_membership, Role.MANAGER)
    staff = _member(owner_membership, Role.STAFF)
    workspace_mfa_policy_set(
        actor=actor_for_membership(owner_membership), policy=MfaPolicy.MANAGERS
    )
    assert mfa_required(owner_membership.user) and mfa_required(manager.user)
    assert not mfa_required(staff.user)
    assert _sign_in(staff.user.email).get("/").status_code == 200
    assert _sign_in(manager.user.email).get("/").status_code == 302


def test_a_member_with_an_authenticator_signs_in_in_two_steps_and_goes_on(
    owner_membership: Membership,
) -> None:
    user = owner_membership.user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    workspace_mfa_policy_set(
        actor=actor_for_membership(owner_membership), policy=MfaPolicy.EVERYONE
    )
    assert not mfa_setup_missing(user)
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate")
    assert client.post("/accounts/2fa/authenticate/", {"code": _code(secret)}).status_code == 302
    assert client.get("/").status_code == 200


def test_it_cannot_be_turned_off_while_the_shop_requires_it(
    owner_membership: Membership,
) -> None:
    user = owner_membership.user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    workspace_mfa_policy_set(
        actor=actor_for_membership(owner_membership), policy=MfaPolicy.MANAGERS
    )
    refused = client.post(reverse("mfa_deactivate_totp"))
    assert refused.status_code == 200  # the form again, with the reason
    assert "cannot be turned off" in refused.content.decode() or "ปิด" in (refused.content.decode())
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # When the shop no longer requires it, the member may turn it off.
    workspace_mfa_policy_set(actor=actor_for_membership(owner_membership), policy=MfaPolicy.OFF)
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_a_shop_that_does_not_require_it_leaves_members_alone(
    owner_membership: Membership,
) -> None:
    staff = _member(owner_membership, Role.STAFF)
    assert not mfa_setup_missing(staff.user)
    assert _sign_in(staff.user.email).get("/").status_code == 200


def test_the_owner_sets_the_rule_on_the_members_page(
    owner_client: Client, owner_membership: Membership
) -> None:
    staff = _member(owner_membership, Role.STAFF)
    page = owner_client.get(reverse("web:member_list")).content.decode()
    assert 'name="policy"' in page
    assert page.count("No two-step sign-in") + page.count("ยังไม่ได้ตั้ง") >= 1
    response = owner_client.post(reverse("web:member_mfa_policy"), {"policy": "managers"})
    assert response.status_code == 302
    owner_membership.workspace.refresh_from_db()
    assert owner_membership.workspace.mfa_policy == MfaPolicy.MANAGERS
    entry = AuditLog.objects.get(action="workspace.mfa_policy_changed")
    assert entry.data == {"from": "off", "to": "managers"}
    # The owner has none set up yet, so they are sent to set it up; staff are not asked.
    assert owner_client.get("/")["Location"] == reverse("mfa_activate_totp")
    assert _sign_in(staff.user.email).get("/").status_code == 200
    assert owner_client.post(reverse("web:member_mfa_policy"), {"policy": "bad"}).status_code in (
        302,  # sent to set up two-step sign-in first
        400,
    )


def test_only_the_owner_may_change_the_rule(owner_membership: Membership) -> None:
    manager = _member(owner_membership, Role.MANAGER)
    with pytest.raises(PermissionDenied):
        workspace_mfa_policy_set(actor=actor_for_membership(manager), policy=MfaPolicy.OFF)
    client = Client()
    client.force_login(manager.user)
    assert client.post(reverse("web:member_mfa_policy"), {"policy": "off"}).status_code == 403


def test_api_keys_are_not_held_back(owner_membership: Membership, api_rw: Any) -> None:
    workspace_mfa_policy_set(
        actor=actor_for_membership(owner_membership), policy=MfaPolicy.EVERYONE
    )
    assert api_rw.get("/api/v1/customers").status_code == 200


# --- inviting ---------------------------------------------------------------------------------


def test_inviting_a_member_defaults_to_the_lowest_role(owner_client: Client) -> None:
    assert LOWEST_ROLE == Role.SUPPORT
    assert all(len(MATRIX[LOWEST_ROLE]) <= len(perms) for perms in MATRIX.values())
    form = MemberAddForm()
    assert form["role"].value() == LOWEST_ROLE
    page = owner_client.get(reverse("web:member_list")).content.decode()
    selected = page.split('name="role"', 1)[1].split("</select>", 1)[0]
    assert 'value="support" selected' in selected
    assert 'value="owner" selected' not in selected
