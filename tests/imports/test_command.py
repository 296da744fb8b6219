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
    output = _run(str(FIXTURES / "customers.csv"), "--kind", "customers", "--allow-partial",
                  "--workspace", str(owner.workspace.pk), "--show-errors", "2")  # fmt: skip
    assert "line 4, อีเมล" in output and "line 5, เบอร์โทร" in output
    assert "line 6" not in output  # only the first two
    assert Customer.objects.filter(workspace=owner.workspace).count() == 4


def _run_failing(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", *args, stdout=out, stderr=err)
    return info.value.returncode, out.getvalue() + err.getvalue() + str(info.value)


def test_rejected_rows_exit_non_zero_and_import_nothing(owner: Actor) -> None:
    # Before: exit 0, and the four good customers were imported without being asked.
    code, output = _run_failing(str(FIXTURES / "customers.csv"), "--kind", "customers",
                                "--workspace", str(owner.workspace.pk), "--no-progress")  # fmt: skip
    assert code == 2
    assert "created: 4, matched: 0, rejected: 5" in output
    assert "--allow-partial" in output
    assert not Customer.objects.filter(workspace=owner.workspace).exists()
    job = ImportJob.objects.get(workspace=owner.workspace)
    assert (job.status, job.report["error"]["code"]) == ("failed", "rows_rejected")
    assert job.report["rows"]["bad"] == 5  # the report of what was checked is kept


def test_rejected_rows_in_a_dry_run_exit_non_zero(owner: Actor) -> None:
    code, output = _run_failing(str(FIXTURES / "customers.csv"), "--kind", "customers",
                                "--workspace", str(owner.workspace.pk), "--dry-run")  # fmt: skip
    assert code == 2 and "rejected: 5" in output


def test_allow_partial_imports_the_good_rows(
    owner: Actor, channels: dict[str, SalesChannel]
) -> None:
    path, ws = str(FIXTURES / "orders.csv"), str(owner.workspace.pk)
    code, output = _run_failing(path, "--kind", "orders", "--workspace", ws, "--no-progress")
    assert code == 2 and not Order.objects.exists()
    output = _run(path, "--kind", "orders", "--workspace", ws, "--no-progress", "--allow-partial")
    created = Order.objects.filter(workspace=owner.workspace).count()
    assert created and f"created: {created}, matched: 0, rejected: " in output
    # The same file again: every good order is matched, nothing new.
    output = _run(path, "--kind", "orders", "--workspace", ws, "--no-progress", "--allow-partial")
    assert f"created: 0, matched: {created}, rejected: " in output


def test_unknown_workspace(db: None) -> None:
    with pytest.raises(CommandError):
        _run(str(FIXTURES / "customers.csv"), "--kind", "customers", "--workspace", "999999")
