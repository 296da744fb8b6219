"""What a signed-in page asks the database about its member: their shops once (the current one
and the switcher's list come from the same query), and their second sign-in step only when a
shop of theirs requires one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samphan.core.models import Membership
from samphan.core.roles import MfaPolicy, Role
from tests.factories import MembershipFactory, WorkspaceFactory


def _tables_read(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code in (200, 302)
    return [q["sql"] for q in ctx.captured_queries]


def _from(sqls: list[str], table: str) -> int:
    return sum(1 for sql in sqls if f'FROM "{table}"' in sql)


@pytest.mark.django_db
def test_the_member_s_shops_are_read_once(owner_membership: Membership) -> None:
    second = WorkspaceFactory(name="ร้านที่สอง")
    MembershipFactory(user=owner_membership.user, workspace=second, role=Role.STAFF)
    client = Client()
    client.force_login(owner_membership.user)
    sqls = _tables_read(client, reverse("web:dashboard"))
    assert _from(sqls, "core_membership") == 1
    assert _from(sqls, "mfa_authenticator") == 0  # no shop of theirs requires it
    html = client.get(reverse("web:dashboard")).content.decode()
    assert "ร้านที่สอง" in html  # the switcher still lists both shops


@pytest.mark.django_db
def test_the_second_step_is_checked_when_a_shop_requires_it(
    owner_membership: Membership,
) -> None:
    workspace = owner_membership.workspace
    workspace.mfa_policy = MfaPolicy.MANAGERS
    workspace.save(update_fields=["mfa_policy"])
    client = Client()
    client.force_login(owner_membership.user)
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302  # an owner without one is sent to set it up
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_a_shop_requiring_it_of_managers_leaves_staff_alone(owner_membership: Membership) -> None:
    workspace = owner_membership.workspace
    workspace.mfa_policy = MfaPolicy.MANAGERS
    workspace.save(update_fields=["mfa_policy"])
    staff = MembershipFactory(workspace=workspace, role=Role.STAFF)
    client = Client()
    client.force_login(staff.user)
    sqls = _tables_read(client, reverse("customers:list"))
    assert _from(sqls, "mfa_authenticator") == 0
