"""Seller Centre exports: orders, lines, quantities, totals, customers, masked phones."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from samphan.commerce.events import OrderPlaced
from samphan.commerce.models import Order, OrderLine, SalesChannel
from samphan.core.access import Actor
from samphan.customers.events import CustomerCreated
from samphan.customers.models import ContactPoint, Customer
from samphan.imports.models import ImportJob
from samphan.timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

RunFile = Callable[..., ImportJob]


def _order(ws_actor: Actor, number: str) -> Order:
    return Order.objects.get(workspace=ws_actor.workspace, number=number)


def _lines(order: Order) -> list[tuple[str, int, int]]:
    return sorted(order.lines.values_list("sku", "quantity", "unit_price_satang"))


def _contacts(customer: Customer | None) -> set[tuple[str, str]]:
    assert customer is not None
    return set(customer.contacts.values_list("kind", "value"))


def test_shopee_thai_xlsx(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    job = run_file("shopee_th.xlsx", "shopee")

    assert job.report["format"] == "xlsx"
    assert (job.created_count, job.updated_count, job.skipped_count, job.error_count) == (
        4,
        0,
        1,
        0,
    )
    assert job.report["counts"]["orders_unpaid"] == 1
    orders = Order.objects.filter(workspace=owner.workspace)
    assert orders.count() == 4
    assert set(orders.values_list("channel_id", flat=True)) == {channels["shopee"].pk}

    first = _order(owner, "2611220AB1CD01")
    assert first.external_id == "2611220AB1CD01"
    assert _lines(first) == [("HC-SERUM-30", 1, 35900), ("HC-SUN-50", 2, 28900)]
    # The grand total (957) repeats on both rows; it is the order's total, not added up.
    assert (first.subtotal_satang, first.shipping_satang, first.total_satang) == (
        93700,
        4000,
        95700,
    )
    assert first.discount_satang == 2000
    assert first.lines.get(sku="HC-SUN-50").name == "ครีมกันแดด SPF50 (สูตรเนื้อบางเบา)"
    assert first.placed_at.isoformat() == "2026-11-22T03:15:00+00:00"  # 10:15 in Bangkok
    assert _order(owner, "2611220AB1CD03").status == "cancelled"
    assert not Order.objects.filter(number="2611230AB1CD04").exists()  # not paid yet

    somying = first.customer
    assert somying is not None
    assert (somying.title, somying.first_name, somying.last_name) == ("นางสาว", "สมหญิง", "ใจดี")
    assert somying.acquisition_source == "marketplace"
    assert somying.province == "กรุงเทพมหานคร"
    # The masked phone is not a contact: the Shopee username is her identity.
    assert _contacts(somying) == {("shopee", "somying.j")}
    assert _order(owner, "2611220AB1CD03").customer_id == somying.pk
    # Paid orders only in the summary: the cancelled one does not count.
    assert (somying.orders_count, somying.total_spent_satang) == (1, 95700)

    ploy = _order(owner, "2611230AB1CD05").customer
    assert _contacts(ploy) == {("shopee", "ploy_p"), ("phone", "+66891234567")}
    assert Customer.objects.filter(workspace=owner.workspace).count() == 3


def test_masked_phone_does_not_merge_two_buyers(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    run_file("shopee_th.xlsx", "shopee")
    a = _order(owner, "2611220AB1CD01").customer
    b = _order(owner, "2611220AB1CD02").customer
    assert a is not None and b is not None and a.pk != b.pk  # both wrote ******920
    assert not ContactPoint.objects.filter(workspace=owner.workspace, value__contains="*").exists()
    assert not ContactPoint.objects.filter(workspace=owner.workspace, kind="phone").exclude(
        value="+66891234567"
    )


def test_shopee_english_csv(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    job = run_file("shopee_en.csv", "shopee")
    assert job.report["encoding"] == "utf-8-sig"
    assert "3" not in job.report["mapping"]  # "Tracking Number*" is not read
    assert job.created_count == 3
    refunded = _order(owner, "2611240XYZ002")
    assert refunded.status == "refunded"  # from the Return / Refund Status column
    assert (refunded.subtotal_satang, refunded.shipping_satang, refunded.total_satang) == (
        19800, 3000, 22800,
    )  # fmt: skip
    three = _order(owner, "2611240XYZ003")
    assert _lines(three) == [("GT-LOTION", 1, 44000), ("GT-SOAP", 3, 12000)]
    assert three.total_satang == 84000
    assert _contacts(three.customer) == {("shopee", "tong.p"), ("phone", "+66812223333")}
    kanya = _order(owner, "2611240XYZ001").customer
    assert kanya is not None and refunded.customer_id == kanya.pk
    assert (kanya.orders_count, kanya.total_spent_satang) == (1, 57000)


def test_lazada_one_row_per_unit(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    job = run_file("lazada.csv", "lazada")
    assert job.created_count == 4
    assert job.report["rows"] == {"total": 8, "ok": 8, "bad": 0}
    big = _order(owner, "512345678901234")
    assert big.channel_id == channels["lazada"].pk
    # Four rows → two lines: three serums summed into one line, one mask.
    assert _lines(big) == [("HC-MASK-5", 1, 19900), ("HC-SERUM-30", 3, 35900)]
    # Paid 339 × 3 + 199 = 1216; shipping is per unit: 15 + 15 + 10 = 40.
    assert (big.subtotal_satang, big.discount_satang, big.shipping_satang, big.total_satang) == (
        127600, 6000, 4000, 125600,
    )  # fmt: skip
    assert big.placed_at.isoformat() == "2026-11-22T03:15:00+00:00"
    siri = big.customer
    assert siri is not None
    assert _contacts(siri) == {("email", "siriporn.m@example.com")}
    assert _order(owner, "512345678901236").customer_id == siri.pk  # same email
    assert _order(owner, "512345678901236").status == "cancelled"
    # No email and a masked phone: the order is kept, without a customer.
    anonymous = _order(owner, "512345678901235")
    assert anonymous.customer_id is None
    assert _lines(anonymous) == [("HC-LIP-03", 2, 15900)]
    assert job.report["counts"]["orders_without_customer"] == 1
    wanna = _order(owner, "512345678901237").customer
    assert _contacts(wanna) == {("email", "wanna.t@example.com"), ("phone", "+66812345678")}
    assert Customer.objects.filter(workspace=owner.workspace).count() == 2


def test_tiktok_descriptions_row_and_repeated_amount(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    job = run_file("tiktok.csv", "tiktok")
    assert job.report["rows"]["total"] == 4  # the descriptions row is not data
    assert any(n["code"] == "description_row" and n["line"] == 2 for n in job.report["notes"])
    assert job.created_count == 3
    first = _order(owner, "577000111222333444")  # the trailing tab is gone
    assert _lines(first) == [("TT-SERUM", 2, 35900), ("TT-TONER", 1, 25900)]
    assert first.total_satang == 92700  # Order Amount once, not 927 × 2
    assert first.subtotal_satang == 97700 and first.discount_satang == 5000
    assert first.placed_at.isoformat() == "2026-11-22T03:15:33+00:00"  # month/day, AM/PM
    mint, boss = first.customer, _order(owner, "577000111222333445").customer
    assert mint is not None and boss is not None and mint.pk != boss.pk  # same masked phone
    assert _contacts(mint) == {("tiktok", "mint.chanida")}
    assert _order(owner, "577000111222333446").customer_id == mint.pk
    assert _order(owner, "577000111222333445").placed_at.isoformat() == "2026-11-22T07:40:00+00:00"


def test_events_and_lines_written(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    run_file("tiktok.csv", "tiktok")
    events = TimelineEvent.objects.filter(workspace=owner.workspace)
    assert events.filter(type=CustomerCreated.type).count() == 2
    placed = events.filter(type=OrderPlaced.type)
    assert placed.count() == 3
    event = placed.get(links__order=_order(owner, "577000111222333444").pk)
    assert event.payload == {"number": "577000111222333444", "total_satang": 92700,
                             "channel": "TikTok Shop"}  # fmt: skip
    assert event.actor_id == owner.user.pk if owner.user else False
    assert OrderLine.objects.filter(workspace=owner.workspace).count() == 4


def test_marketplace_channel_is_added_when_missing(owner: Actor, run_file: RunFile) -> None:
    job = run_file("lazada.csv", "lazada")
    channel = SalesChannel.objects.get(workspace=owner.workspace, kind="lazada")
    assert Order.objects.filter(workspace=owner.workspace, channel=channel).count() == 4
    assert any(n["code"] == "channel_added" for n in job.report["notes"])
