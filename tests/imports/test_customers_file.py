"""A shop's own customers sheet: good rows imported, every bad row reported with its line,
column and a reason in Thai and English; orders sheets; encodings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils.translation import gettext, override

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.customers.events import ContactAdded, CustomerCreated, CustomerUpdated
from samphan.customers.models import ConsentEvent, ContactPoint, Customer
from samphan.imports import jobs as imports
from samphan.imports.errors import MESSAGES
from samphan.imports.models import ImportJob
from samphan.timeline.models import TimelineEvent
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db

RunFile = Callable[..., ImportJob]


def _customer(actor: Actor, kind: str, value: str) -> Customer:
    return ContactPoint.objects.get(workspace=actor.workspace, kind=kind, value=value).customer


def test_good_rows_imported(owner: Actor, run_file: RunFile) -> None:
    job = run_file("customers.csv", "customers")

    assert job.report["rows"] == {"total": 10, "ok": 5, "bad": 5}
    # Lines 2 and 9 are one person (the same phone): four customers, not five.
    assert (job.created_count, job.updated_count, job.skipped_count, job.error_count) == (
        4,
        0,
        0,
        5,
    )
    assert Customer.objects.filter(workspace=owner.workspace).count() == 4

    somying = _customer(owner, "phone", "+66813596920")
    assert (somying.title, somying.first_name, somying.last_name, somying.nickname) == (
        "นางสาว", "สมหญิง", "ใจดี", "หญิง",
    )  # fmt: skip
    assert somying.birthday == dt.date(1987, 4, 15)  # 15/04/2530 is a Buddhist Era date
    assert somying.gender == "female"
    assert somying.province == "กรุงเทพมหานคร"
    assert sorted(somying.tags.values_list("name", flat=True)) == ["VIP", "ขายส่ง", "ลูกค้าประจำ"]
    assert set(somying.contacts.values_list("kind", "value", "is_primary")) == {
        ("phone", "+66813596920", True),
        ("email", "somying@example.com", True),
        ("social", "line:somying", True),
    }
    consent = ConsentEvent.objects.get(customer=somying)
    assert (consent.purpose, consent.granted, consent.source) == ("marketing_line", True, "import")

    somchai = _customer(owner, "phone", "+66891234567")
    assert (somchai.title, somchai.birthday) == ("นาย", dt.date(1990, 1, 31))
    assert ConsentEvent.objects.get(customer=somchai).granted is False

    arunee = _customer(owner, "line", "U4af4980629a1b2c3d4e5f60718293a4b")
    assert arunee.birthday == dt.date(1997, 1, 1)  # "1 ม.ค. 2540"
    assert (arunee.gender, arunee.province) == ("female", "ภูเก็ต")
    assert _customer(owner, "phone", "+66923456789") == arunee

    auntie = Customer.objects.get(workspace=owner.workspace, nickname="ป้าแดง")
    assert not auntie.contacts.exists()
    assert auntie.province == "นนทบุรี"

    created = TimelineEvent.objects.filter(workspace=owner.workspace, type=CustomerCreated.type)
    assert created.count() == 4
    assert {e.payload["source"] for e in created} == {"import"}


def test_bad_rows_listed_with_line_column_and_reason(owner: Actor, run_file: RunFile) -> None:
    job = run_file("customers.csv", "customers")
    errors = {(e["line"], e["column"], e["code"]) for e in job.report["errors"]}
    assert errors == {
        (4, "อีเมล", "invalid_email"),
        (5, "เบอร์โทร", "invalid_phone"),
        (6, "วันเกิด", "invalid_date"),
        (7, "ชื่อ-นามสกุล", "customer_empty"),
        (11, "เพศ", "invalid_gender"),
    }
    phone = next(e for e in job.report["errors"] if e["line"] == 5)
    assert phone["value"] == "081-234"
    assert phone["message_en"] == (
        "“081-234” is not a phone number we can use. Write it like 081-359-6920 or +66 81 359 6920."
    )
    # The Thai reason is the Thai catalogue's rendering of the same message.
    with override("th"):
        expected_th = str(MESSAGES["invalid_phone"]) % {"value": "081-234"}
    assert phone["message_th"] == expected_th
    # Bad rows are not imported, not even partly.
    assert not ContactPoint.objects.filter(workspace=owner.workspace, value="wipa@example").exists()
    assert not Customer.objects.filter(workspace=owner.workspace, first_name="มาลี").exists()


def test_thai_reason_is_thai_once_translated(owner: Actor, run_file: RunFile) -> None:
    job = run_file("customers.csv", "customers")
    email = next(e for e in job.report["errors"] if e["code"] == "invalid_email")
    with override("th"):
        translated = gettext("“%(value)s” is not an email address.")
    if translated == "“%(value)s” is not an email address.":
        pytest.skip("the Thai catalogue has no translation for the import messages yet")
    assert email["message_th"] != email["message_en"]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in email["message_th"])


def test_errors_csv_download(owner: Actor, run_file: RunFile) -> None:
    job = run_file("customers.csv", "customers")
    text = b"".join(imports.import_job_errors_csv(job=job)).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("line,column,code")
    assert len(lines) == 1 + 5
    assert lines[1].startswith("4,อีเมล,invalid_email,")


def test_updates_existing_customer_and_keeps_others_contacts(
    owner: Actor, run_file: RunFile
) -> None:
    existing = Customer.objects.create(
        workspace=owner.workspace,
        first_name="สมหญิง",
        last_name="ใจดี",
        created_at=dt.datetime.now(dt.UTC),
    )
    ContactPoint.objects.create(
        workspace=owner.workspace,
        customer=existing,
        kind="phone",
        value="+66813596920",
        is_primary=True,
    )
    other = Customer.objects.create(
        workspace=owner.workspace, first_name="คนอื่น", created_at=existing.created_at
    )
    ContactPoint.objects.create(
        workspace=owner.workspace, customer=other, kind="email", value="somying@example.com"
    )
    job = run_file("customers.csv", "customers")
    assert (job.created_count, job.updated_count) == (3, 1)
    existing.refresh_from_db()
    assert (existing.title, existing.nickname, existing.birthday) == (
        "นางสาว",
        "หญิง",
        dt.date(1987, 4, 15),
    )
    # The email belongs to someone else already: it stays there (as customer_create does).
    assert ContactPoint.objects.get(value="somying@example.com").customer_id == other.pk
    event = TimelineEvent.objects.get(customer=existing, type=CustomerUpdated.type)
    assert event.payload["changes"]["birthday"] == {"from": None, "to": "1987-04-15"}
    assert event.payload["changes"]["tags"]["to"] == ["VIP", "ขายส่ง", "ลูกค้าประจำ"]
    added = TimelineEvent.objects.filter(customer=existing, type=ContactAdded.type)
    assert {e.payload["value"] for e in added} == {"line:somying"}


def test_thai_excel_cp874_csv(owner: Actor, run_file: RunFile) -> None:
    job = run_file("customers_cp874.csv", "customers")
    assert job.report["encoding"] == "cp874"
    assert job.created_count == 2
    assert _customer(owner, "phone", "+66813596920").first_name == "สมหญิง"


def test_tab_separated_utf16_from_excel_unicode_text(owner: Actor, run_file: RunFile) -> None:
    content = "ชื่อเล่น\tเบอร์โทร\r\nต้อม\t081-111-2222\r\n".encode("utf-16")
    job = run_file("customers.txt", "customers", content=content)
    assert job.created_count == 1
    assert _customer(owner, "phone", "+66811112222").nickname == "ต้อม"


def test_mapping_chosen_by_the_user(owner: Actor, run_file: RunFile) -> None:
    content = "col A,col B\nแป้ง,0812345678\n".encode()
    job = run_file(
        "odd.csv", "customers", content=content, mapping={"0": "nickname", "col B": "phone"}
    )
    assert job.mapping["columns"] == {"0": "nickname", "1": "phone"}
    assert _customer(owner, "phone", "+66812345678").nickname == "แป้ง"


def test_orders_sheet(owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile) -> None:
    job = run_file("orders.csv", "orders")
    assert (job.created_count, job.error_count) == (4, 1)
    assert job.report["errors"][0]["line"] == 6
    assert job.report["errors"][0]["column"] == "จำนวน"
    assert job.report["errors"][0]["code"] == "invalid_quantity"
    pos1 = Order.objects.get(workspace=owner.workspace, number="POS-0001")
    assert pos1.channel_id == channels["store"].pk
    assert pos1.placed_at.isoformat() == "2026-11-20T02:30:00+00:00"  # 20/11/2569 09:30
    assert sorted(pos1.lines.values_list("sku", "quantity", "line_total_satang")) == [
        ("CROISSANT", 1, 5500), ("LATTE-H", 2, 13000),
    ]  # fmt: skip
    assert pos1.total_satang == 18500 and pos1.payment_method == "เงินสด"
    line = Order.objects.get(workspace=owner.workspace, number="LN-0003")
    assert line.channel_id == channels["line"].pk
    assert (line.subtotal_satang, line.discount_satang, line.shipping_satang, line.total_satang) == (
        89000, 9000, 5000, 85000,
    )  # fmt: skip
    assert Order.objects.get(workspace=owner.workspace, number="POS-0002").customer_id is None
    assert Order.objects.get(workspace=owner.workspace, number="POS-0005").status == "cancelled"
    somying = _customer(owner, "phone", "+66813596920")
    assert set(somying.orders.values_list("number", flat=True)) == {"POS-0001", "POS-0005"}
    assert (somying.orders_count, somying.total_spent_satang) == (1, 18500)
    assert not Order.objects.filter(number="POS-0004").exists()


def test_unreadable_file_is_refused_at_upload(owner: Actor) -> None:
    from samphan.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as info:
        imports.import_job_create(
            actor=owner, file=upload("bad.xlsx", b"PK\x03\x04not really a zip"), kind="customers"
        )
    assert info.value.code == "unreadable_file"
    with pytest.raises(ApplicationError) as info:
        imports.import_job_create(
            actor=owner, file=upload("old.xls", b"\xd0\xcf\x11\xe0"), kind="orders"
        )
    assert info.value.code == "unsupported_file"
    assert not ImportJob.objects.exists()


def test_required_column_unmapped(owner: Actor, channels: dict[str, SalesChannel]) -> None:
    from samphan.core.errors import ApplicationError

    job = imports.import_job_create(actor=owner, file=upload("orders.csv"), kind="orders")
    with pytest.raises(ApplicationError) as info:
        imports.import_job_preview(actor=owner, job_id=job.pk, mapping={"0": "order_number"})
    assert info.value.code == "required_field_unmapped"
    assert info.value.details["missing"] == ["placed_at", "unit_price", "product_name"]
