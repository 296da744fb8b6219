"""``samphan seed``: counts, determinism, consistent totals, contacts, timeline, re-seeding.

Runs on the default test database; on PostgreSQL it exercises the COPY writer (inside the
test's transaction for ``db`` tests, over its own connections for ``transaction=True``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO
from typing import Any

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from samphan.commerce.events import OrderPlaced
from samphan.commerce.lifecycle import lifecycle_case
from samphan.commerce.models import ChannelKind, Order, OrderLine, OrderStatus, Product
from samphan.commerce.services import _CHANNEL_PREFIX, _next_number
from samphan.core.models import Branch, Workspace
from samphan.core.thai.phone import normalize_phone
from samphan.customers import subscribers
from samphan.customers.duplicates import duplicates_scan
from samphan.customers.events import CustomerCreated, LifecycleChanged
from samphan.customers.models import ContactPoint, Customer, DuplicateCandidate, DuplicateScan
from samphan.seeding import data
from samphan.seeding.generator import phone_raw_formats
from samphan.timeline.models import SubscriberFailure, TimelineEvent

UNTIL = "2026-11-23T12:00:00+07:00"
CUSTOMERS = 300


def seed(**options: object) -> Workspace:
    before = set(Workspace.objects.values_list("pk", flat=True))
    defaults: dict[str, object] = {
        "customers": CUSTOMERS,
        "months": 12,
        "seed": 7,
        "until": UNTIL,
        "batch_size": 120,  # several chunks
        "verbosity": 0,
    }
    defaults.update(options)
    args = [f"--until={defaults.pop('until')}"]
    call_command("seed", *args, **defaults)
    if "workspace" in options:
        return Workspace.objects.get(pk=options["workspace"])
    (new,) = set(Workspace.objects.values_list("pk", flat=True)) - before
    return Workspace.objects.get(pk=new)


@pytest.fixture
def shop(db: None) -> Workspace:
    return seed()


def test_counts_are_as_asked(shop: Workspace) -> None:
    assert shop.name == data.DEFAULT_WORKSPACE_NAME
    assert Customer.objects.filter(workspace=shop).count() == CUSTOMERS
    assert Branch.objects.filter(workspace=shop).count() == 3
    assert 60 <= Product.objects.filter(workspace=shop).count() <= 120
    orders = Order.objects.filter(workspace=shop)
    n_orders = orders.count()
    assert 2.6 * CUSTOMERS < n_orders < 4.4 * CUSTOMERS
    per_order = orders.annotate(n=Count("lines")).aggregate(lo=Min("n"), hi=Max("n"))
    assert per_order == {"lo": 1, "hi": 6}
    n_lines = OrderLine.objects.filter(workspace=shop).count()
    assert 2.5 < n_lines / n_orders < 3.3
    kinds = set(orders.values_list("channel__kind", flat=True))
    assert kinds == set(ChannelKind.values)
    statuses = dict(orders.values_list("status").annotate(n=Count("pk")))
    assert statuses[OrderStatus.PAID] > 0.85 * n_orders
    # a few percent never ordered
    assert (
        0 < Customer.objects.filter(workspace=shop, orders__isnull=True).count() < 0.1 * CUSTOMERS
    )
    store = orders.filter(channel__kind=ChannelKind.STORE)
    assert not store.filter(branch__isnull=True).exists()
    assert not orders.exclude(channel__kind=ChannelKind.STORE).filter(branch__isnull=False).exists()


def test_order_numbers_follow_the_app_scheme(shop: Workspace) -> None:
    orders = list(Order.objects.filter(workspace=shop).select_related("channel"))
    numbers = [o.number for o in orders]
    assert len(numbers) == len(set(numbers))
    for order in orders:
        prefix = _CHANNEL_PREFIX[order.channel.kind]
        local = timezone.localtime(order.placed_at)
        assert order.number.startswith(f"{prefix}-{local:%y%m}-"), order.number
        assert re.fullmatch(r"[A-Z]{2}-\d{4}-\d{6}", order.number)
        marketplace = order.channel.kind in {"shopee", "lazada", "tiktok"}
        assert (order.external_id is not None) == marketplace
    # the app's own numbering continues after the seeded ones
    latest = max(orders, key=lambda o: o.placed_at)
    following = _next_number(shop, latest.channel, latest.placed_at)
    assert following not in numbers
    assert following > max(n for n in numbers if n[:8] == following[:8])


def test_window_and_seasonality(shop: Workspace) -> None:
    agg = Order.objects.filter(workspace=shop).aggregate(
        first=Min("placed_at"), last=Max("placed_at")
    )
    span = agg["last"] - agg["first"]
    assert 330 <= span.days <= 366
    coupons = set(Order.objects.filter(workspace=shop).values_list("coupon_code", flat=True))
    assert {"1111MEGA", "PAYDAY10"} <= coupons


def _fingerprint(workspace: Workspace) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    customers = list(
        Customer.objects.filter(workspace=workspace)
        .order_by("pk")
        .values_list(
            "title",
            "first_name",
            "last_name",
            "nickname",
            "gender",
            "birthday",
            "province",
            "acquisition_source",
            "created_at",
            "orders_count",
            "total_spent_satang",
        )
    )
    orders = list(
        Order.objects.filter(workspace=workspace)
        .order_by("pk")
        .values_list("number", "external_id", "status", "placed_at", "total_satang")
    )
    return customers, orders


def test_deterministic_for_a_seed(db: None) -> None:
    one, two = seed(), seed()
    assert one.pk != two.pk
    assert _fingerprint(one) == _fingerprint(two)
    phones = [
        list(
            ContactPoint.objects.filter(workspace=ws, kind="phone")
            .order_by("pk")
            .values_list("value", flat=True)
        )
        for ws in (one, two)
    ]
    assert phones[0] == phones[1]
    other = seed(seed=8)
    assert _fingerprint(other)[0] != _fingerprint(one)[0]


def test_counts_and_names_do_not_depend_on_the_clock(db: None) -> None:
    one = seed(customers=120)
    two = seed(customers=120, until="2026-03-02T08:00:00+07:00")
    names = [
        list(
            Customer.objects.filter(workspace=ws)
            .order_by("pk")
            .values_list("first_name", "last_name", "nickname", "gender", "province")
        )
        for ws in (one, two)
    ]
    assert names[0] and names[0] == names[1]  # birthdays and dates move with the clock
    for model in (Order, OrderLine, ContactPoint):
        assert (
            model.objects.filter(workspace=one).count()
            == model.objects.filter(workspace=two).count()
        )
    # Loyalty's events depend on the clock: points of orders older than the expiry window are
    # never credited (they would have expired), so they are left out of this count.
    events = TimelineEvent.objects.exclude(type__startswith="points.").exclude(type="tier.changed")
    assert events.filter(workspace=one).count() == events.filter(workspace=two).count()


def test_totals_are_consistent(shop: Workspace) -> None:
    lines = OrderLine.objects.filter(workspace=shop)
    assert not lines.exclude(line_total_satang=F("quantity") * F("unit_price_satang")).exists()
    orders = Order.objects.filter(workspace=shop).annotate(
        lines_sum=Sum("lines__line_total_satang")
    )
    for order in orders:
        assert order.lines_sum == order.subtotal_satang, order.number
        assert order.total_satang == (
            order.subtotal_satang - order.discount_satang + order.shipping_satang
        )
        assert 0 <= order.discount_satang <= order.subtotal_satang
        assert (order.discount_satang > 0) == bool(order.coupon_code)


def test_customer_summaries_count_paid_orders_only(shop: Workspace) -> None:
    paid = Q(orders__status=OrderStatus.PAID)
    customers = Customer.objects.filter(workspace=shop).annotate(
        n=Count("orders", filter=paid),
        spent=Sum("orders__total_satang", filter=paid),
        first=Min("orders__placed_at", filter=paid),
        last=Max("orders__placed_at", filter=paid),
        first_any=Min("orders__placed_at"),
    )
    for c in customers:
        assert c.orders_count == c.n
        assert c.total_spent_satang == (c.spent or 0)
        assert c.first_order_at == c.first
        assert c.last_order_at == c.last
        if c.first_any is not None:
            assert c.created_at == c.first_any  # created with their first order


def test_purchase_rows_are_built_from_paid_orders(shop: Workspace) -> None:
    """The seed builds the product / category purchase rows in bulk (on PostgreSQL with the
    indexes and foreign keys dropped and rebuilt); they match the paid order lines."""
    from collections import defaultdict

    from samphan.commerce.models import (
        CustomerCategoryPurchase,
        CustomerProductPurchase,
        CustomerPurchaseLine,
        OrderLine,
    )

    lines = OrderLine.objects.filter(
        order__workspace=shop, order__status=OrderStatus.PAID, product__isnull=False
    ).values_list("order__customer_id", "product_id", "product__category_id", "order__placed_at")
    products: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
    categories: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
    for customer_id, product_id, category_id, placed_at in lines:
        products[customer_id, product_id].append(placed_at)
        if category_id is not None:
            categories[customer_id, category_id].append(placed_at)
    assert products and categories
    for model, item, expected in (
        (CustomerProductPurchase, "product_id", products),
        (CustomerCategoryPurchase, "category_id", categories),
    ):
        rows = model.objects.filter(workspace=shop).values_list(
            "customer_id", item, "first_at", "last_at"
        )
        assert {(c, i): (f, la) for c, i, f, la in rows} == {
            key: (min(times), max(times)) for key, times in expected.items()
        }
        assert len(rows) == len(expected)
    assert CustomerPurchaseLine.objects.filter(workspace=shop).count() == len(lines)


def test_phones_are_e164_and_unique(shop: Workspace) -> None:
    phones = list(
        ContactPoint.objects.filter(workspace=shop, kind="phone").values_list(
            "customer_id", "value"
        )
    )
    assert len(phones) == CUSTOMERS
    assert len({c for c, _ in phones}) == CUSTOMERS  # one each
    assert len({v for _, v in phones}) == CUSTOMERS
    for _, value in phones:
        assert re.fullmatch(r"\+66[689]\d{8}", value), value
        assert phonenumbers.is_valid_number(phonenumbers.parse(value))
    emails = ContactPoint.objects.filter(workspace=shop, kind="email").values_list(
        "value", flat=True
    )
    assert emails and all(re.fullmatch(r"[a-z]+[._]?\d+@[a-z.]+", e) for e in emails)
    line_ids = ContactPoint.objects.filter(workspace=shop, kind="line").values_list(
        "value", flat=True
    )
    assert line_ids and all(re.fullmatch(r"U[0-9a-f]{32}", v) for v in line_ids)


@pytest.mark.parametrize("style", range(5))
def test_phone_input_formats_normalise(style: int) -> None:
    raw = phone_raw_formats(813596920, style)
    assert normalize_phone(raw) == "+66813596920"


def test_timeline_has_one_event_per_customer_and_order(shop: Workspace) -> None:
    """The rows are the event classes' own (what customer_create and order_create write),
    written by the bulk services, with no actor: demo data, not someone's work."""
    events = TimelineEvent.objects.filter(workspace=shop)
    # Loyalty reacts to the seeded orders as to any (points.earned for recent paid orders).
    assert set(events.exclude(type__startswith="points.").values_list("type", flat=True)) == {
        CustomerCreated.type,
        OrderPlaced.type,
        LifecycleChanged.type,
    }
    assert not events.exclude(actor_label="").exists()
    assert not events.filter(actor__isnull=False).exists()
    created = {e.customer_id: e for e in events.filter(type=CustomerCreated.type)}
    assert len(created) == CUSTOMERS
    for customer in Customer.objects.filter(workspace=shop):
        event = created[customer.pk]
        assert event.occurred_at == customer.created_at  # when they joined, not when seeded
        assert event.payload == {"source": "seed"}
    placed = {e.order_id: e for e in events.filter(type=OrderPlaced.type)}
    orders = Order.objects.filter(workspace=shop).select_related("channel")
    assert len(placed) == orders.count()
    for order in orders:
        event = placed[order.pk]
        expected = OrderPlaced(
            workspace_id=shop.pk,
            customer_id=order.customer_id,
            order_id=order.pk,
            number=order.number,
            total_satang=order.total_satang,
            channel=order.channel.name,
            status=order.status,
        )
        assert event.customer_id == order.customer_id
        assert event.occurred_at == order.placed_at
        assert event.payload == expected.payload()
        assert event.links == expected.links()


