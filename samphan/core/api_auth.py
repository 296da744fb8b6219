"""API-key authentication: ``X-API-Key: sk_…`` or ``Authorization: Bearer sk_…``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader, HttpBearer

from samphan.core.access import Actor, actor_for_api_key
from samphan.core.errors import PermissionDenied
from samphan.core.models import ApiKey
from samphan.core.services import api_key_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _actor(request: HttpRequest, secret: str | None) -> Actor | None:
    if not secret:
        return None
    key = api_key_authenticate(secret)
    if key is None:
        return None
    read_only = key.scope == ApiKey.Scope.READ
    if read_only and request.method not in SAFE_METHODS:
        raise PermissionDenied(
            "read_only_key",
            _("This API key is read-only; create a read-write key to change data."),
        )
    return actor_for_api_key(workspace=key.workspace, api_key_id=key.pk, read_only=read_only)


class ApiKeyHeaderAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _actor(request, key)


class ApiKeyBearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _actor(request, token)


def actor_of(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor
