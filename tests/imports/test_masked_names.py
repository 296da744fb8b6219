"""Masked marketplace names ("ส****", "j***n") are kept only as the marketplace display name:
never a customer's name, never an identity that matches one buyer with another."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.customers.models import ContactPoint, Customer
from samphan.imports.models import ImportJob
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

RunFile = Callable[..., ImportJob]

HEAD = "หมายเลขคำสั่งซื้อ,วันที่ทำการสั่งซื้อ,ชื่อสินค้า,ราคาขาย,จำนวน,ชื่อผู้ใช้ (ผู้ซื้อ),ชื่อผู้รับ,หมายเลขโทรศัพท์\n"


def _shopee(*rows: tuple[str, str, str, str]) -> bytes:
    body = "".join(
        f"2611220AB{n:05d},2026-11-22 10:15,เซรั่ม,359,1,{user},{name},{phone}\n"
        for n, (user, name, phone, _note) in enumerate(rows, 1)
    )
    return (HEAD + body).encode()


def _buyer(actor: Actor, number: int) -> Customer:
    order = Order.objects.get(workspace=actor.workspace, number=f"2611220AB{number:05d}")
    assert order.customer is not None
    return order.customer


def test_a_masked_receiver_name_is_not_the_customers_name(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    # Before: first_name "ส****" (and the duplicates scan compared it with other names).
    run_file("s.csv", "shopee", content=_shopee(("somying.j", "ส**** ใ***", "******920", "")))

    somying = _buyer(owner, 1)
    assert (somying.title, somying.first_name, somying.last_name) == ("", "", "")
    contact = ContactPoint.objects.get(customer=somying, kind="shopee")
    assert (contact.value, contact.display_name) == ("somying.j", "ส**** ใ***")


def test_a_masked_username_is_no_identity(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    # Two buyers the export shows as "j***n": their full phones tell them apart, and "j***n"
    # is never a Shopee username that could match one with the other.
    run_file(
        "s.csv",
        "shopee",
        content=_shopee(
            ("j***n", "จันทร์ ใจดี", "0813596920", ""),
            ("j***n", "จิน แสงทอง", "0891234567", ""),
        ),
    )

    first, second = _buyer(owner, 1), _buyer(owner, 2)
    assert first.pk != second.pk
    assert not ContactPoint.objects.filter(workspace=owner.workspace, kind="shopee").exists()
    assert (first.first_name, first.last_name) == ("จันทร์", "ใจดี")  # a real name is a name
    phone = ContactPoint.objects.get(customer=first, kind="phone")
    assert (phone.value, phone.display_name) == ("+66813596920", "j***n")


def test_an_unmasked_name_is_still_the_name(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    run_file("s.csv", "shopee", content=_shopee(("ploy_p", "พลอย ศรีสุข", "", "")))

    ploy = _buyer(owner, 1)
    assert (ploy.first_name, ploy.last_name) == ("พลอย", "ศรีสุข")
    assert ContactPoint.objects.get(customer=ploy).display_name == ""


def test_a_masked_username_in_a_customers_file_is_a_bad_cell(
    owner: Actor, run_file: RunFile
) -> None:
    content = "ชื่อ-นามสกุล,Shopee username\nสมหญิง ใจดี,s*****j\n".encode()
    job = run_file("c.csv", "customers", content=content)
    (error,) = job.report["errors"]
    assert (error["line"], error["code"]) == (2, "masked_username")
    assert not Customer.objects.filter(workspace=owner.workspace).exists()


@pytest.mark.parametrize(
    "text,masked",
    [("ส****", True), ("j***n", True), ("s•••j", True), ("j*n", True), ("สมหญิง", False),
     ("Ploy*", False), ("", False), ("Alexx", False)],
)  # fmt: skip
def test_what_is_masked(text: str, masked: bool) -> None:
    from samphan.imports.values import is_masked_name

    assert is_masked_name(text) is masked


def test_masked_names_imported_before_move_to_the_display_name(owner: Actor) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("samphan.customers.migrations.0011_masked_names_to_display_name")
    ws = owner.workspace
    masked = CustomerFactory(workspace=ws, title="คุณ", first_name="ส****", last_name="ใ***")
    ContactPoint.objects.create(workspace=ws, customer=masked, kind="phone", value="+66813596920")
    ContactPoint.objects.create(workspace=ws, customer=masked, kind="shopee", value="somying.j")
    starred = CustomerFactory(workspace=ws, first_name="Ploy*")  # one star is no mask

    migration.masked_names_to_display_name(apps, None)
    migration.masked_names_to_display_name(apps, None)  # re-runnable

    masked.refresh_from_db()
    assert (masked.title, masked.first_name, masked.last_name) == ("คุณ", "", "")
    assert ContactPoint.objects.get(customer=masked, kind="shopee").display_name == "ส**** ใ***"
    assert ContactPoint.objects.get(customer=masked, kind="phone").display_name == ""
    starred.refresh_from_db()
    assert starred.first_name == "Ploy*"