def test_lifecycle_stages_are_commerces(shop: Workspace) -> None:
    """Every customer has the stage their purchases give now, set by commerce (its subscriber
    to the order events; the prospects by the nightly pass at the end), each with one
    lifecycle.changed."""
    customers = Customer.objects.filter(workspace=shop)
    assert not customers.filter(lifecycle_stage="").exists()
    derived = customers.annotate(derived=lifecycle_case(timezone.now()))
    assert not derived.exclude(lifecycle_stage=F("derived")).exists()
    assert set(customers.values_list("lifecycle_stage", flat=True)) >= {"prospect", "lapsed"}
    changed = TimelineEvent.objects.filter(workspace=shop, type=LifecycleChanged.type)
    assert changed.count() == CUSTOMERS
    assert changed.values("customer").distinct().count() == CUSTOMERS


@pytest.mark.django_db(transaction=True)
def test_the_duplicate_rescan_runs_once_at_the_end(monkeypatch: Any) -> None:
    """The chunks' after-commit subscriber (the duplicate rescan) runs once for the whole seed,
    after the last chunk, not once per chunk: each chunk's rescan blocked on the whole
    workspace's keys. Every customer being new, it is the workspace's full scan, recorded."""
    monkeypatch.setattr(subscribers, "SCOPED_MAX", 100)  # what 1,000 is at full size
    calls: list[list[int] | None] = []
    real = subscribers.duplicates_scan

    def spy(*, workspace: Workspace, customer_ids: list[int] | None = None) -> int:
        calls.append(customer_ids)
        return real(workspace=workspace, customer_ids=customer_ids)

    monkeypatch.setattr(subscribers, "duplicates_scan", spy)
    shop = seed(customers=250, batch_size=100)  # chunks of 100, 100 and 50
    assert calls == [None]  # one full scan
    assert not SubscriberFailure.objects.exists()
    scan = DuplicateScan.objects.get(workspace=shop)
    assert scan.finished_at is not None
    pairs = DuplicateCandidate.objects.filter(workspace=shop).values_list(
        "customer_a_id", "customer_b_id"
    )
    from_seed = set(pairs)
    assert scan.candidates == len(from_seed) > 0
    duplicates_scan(workspace=shop)
    assert from_seed == set(pairs)  # what a full scan finds

    # Seeding more into it: the new customers are rescanned, once, against everyone.
    calls.clear()
    seed(customers=150, batch_size=100, workspace=shop.pk, seed=8)
    assert len(calls) == 1 and calls[0] is not None and len(calls[0]) == 150
    assert DuplicateScan.objects.filter(workspace=shop).count() == 2  # no new full scan
    seeded = set(pairs)
    duplicates_scan(workspace=shop)
    assert seeded == set(pairs)


