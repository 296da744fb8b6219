from __future__ import annotations

import os

os.environ.setdefault("SAMPHAN_TESTING", "1")

from typing import Any

import pytest
from django.test import Client

from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import ApiKey, Membership
from samphan.core.services import api_key_create
from tests.factories import MembershipFactory

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


class ApiClient:
    """A test client that sends a workspace API key with every request."""

    def __init__(self, secret: str) -> None:
        self.client = Client()
        self.headers = {"X-API-Key": secret}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self.client.post(
            path, data or {}, content_type="application/json", headers=self.headers, **kw
        )

    def request(self, method: str, path: str, data: Any = None) -> Any:
        return getattr(self.client, method.lower())(
            path, data or {}, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_rw(owner) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(api_key_create(actor=owner, name="rw", scope=ApiKey.Scope.READ_WRITE).secret)


@pytest.fixture
def api_ro(owner) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(api_key_create(actor=owner, name="ro", scope=ApiKey.Scope.READ).secret)
