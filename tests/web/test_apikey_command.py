"""``samphan apikey``: create (the key printed once), list and revoke, audited; clear errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from samphan.core.access import Actor
from samphan.core.models import ApiKey, AuditLog
from samphan.core.services import api_key_create
from samphan.web.management.commands.apikey import AUDIT_LABEL
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _fails(*args: str) -> tuple[int, str]:
    with pytest.raises(CommandError) as info:
        _run(*args)
    return info.value.returncode, str(info.value)


def _create(owner: Actor, scope: str, name: str = "pos") -> str:
    ws = str(owner.workspace.pk)
    out, err = _run("create", "--workspace", ws, "--name", name, "--scope", scope)
    assert "not shown again" in err and name in err
    return out.strip()


def test_create_prints_a_working_key_once_and_audits_it(owner: Actor) -> None:
    secret = _create(owner, "read_write")
    assert secret.startswith("sk_") and "\n" not in secret  # stdout is the key alone
    key = ApiKey.objects.get(workspace=owner.workspace)
    assert (key.name, key.scope, key.revoked_at) == ("pos", "read_write", None)
    assert secret not in (key.digest, key.prefix)  # only a digest is kept
    headers = {"X-API-Key": secret}
    response = Client().post(
        "/api/v1/branches", {"name": "สาขาใหม่"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.content
    audit = AuditLog.objects.get(action="apikey.created")
    assert audit.workspace == owner.workspace and audit.actor is None
    assert audit.actor_label == AUDIT_LABEL and audit.data == {"scope": "read_write"}
    assert secret not in str(audit.data) + audit.target


def test_a_read_key_cannot_write(owner: Actor) -> None:
    secret = _create(owner, "read")
    headers = {"X-API-Key": secret}
    assert Client().get("/api/v1/workspace", headers=headers).status_code == 200
    response = Client().post(
        "/api/v1/branches", {"name": "สาขาใหม่"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 403


def test_list_shows_keys_but_never_a_secret(owner: Actor) -> None:
    secret = _create(owner, "read", name="pos")
    other = api_key_create(actor=owner, name="shop-site", scope=ApiKey.Scope.READ_WRITE)
    api_key_create(actor=owner, name="pos", scope="read")  # same name, another key
    out, _err = _run("list", "--workspace", str(owner.workspace.pk))
    lines = out.splitlines()
    assert len(lines) == 4  # heading + 3 keys
    assert "shop-site" in out and "read_write" in out and "never used" in out
    assert secret not in out and other.secret not in out
    assert f"sk_{other.key.prefix}_…" in out


def test_revoke_stops_the_key_and_audits_it(owner: Actor) -> None:
    secret = _create(owner, "read")
    key = ApiKey.objects.get(workspace=owner.workspace)
    out, _err = _run("revoke", "--workspace", str(owner.workspace.pk), "--id", str(key.pk))
    assert f"Revoked API key {key.pk}" in out
    assert Client().get("/api/v1/workspace", headers={"X-API-Key": secret}).status_code == 401
    audit = AuditLog.objects.get(action="apikey.revoked")
    assert audit.actor_label == AUDIT_LABEL
    listed, _err = _run("list", "--workspace", str(owner.workspace.pk))
    assert "revoked" in listed


def test_bad_workspace_key_or_name_is_a_clear_error(owner: Actor) -> None:
    code, message = _fails("create", "--workspace", "999999", "--name", "pos", "--scope", "read")
    assert code != 0 and "No workspace 999999" in message
    foreign = api_key_create(
        actor=Actor(workspace=WorkspaceFactory(), role="owner"), name="x", scope="read"
    )
    ws = str(owner.workspace.pk)
    code, message = _fails("revoke", "--workspace", ws, "--id", str(foreign.key.pk))
    with translation.override(settings.LANGUAGE_CODE):  # the command's language
        assert code != 0 and message == gettext("API key not found.")
    assert ApiKey.objects.get(pk=foreign.key.pk).revoked_at is None  # another shop's key
    code, message = _fails("create", "--workspace", ws, "--name", " ", "--scope", "read")
    assert code != 0 and "--name" in message
    assert not ApiKey.objects.filter(workspace=owner.workspace).exists()


def test_bad_scope_exits_non_zero_from_the_samphan_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "samphan.cli", "apikey", "create", "--workspace", "1",
         "--name", "pos", "--scope", "admin"],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )  # fmt: skip
    assert result.returncode != 0
    assert "invalid choice: 'admin'" in result.stderr and "read_write" in result.stderr
    assert result.stdout == ""


def test_the_samphan_help_lists_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "samphan.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "apikey" in result.stdout