@pytest.mark.django_db(transaction=True)
def test_seeding_twice_into_one_workspace_adds_rows() -> None:
    workspace = seed(customers=150)
    seed(customers=150, workspace=workspace.pk)
    seed(customers=150, workspace=workspace.pk, seed=99)
    assert Customer.objects.filter(workspace=workspace).count() == 450
    assert Branch.objects.filter(workspace=workspace).count() == 3
    assert Product.objects.filter(workspace=workspace).count() == len(data.PRODUCTS)
    orders = Order.objects.filter(workspace=workspace)
    numbers = list(orders.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    external = [v for v in orders.values_list("external_id", flat=True) if v is not None]
    assert len(external) == len(set(external))
    # new rows keep getting ids from the database afterwards
    Customer.objects.create(workspace=workspace, first_name="ทดสอบ", created_at=orders[0].placed_at)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Every order.placed carries its number (loyalty's points.earned carry it too).
            cursor.execute(
                "SELECT COUNT(*) FROM timeline_timelineevent "
                "WHERE type = 'order.placed' AND payload ? 'number'"
            )
            assert cursor.fetchone()[0] == orders.count()


def test_existing_contact_values_are_skipped(db: None) -> None:
    workspace = seed(customers=50)
    reference = seed(customers=60)  # same seed: shows which phones ordinals 50… will get
    next_phones = list(
        ContactPoint.objects.filter(workspace=reference, kind="phone")
        .order_by("pk")
        .values_list("value", flat=True)
    )
    # hand-entered data that happens to use the number the next run would generate
    # (one more customer, so the next run starts at ordinal 51)
    clash = Customer.objects.create(workspace=workspace, created_at=reference.created_at)
    ContactPoint.objects.create(
        workspace=workspace, customer=clash, kind="phone", value=next_phones[51]
    )
    seed(customers=10, workspace=workspace.pk)
    phones = ContactPoint.objects.filter(workspace=workspace, kind="phone")
    assert phones.count() == 50 + 1 + 9  # the clashing generated phone was left out
    assert phones.filter(value=next_phones[51]).get().customer_id == clash.pk
    assert phones.filter(value=next_phones[52]).exists()


def test_command_output_and_errors(db: None) -> None:
    out = StringIO()
    call_command("seed", customers=20, months=2, seed=1, verbosity=1, stdout=out, stderr=StringIO())
    assert "20 customers" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("seed", customers=5, workspace=999_999, verbosity=0)


def test_payload_is_json_text_like_the_event_writers(shop: Workspace) -> None:
    events = TimelineEvent.objects.filter(workspace=shop, type=OrderPlaced.type)
    for event in events.select_related("order"):
        assert json.loads(json.dumps(event.payload)) == event.payload
        assert event.order is not None
        paid = event.order.status == OrderStatus.PAID
        assert set(event.payload) == {"number", "total_satang", "channel"} | (
            set() if paid else {"status"}
        )
