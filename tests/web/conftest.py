from __future__ import annotations

import pytest
from django.test import Client

from samphan.core.models import Membership
from samphan.core.roles import Role
from tests.factories import BranchFactory, MembershipFactory


@pytest.fixture
def staff_membership(owner_membership: Membership) -> Membership:
    return MembershipFactory(workspace=owner_membership.workspace, role=Role.STAFF)


@pytest.fixture
def staff_client(staff_membership: Membership) -> Client:
    client = Client()
    client.force_login(staff_membership.user)
    return client


@pytest.fixture
def english_owner_client(owner_membership: Membership) -> Client:
    owner_membership.user.language = "en"
    owner_membership.user.save(update_fields=["language"])
    client = Client()
    client.force_login(owner_membership.user)
    return client


@pytest.fixture
def other_membership(db: None) -> Membership:
    """The owner of a different workspace (B)."""
    return MembershipFactory()


@pytest.fixture
def other_client(other_membership: Membership) -> Client:
    client = Client()
    client.force_login(other_membership.user)
    return client


@pytest.fixture
def branch(owner_membership: Membership):  # type: ignore[no-untyped-def]
    return BranchFactory(workspace=owner_membership.workspace, name="สาขาสยาม")
