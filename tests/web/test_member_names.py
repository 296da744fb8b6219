"""The members list shows who each member is by name, with the email underneath."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.models import Membership
from samphan.core.roles import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_members_are_listed_by_name_with_their_email(
    owner_client: Client, owner_membership: Membership
) -> None:
    owner = owner_membership.user
    owner.first_name, owner.last_name = "สมชาย", "ใจดี"
    owner.save(update_fields=["first_name", "last_name"])
    named = UserFactory(first_name="มาลี", last_name="ศรีสุข", email="malee@example.com")
    MembershipFactory(workspace=owner_membership.workspace, user=named, role=Role.STAFF)
    invited = UserFactory(first_name="", email="new.staff@example.com")
    MembershipFactory(workspace=owner_membership.workspace, user=invited, role=Role.STAFF)

    rows = _rows(owner_client.get(reverse("web:member_list")).content.decode())
    by_email = {re.search(r"[\w.]+@[\w.]+", row).group(0): row for row in rows}  # type: ignore[union-attr]
    assert "<strong>มาลี ศรีสุข</strong>" in by_email["malee@example.com"]
    assert "<strong>สมชาย ใจดี</strong>" in by_email[owner.email]
    assert "(คุณ)" in by_email[owner.email]
    # Someone invited who has not given a name yet: said so, with the email to tell them apart.
    # (the Thai wording once the lead has merged this helper's translations)
    row = by_email["new.staff@example.com"]
    assert "<em>ยังไม่มีชื่อ</em>" in row or "<em>No name yet</em>" in row
    assert "<strong>" not in row


def test_members_list_in_english(
    english_owner_client: Client, owner_membership: Membership
) -> None:
    invited = UserFactory(first_name="", email="new.staff@example.com")
    MembershipFactory(workspace=owner_membership.workspace, user=invited, role=Role.STAFF)
    html = english_owner_client.get(reverse("web:member_list")).content.decode()
    assert ">Member</th>" in html and "<em>No name yet</em>" in html


def test_inviting_with_a_name_lists_the_new_member_by_it(
    owner_client: Client, owner_membership: Membership
) -> None:
    response = owner_client.post(
        reverse("web:member_list"),
        {"email": "Somsri@Example.com", "name": "  สมศรี   มีสุข ", "role": Role.STAFF},
    )
    assert response.status_code == 302
    member = Membership.objects.get(
        workspace=owner_membership.workspace, user__email="somsri@example.com"
    )
    assert (member.user.first_name, member.user.last_name) == ("สมศรี", "มีสุข")
    rows = _rows(owner_client.get(reverse("web:member_list")).content.decode())
    assert any("<strong>สมศรี มีสุข</strong>" in row and "somsri@example.com" in row for row in rows)


def test_inviting_an_existing_user_keeps_the_name_they_chose(
    owner_client: Client, owner_membership: Membership
) -> None:
    UserFactory(first_name="มาลี", last_name="ศรีสุข", email="malee@example.com")
    owner_client.post(
        reverse("web:member_list"),
        {"email": "malee@example.com", "name": "ชื่ออื่น", "role": Role.STAFF},
    )
    member = Membership.objects.get(
        workspace=owner_membership.workspace, user__email="malee@example.com"
    )
    assert (member.user.first_name, member.user.last_name) == ("มาลี", "ศรีสุข")
