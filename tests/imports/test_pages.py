"""The import pages: upload → mapping → preview → run → progress → report; isolation; roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.imports.models import ImportJob
from tests.imports.conftest import FIXTURES, member

pytestmark = pytest.mark.django_db


def _upload(client: Client, name: str, kind: str) -> Any:
    with (FIXTURES / name).open("rb") as fh:
        return client.post("/imports/new/", {"kind": kind, "file": fh, "channel": ""})


def test_the_whole_flow(
    owner_client: Client, owner: Actor, channels: dict[str, SalesChannel],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    page = owner_client.get("/imports/new/")
    assert page.status_code == 200
    assert "Shopee" in page.content.decode()

    response = _upload(owner_client, "customers.csv", "customers")
    job = ImportJob.objects.get(workspace=owner.workspace)
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/mapping/"

    mapping = owner_client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert "ชื่อ-นามสกุล" in mapping and "081-359-6920" in mapping  # headings and samples
    assert '<option value="full_name" selected>' in mapping  # suggested from the heading

    fields = {f"col_{i}": v for i, v in enumerate(
        ["full_name", "nickname", "phone", "email", "line_id", "birthday", "gender", "province",
         "tags", "consent_line"])}  # fmt: skip
    response = owner_client.post(f"/imports/{job.pk}/mapping/", fields)
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    preview = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Nothing has been saved yet" in preview or "ยังไม่ได้บันทึก" in preview
    assert "wipa@example" in preview  # the bad email is listed with its reason
    assert not Customer.objects.filter(workspace=owner.workspace).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/imports/{job.pk}/run/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done"
    assert Customer.objects.filter(workspace=owner.workspace).count() == 4

    report = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert "wipa@example" in report
    # htmx polling a finished import is sent to the report.
    progress = owner_client.get(f"/imports/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert progress["HX-Redirect"] == f"/imports/{job.pk}/"
    csv_file = owner_client.get(f"/imports/{job.pk}/problems.csv")
    assert csv_file["Content-Type"].startswith("text/csv")
    assert b"invalid_email" in csv_file.content
    listing = owner_client.get("/imports/").content.decode()
    assert "customers.csv" in listing


def test_progress_page_polls_while_running(
    owner_client: Client, owner: Actor, channels: dict[str, SalesChannel]
) -> None:
    _upload(owner_client, "tiktok.csv", "tiktok")
    job = ImportJob.objects.get(workspace=owner.workspace)
    owner_client.post(f"/imports/{job.pk}/mapping/", {})  # unmapped → stays on the page
    from samphan.imports import jobs as imports

    imports.import_job_run(actor=owner, job_id=job.pk)  # queued; the task has not started
    page = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert f'hx-get="/imports/{job.pk}/progress/"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "<progress" in page
    partial = owner_client.get(f"/imports/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and b"<progress" in partial.content
    assert Order.objects.count() == 0


def test_mapping_errors_are_shown(owner_client: Client, owner: Actor) -> None:
    _upload(owner_client, "orders.csv", "orders")
    job = ImportJob.objects.get(workspace=owner.workspace)
    response = owner_client.post(f"/imports/{job.pk}/mapping/", {"col_0": "order_number"})
    assert response.status_code == 422
    assert job.__class__.objects.get(pk=job.pk).status == "uploaded"


def test_english_user_reads_english_reasons(
    english_owner: Client, owner: Actor, run_file: Any
) -> None:
    job = run_file("customers.csv", "customers")
    page = english_owner.get(f"/imports/{job.pk}/").content.decode()
    assert "is not an email address" in page


@pytest.fixture
def english_owner(owner_membership: Membership) -> Client:
    owner_membership.user.language = "en"
    owner_membership.user.save(update_fields=["language"])
    client = Client()
    client.force_login(owner_membership.user)
    return client


@pytest.mark.parametrize(
    "suffix,method",
    [("", "get"), ("mapping/", "get"), ("mapping/", "post"), ("run/", "post"),
     ("progress/", "get"), ("problems.csv", "get"), ("", "post")],
)  # fmt: skip
def test_another_workspaces_import_is_404(
    suffix: str, method: str, owner: Actor, run_file: Any
) -> None:
    job = run_file("customers.csv", "customers")
    stranger = member()
    client = Client()
    client.force_login(stranger.user)
    assert getattr(client, method)(f"/imports/{job.pk}/{suffix}").status_code == 404


def test_roles(owner: Actor) -> None:
    marketer = member(workspace=owner.workspace, role=Role.MARKETER)
    support = member(workspace=owner.workspace, role=Role.SUPPORT)
    client = Client()
    client.force_login(marketer.user)
    assert client.get("/imports/").status_code == 403
    client.force_login(support.user)
    page = client.get("/imports/new/").content.decode()
    assert 'value="customers"' in page and 'value="shopee"' not in page  # no order creation
    with (FIXTURES / "shopee_en.csv").open("rb") as fh:
        response = client.post("/imports/new/", {"kind": "shopee", "file": fh})
    assert response.status_code == 200  # not a choice for this role
    assert not ImportJob.objects.exists()


def test_big_files_are_checked_in_the_background(
    owner_client: Client, owner: Actor, channels: dict[str, SalesChannel],
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    from samphan.imports import jobs as imports

    monkeypatch.setattr(imports, "PREVIEW_INLINE_ROWS", 3)  # lazada.csv has 8 rows
    _upload(owner_client, "lazada.csv", "lazada")
    job = ImportJob.objects.get(workspace=owner.workspace)
    columns = imports.import_job_columns(job=job)["columns"]
    mapping = {f"col_{c['index']}": c["field"] for c in columns}  # the suggestion, as shown
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post(f"/imports/{job.pk}/mapping/", mapping)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued" and job.mapping["mode"] == "preview"
    page = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert len(callbacks) == 1
    callbacks[0]()  # the task (inline in tests)
    job.refresh_from_db()
    assert job.status == "previewed"
    assert (job.report["mode"], job.report["created"]) == ("preview", 4)
    assert not Order.objects.exists()
    progress = owner_client.get(f"/imports/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert progress["HX-Redirect"] == f"/imports/{job.pk}/"
