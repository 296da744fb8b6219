"""Day/month order: decided once per column from all its values (TikTok Shop and the shop's own
files), asked in the mapping step when the values cannot tell, and shown in the dry run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.imports import jobs
from samphan.imports.models import ImportJob
from tests.conftest import ApiClient
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db

RunFile = Callable[..., ImportJob]
BANGKOK = ZoneInfo("Asia/Bangkok")

TIKTOK_HEAD = "Order ID,Created Time,Product Name,Quantity,SKU Unit Original Price,Buyer Username\n"


def _tiktok(*dates: str) -> bytes:
    rows = "".join(
        f"57700000000{n},{date},เซรั่ม,1,100.00,buyer{n}\n" for n, date in enumerate(dates, 1)
    )
    return (TIKTOK_HEAD + rows).encode()


def _orders(*dates: str) -> bytes:
    head = "เลขที่ออเดอร์,วันที่,สินค้า,จำนวน,ราคาต่อหน่วย\n"
    rows = "".join(f"POS-{n},{date},ลาเต้,1,65\n" for n, date in enumerate(dates, 1))
    return (head + rows).encode()


def _placed(actor: Actor, number: str) -> dt.date:
    order = Order.objects.get(workspace=actor.workspace, number=number)
    return order.placed_at.astimezone(BANGKOK).date()


def test_one_order_for_the_whole_tiktok_column(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    # 13/04 can only be day/month, so 03/04 in the same column is 3 April too (it was read as
    # 4 March before: each cell was decided on its own).
    job = run_file("tiktok.csv", "tiktok", content=_tiktok("03/04/2024 10:00:00", "13/04/2024"))

    assert _placed(owner, "577000000001") == dt.date(2024, 4, 3)
    assert _placed(owner, "577000000002") == dt.date(2024, 4, 13)
    (column,) = job.report["dates"]
    assert (column["column"], column["order"], column["decided_by"]) == (
        "Created Time",
        "dmy",
        "values",
    )


def test_month_first_column_in_a_shops_own_file(owner: Actor, run_file: RunFile) -> None:
    # 04/13 says month/day: 04/03 in the same column is 3 April, not 4 March.
    run_file("orders.csv", "orders", content=_orders("04/13/2024", "04/03/2024"))

    assert _placed(owner, "POS-1") == dt.date(2024, 4, 13)
    assert _placed(owner, "POS-2") == dt.date(2024, 4, 3)


def test_tiktok_month_first_export(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    run_file(
        "tiktok.csv", "tiktok", content=_tiktok("11/22/2026 10:15:33 AM", "11/02/2026 02:40:00 PM")
    )

    assert _placed(owner, "577000000001") == dt.date(2026, 11, 22)
    assert _placed(owner, "577000000002") == dt.date(2026, 11, 2)


def test_buddhist_and_common_era_years(owner: Actor, run_file: RunFile) -> None:
    run_file("orders.csv", "orders", content=_orders("03/04/2567", "13/04/2024", "2024-04-05"))

    assert _placed(owner, "POS-1") == dt.date(2024, 4, 3)
    assert _placed(owner, "POS-2") == dt.date(2024, 4, 13)
    assert _placed(owner, "POS-3") == dt.date(2024, 4, 5)


def test_a_value_against_the_columns_order_is_a_bad_row(owner: Actor, run_file: RunFile) -> None:
    # Two values say day/month, one says month/day: the column is day/month and 04/13 is bad.
    job = run_file(
        "orders.csv", "orders", content=_orders("13/04/2024", "14/04/2024", "04/13/2024")
    )

    assert _placed(owner, "POS-1") == dt.date(2024, 4, 13)
    assert not Order.objects.filter(number="POS-3").exists()
    (error,) = job.report["errors"]
    assert (error["line"], error["code"]) == (4, "date_against_column")
    assert "day/month/year" in error["message_en"]


def test_ambiguous_column_defaults_to_day_first_and_says_so(
    owner: Actor, run_file: RunFile
) -> None:
    job = run_file("orders.csv", "orders", content=_orders("03/04/2024", "05/06/2024"))

    assert _placed(owner, "POS-1") == dt.date(2024, 4, 3)
    (column,) = job.report["dates"]
    assert (column["order"], column["decided_by"], column["ambiguous"]) == ("dmy", "default", True)
    assert column["examples"][0] == {"text": "03/04/2024", "date": "2024-04-03"}


def test_ambiguous_column_read_as_chosen(owner: Actor) -> None:
    job = jobs.import_job_create(
        actor=owner, file=upload("orders.csv", _orders("03/04/2024", "05/06/2024")), kind="orders"
    )
    job = jobs.import_job_preview(actor=owner, job_id=job.pk, date_orders={"1": "mdy"})
    (column,) = job.report["dates"]
    assert (column["order"], column["decided_by"]) == ("mdy", "choice")
    assert job.mapping["date_orders"] == {"1": "mdy"}

    jobs.import_job_run(actor=owner, job_id=job.pk)  # the choice stays with the job
    job = jobs.import_job_execute(job_id=job.pk)
    assert job.status == "done"
    assert _placed(owner, "POS-1") == dt.date(2024, 3, 4)
    assert _placed(owner, "POS-2") == dt.date(2024, 5, 6)


def test_mapping_page_asks_and_the_dry_run_shows_the_reading(
    owner: Actor, owner_client: Client
) -> None:
    job = jobs.import_job_create(
        actor=owner, file=upload("orders.csv", _orders("03/04/2024", "05/06/2024")), kind="orders"
    )
    page = owner_client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert 'name="date_order_1"' in page  # the ambiguous column gets a day/month question

    fields = {"col_0": "order_number", "col_1": "placed_at", "col_2": "product_name",
              "col_3": "quantity", "col_4": "unit_price", "date_order_1": "mdy"}  # fmt: skip
    response = owner_client.post(f"/imports/{job.pk}/mapping/", fields)
    assert response.status_code == 302
    assert ImportJob.objects.get(pk=job.pk).mapping["date_orders"] == {"1": "mdy"}
    preview = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert "03/04/2024" in preview and "4 มี.ค." in preview  # month/day, as chosen


def test_unambiguous_column_is_not_asked(owner: Actor, owner_client: Client) -> None:
    job = jobs.import_job_create(
        actor=owner, file=upload("orders.csv", _orders("03/04/2024", "13/04/2024")), kind="orders"
    )
    page = owner_client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert 'name="date_order_1"' not in page


def test_api_takes_the_date_order(api_rw: ApiClient, owner: Actor) -> None:
    content = _orders("03/04/2024", "05/06/2024")
    response = api_rw.client.post(
        "/api/v1/imports",
        {"file": upload("orders.csv", content), "kind": "orders", "dry_run": "true",
         "date_orders": '{"วันที่": "mdy"}'},
        headers=api_rw.headers,
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["date_orders"] == {"1": "mdy"}
    assert body["report"]["dates"][0]["examples"][0] == {"text": "03/04/2024", "date": "2024-03-04"}
    bad = api_rw.client.post(
        "/api/v1/imports",
        {"file": upload("orders.csv", content), "kind": "orders", "dry_run": "true",
         "date_orders": '{"1": "ymd"}'},
        headers=api_rw.headers,
    )  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_date_order"
