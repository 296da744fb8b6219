from __future__ import annotations

import os

os.environ.setdefault("SAMPHAN_TESTING", "1")

import pytest  # noqa: E402

from samphan.core.access import Actor, actor_for_membership  # noqa: E402
from samphan.core.models import Membership  # noqa: E402
from tests.factories import MembershipFactory  # noqa: E402

PASSWORD = "pass-1234-word"


@pytest.fixture
def owner_membership(db: None) -> Membership:
    return MembershipFactory()


@pytest.fixture
def owner(owner_membership: Membership) -> Actor:
    return actor_for_membership(owner_membership)


@pytest.fixture
def owner_client(client, owner_membership: Membership):  # type: ignore[no-untyped-def]
    client.force_login(owner_membership.user)
    return client
