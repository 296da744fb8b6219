"""The per-customer product and category purchase rows follow paid orders."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from samphan.commerce.models import (
    CustomerCategoryPurchase,
    CustomerProductPurchase,
    CustomerPurchaseLine,
    OrderStatus,
    ProductCategory,
)
from samphan.commerce.services import LineInput, customer_summaries_refresh, order_create
from samphan.customers.merge import customer_merge, merge_undo
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    SalesChannelFactory,
    line,
)


def _rows(model: type, customer_id: int, item: str) -> set[tuple[int, dt.datetime, dt.datetime]]:
    return {
        (getattr(r, item), r.first_at, r.last_at)
        for r in model.objects.filter(customer_id=customer_id)
    }


def test_rows_fold_paid_orders_per_product_and_category(owner) -> None:  # type: ignore[no-untyped-def]
    ws = owner.workspace
    drinks = ProductCategory.objects.create(workspace=ws, name="เครื่องดื่ม")
    snacks = ProductCategory.objects.create(workspace=ws, name="ขนม")
    tea = ProductFactory(workspace=ws, category=drinks)
    coffee = ProductFactory(workspace=ws, category=drinks)
    cake = ProductFactory(workspace=ws, category=snacks)
    customer = CustomerFactory(workspace=ws)
    t1 = timezone.now() - dt.timedelta(days=30)
    t2 = timezone.now() - dt.timedelta(days=3)
    t3 = timezone.now() - dt.timedelta(days=1)
    OrderFactory(workspace=ws, customer=customer, placed_at=t1, lines=[line(tea), line(coffee)])
    # A free-text line counts for nothing here.
    OrderFactory(workspace=ws, customer=customer, placed_at=t2, lines=[line(tea), line()])
    OrderFactory(
        workspace=ws,
        customer=customer,
        placed_at=t3,
        status=OrderStatus.REFUNDED,
        lines=[line(cake)],
    )

    customer_summaries_refresh(workspace=ws, customer_ids=[customer.pk])
    customer_summaries_refresh(workspace=ws, customer_ids=[customer.pk])  # idempotent

    assert _rows(CustomerProductPurchase, customer.pk, "product_id") == {
        (tea.pk, t1, t2),
        (coffee.pk, t1, t1),
    }
    assert _rows(CustomerCategoryPurchase, customer.pk, "category_id") == {(drinks.pk, t1, t2)}
    assert CustomerCategoryPurchase.objects.get().workspace_id == ws.pk
    # One purchase line per paid line with a product; the refunded cake is not there.
    lines = CustomerPurchaseLine.objects.filter(customer=customer)
    assert sorted((r.product_id, r.category_id, r.placed_at) for r in lines) == sorted(
        [(tea.pk, drinks.pk, t1), (coffee.pk, drinks.pk, t1), (tea.pk, drinks.pk, t2)]
    )


def test_order_create_keeps_the_rows(owner) -> None:  # type: ignore[no-untyped-def]
    ws = owner.workspace
    category = ProductCategory.objects.create(workspace=ws, name="เครื่องดื่ม")
    tea = ProductFactory(workspace=ws, category=category)
    customer = CustomerFactory(workspace=ws)
    channel = SalesChannelFactory(workspace=ws)
    order_create(
        actor=owner,
        channel_id=channel.pk,
        customer_id=customer.pk,
        lines=[LineInput(name="ชาไทย", quantity=1, unit_price_satang=6500, product_id=tea.pk)],
    )
    row = CustomerCategoryPurchase.objects.get(customer=customer)
    assert row.category_id == category.pk
    assert CustomerProductPurchase.objects.get(customer=customer).product_id == tea.pk


def test_merge_and_undo_keep_rows_true(owner) -> None:  # type: ignore[no-untyped-def]
    ws = owner.workspace
    category = ProductCategory.objects.create(workspace=ws, name="เครื่องดื่ม")
    tea = ProductFactory(workspace=ws, category=category)
    survivor = CustomerFactory(workspace=ws)
    merged = CustomerFactory(workspace=ws)
    for customer, days in ((survivor, 10), (merged, 2)):
        OrderFactory(
            workspace=ws,
            customer=customer,
            placed_at=timezone.now() - dt.timedelta(days=days),
            lines=[line(tea)],
        )
    customer_summaries_refresh(workspace=ws)

    log = customer_merge(actor=owner, survivor_id=survivor.pk, merged_id=merged.pk)
    assert not CustomerProductPurchase.objects.filter(customer=merged).exists()
    (row,) = CustomerProductPurchase.objects.filter(customer=survivor)
    assert row.last_at > row.first_at  # both customers' purchases, folded into one row

    merge_undo(actor=owner, merge_id=log.pk)
    for customer in (survivor, merged):
        row = CustomerProductPurchase.objects.get(customer=customer)
        assert row.first_at == row.last_at == customer.orders.get().placed_at


def test_segment_period_that_the_rows_only_span(owner) -> None:  # type: ignore[no-untyped-def]
    """Bought before and after a period but not in it: the rows alone cannot tell, so the
    segment condition looks at that customer's order lines."""
    from samphan.segments.rules import segment_queryset

    ws = owner.workspace
    category = ProductCategory.objects.create(workspace=ws, name="เครื่องดื่ม")
    tea = ProductFactory(workspace=ws, category=category)
    now = timezone.now()

    def buyer(*days_ago: int) -> int:
        customer = CustomerFactory(workspace=ws)
        for days in days_ago:
            OrderFactory(
                workspace=ws,
                customer=customer,
                placed_at=now - dt.timedelta(days=days),
                lines=[line(tea)],
            )
        return customer.pk

    around = buyer(60, 5)
    inside = buyer(60, 30, 5)
    before = buyer(60)
    customer_summaries_refresh(workspace=ws)
    day = (now - dt.timedelta(days=40)).date().isoformat()
    later = (now - dt.timedelta(days=20)).date().isoformat()

    def members(kind: str, period: dict[str, object]) -> set[int]:
        condition = {"field": f"bought_{kind}", "operator": "any", "period": period}
        condition["value"] = [tea.pk if kind == "product" else category.pk]
        rules = {"op": "and", "items": [condition]}
        return set(segment_queryset(owner, rules, now=now).values_list("pk", flat=True))

    for kind in ("product", "category"):
        assert members(kind, {"from": day, "to": later}) == {inside}
        assert members(kind, {"to": day}) == {around, inside, before}
        assert members(kind, {"from": later}) == {around, inside}
        assert members(kind, {"within_days": 10}) == {around, inside}
