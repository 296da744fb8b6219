"""A mapping a person confirmed is remembered per workspace and file shape (what the file holds
and its headings); the next file of that shape starts from it, and the page says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samphan.core.access import Actor, actor_for_membership
from samphan.imports import jobs
from samphan.imports.models import ImportJob, ImportMapping
from tests.imports.conftest import member, upload

pytestmark = pytest.mark.django_db

# A POS export whose headings the wizard cannot guess ("Ref", "When", "Item", "Pcs", "Baht").
HEAD = "Ref,When,Item,Pcs,Baht,Memo\n"
CONFIRMED = {"0": "order_number", "1": "placed_at", "2": "product_name", "3": "quantity",
             "4": "unit_price"}  # fmt: skip


def _file(rows: str = "A-1,03/04/2024,ลาเต้,1,65,\n") -> Any:
    return upload("pos.csv", (HEAD + rows).encode())


def _confirm_on_the_page(owner: Actor, client: Client) -> ImportJob:
    job = jobs.import_job_create(actor=owner, file=_file(), kind="orders")
    fields = {f"col_{col}": field for col, field in CONFIRMED.items()}
    fields["date_order_1"] = "mdy"
    assert client.post(f"/imports/{job.pk}/mapping/", fields).status_code == 302
    assert client.post(f"/imports/{job.pk}/run/").status_code == 302
    return job


def test_the_next_file_of_the_same_shape_starts_from_the_confirmed_mapping(
    owner: Actor, owner_client: Client
) -> None:
    _confirm_on_the_page(owner, owner_client)
    remembered = ImportMapping.objects.get(workspace=owner.workspace, kind="orders")
    assert remembered.columns == CONFIRMED
    assert remembered.date_orders == {"1": "mdy"}

    # Next month's export: other rows, the same headings (spaces and case do not matter).
    nxt = jobs.import_job_create(
        actor=owner,
        file=upload("pos2.csv", b"ref , WHEN,Item,Pcs,Baht,Memo\nA-2,05/06/2024,mocha,2,75,\n"),
        kind="orders",
    )
    assert nxt.mapping["columns"] == CONFIRMED
    assert nxt.mapping["date_orders"] == {"1": "mdy"}
    assert nxt.mapping["remembered"]["mapping"] == remembered.pk
    page = owner_client.get(f"/imports/{nxt.pk}/mapping/").content.decode()
    assert "ตามที่คุณเลือกไว้" in page or "as you chose" in page
    # Nothing to fix: the preview runs with it as it is.
    job = jobs.import_job_preview(actor=owner, job_id=nxt.pk)
    assert job.report["rows"] == {"total": 1, "ok": 1, "bad": 0}


def test_only_the_same_shape_and_workspace(owner: Actor, owner_client: Client) -> None:
    _confirm_on_the_page(owner, owner_client)

    other_shape = jobs.import_job_create(
        actor=owner, file=upload("x.csv", b"Ref,When,Item,Pcs,Baht\nA-3,1/1/2024,x,1,1\n"),
        kind="orders",
    )  # fmt: skip
    assert other_shape.mapping["columns"] != CONFIRMED
    assert "remembered" not in other_shape.mapping

    someone_else = actor_for_membership(member())
    theirs = jobs.import_job_create(actor=someone_else, file=_file(), kind="orders")
    assert theirs.mapping["columns"] != CONFIRMED


def test_a_suggestion_nobody_confirmed_is_not_remembered(owner: Actor) -> None:
    # An API or command-line import without a mapping runs on the guess: nothing to remember.
    content = "เลขที่ออเดอร์,วันที่,สินค้า,จำนวน,ราคาต่อหน่วย\nPOS-1,03/04/2024,ลาเต้,1,65\n"
    job = jobs.import_job_create(actor=owner, file=upload("o.csv", content.encode()), kind="orders")
    jobs.import_job_run(actor=owner, job_id=job.pk)
    jobs.import_job_execute(job_id=job.pk)
    assert not ImportMapping.objects.exists()

    # Given explicitly (the API's mapping), it is.
    job = jobs.import_job_create(actor=owner, file=_file(), kind="orders")
    jobs.import_job_run(actor=owner, job_id=job.pk, mapping=CONFIRMED)
    assert ImportMapping.objects.get(workspace=owner.workspace).columns == CONFIRMED
