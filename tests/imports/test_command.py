"""``samphan import FILE``: dry run and import, with the report summary and the bad rows."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.customers.models import Customer
from samphan.imports.models import ImportJob
from tests.imports.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_dry_run_then_import(owner: Actor, channels: dict[str, SalesChannel]) -> None:
    path = str(FIXTURES / "shopee_th.xlsx")
    ws = str(owner.workspace.pk)
    output = _run(path, "--kind", "shopee", "--workspace", ws, "--dry-run", "--no-progress")
    assert "would be created: 4" in output
    assert not Order.objects.exists()
    output = _run(path, "--kind", "shopee", "--workspace", ws, "--no-progress")
    assert "were created: 4" in output
    assert Order.objects.filter(workspace=owner.workspace).count() == 4
    job = ImportJob.objects.filter(workspace=owner.workspace, status="done").get()
    assert job.created_by_id == (owner.user.pk if owner.user else None)


def test_prints_the_bad_rows(owner: Actor) -> None:
    output = _run(str(FIXTURES / "customers.csv"), "--kind", "customers",
                  "--workspace", str(owner.workspace.pk), "--show-errors", "2")  # fmt: skip
    assert "line 4, อีเมล" in output and "line 5, เบอร์โทร" in output
    assert "line 6" not in output  # only the first two
    assert Customer.objects.filter(workspace=owner.workspace).count() == 4


def test_unknown_workspace(db: None) -> None:
    with pytest.raises(CommandError):
        _run(str(FIXTURES / "customers.csv"), "--kind", "customers", "--workspace", "999999")
