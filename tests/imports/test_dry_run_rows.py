"""The dry run says, row by row, what the import will do: create, match (which existing customer
or order, found by which key), update, skip or reject, and why, in Thai and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samphan.commerce.models import SalesChannel
from samphan.core.access import Actor
from samphan.imports import jobs
from samphan.imports.models import ImportJob
from tests.factories import ContactPointFactory, CustomerFactory, OrderFactory
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db


def _preview(owner: Actor, name: str, kind: str) -> ImportJob:
    job = jobs.import_job_create(actor=owner, file=upload(name), kind=kind)
    return jobs.import_job_preview(actor=owner, job_id=job.pk)


def _by_line(job: ImportJob) -> dict[int, dict[str, Any]]:
    return {row["line"]: row for row in job.report["outcomes"]["rows"]}


def test_orders_row_by_row(owner: Actor, channels: dict[str, SalesChannel]) -> None:
    somying = CustomerFactory(workspace=owner.workspace, first_name="สมหญิง", last_name="ใจดี")
    ContactPointFactory(customer=somying, kind="phone", value="+66813596920")
    existing = OrderFactory(
        workspace=owner.workspace, channel=channels["store"], customer=None,
        number="POS-0002", external_id="POS-0002", status="paid",
    )  # fmt: skip

    job = _preview(owner, "orders.csv", "orders")
    rows = _by_line(job)

    # Rows 2 and 3 are one new order, for a customer already in Samphan, found by her phone.
    first = rows[2]
    assert (first["action"], first["label"], first["rows"]) == ("create", "POS-0001", 2)
    assert first["customer"] == {
        "action": "match", "id": somying.pk, "label": "สมหญิง ใจดี",
        "key": {"kind": "phone", "value": "+66813596920"},
    }  # fmt: skip
    assert "+66813596920" in first["message_en"] and "สมหญิง ใจดี" in first["message_th"]
    # Row 4: that order is already in Samphan (same order number in this channel).
    assert rows[4]["action"] == "match"
    assert rows[4]["existing"] == {"id": existing.pk, "label": "POS-0002"}
    # Row 5: a new order for a new customer.
    assert (rows[5]["action"], rows[5]["customer"]["action"]) == ("create", "create")
    # Row 6: rejected, and why.
    assert rows[6]["action"] == "reject"
    assert rows[6]["errors"][0]["code"] == "invalid_quantity"
    assert "สอง" in rows[6]["message_en"]
    # Row 7: the same buyer as row 2 (matched by the same phone, written without dashes).
    assert rows[7]["customer"]["id"] == somying.pk
    assert job.report["outcomes"]["counts"] == {"create": 3, "match": 1, "reject": 1}
    assert job.report["outcomes"]["total"] == 5


def test_customers_row_by_row(owner: Actor) -> None:
    known = CustomerFactory(workspace=owner.workspace, first_name="ธนากร", last_name="เดิม")
    ContactPointFactory(customer=known, kind="phone", value="+66891234567")

    job = _preview(owner, "customers.csv", "customers")
    rows = _by_line(job)

    assert rows[2]["action"] == "create"
    # Row 3 has the phone of a customer already in Samphan: matched by it, and updated.
    assert rows[3]["action"] == "update"
    assert rows[3]["existing"]["id"] == known.pk
    assert rows[3]["key"] == {"kind": "phone", "value": "+66891234567"}
    assert "first_name" in rows[3]["changes"]
    # Row 9 is the customer of row 2 again (the same phone), new in this file.
    assert rows[9]["action"] == "create" and rows[9]["same_as_line"] == 2
    assert {line for line, row in rows.items() if row["action"] == "reject"} == {4, 5, 6, 7, 11}


def test_the_preview_page_shows_the_rows_page_by_page(
    owner: Actor, owner_client: Client, channels: dict[str, SalesChannel]
) -> None:
    body = "เลขที่ออเดอร์,วันที่,สินค้า,จำนวน,ราคาต่อหน่วย\n" + "".join(
        f"POS-{n:03d},03/04/2024,ลาเต้,1,65\n" for n in range(1, 61)
    )
    job = jobs.import_job_create(actor=owner, file=upload("o.csv", body.encode()), kind="orders")
    jobs.import_job_preview(actor=owner, job_id=job.pk)

    page = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert "POS-001" in page and "POS-050" in page and "POS-051" not in page
    second = owner_client.get(f"/imports/{job.pk}/?rows=2").content.decode()
    assert "POS-051" in second and "POS-060" in second and "POS-050" not in second
