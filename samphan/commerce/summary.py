"""The cached purchase summaries of a customer, recomputed from the customer's paid orders:
the totals on Customer (orders, spend, first/last order, lifecycle stage), the rows of
``CustomerProductPurchase`` / ``CustomerCategoryPurchase`` (what was bought, first and last
time), ``CustomerPurchaseLine`` (every paid line with a product, and when) and
``CustomerPurchaseRun`` (every paid order with the spend and order count before and after it).

Commerce owns these (they are derived from orders). They are refreshed by the subscriber in
``commerce/subscribers.py`` when orders are placed or change status and when customers are
merged, and every night. The totals live on the Customer row, which customers declares and
commerce alone writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce, Lag, RowNumber

from samphan.commerce.lifecycle import lifecycle_refresh
from samphan.commerce.models import (
    FIRST_PURCHASE,
    NET_SATANG,
    CustomerPurchaseRun,
    Order,
    OrderStatus,
)
from samphan.core.bulk import insert_select
from samphan.customers.models import Customer

# Only paid orders count towards what a customer is worth, less what was refunded on them
# (``NET_SATANG``); a line counts as bought while some of its units are not refunded.
PAID = OrderStatus.PAID.value
# A line still bought: none of it refunded (also a line of 0 units, which some files have), or
# some units not refunded.
NOT_ALL_REFUNDED = Q(orders__lines__refunded_quantity=0) | Q(
    orders__lines__refunded_quantity__lt=F("orders__lines__quantity")
)


def customer_summaries_update(customers: QuerySet[Customer]) -> int:
    """Set orders_count, total_spent_satang (net of refunds), first/last order time (zero/None
    without paid orders) and the lifecycle stage derived from them, for every customer in ``customers``.
    One set-based UPDATE plus the lifecycle UPDATE; returns how many customers were updated."""
    paid = Order.objects.filter(customer=OuterRef("pk"), status=PAID)

    def agg(expr: Any) -> Subquery:
        return Subquery(paid.values("customer").annotate(v=expr).values("v")[:1])

    updated = customers.update(
        orders_count=Coalesce(agg(Count("pk")), 0),
        total_spent_satang=Coalesce(agg(Sum(NET_SATANG)), 0),
        first_order_at=agg(Min("placed_at")),
        last_order_at=agg(Max("placed_at")),
    )
    lifecycle_refresh(customers)
    purchase_summaries_rebuild(customers)
    return updated


# (reverse relation on Customer, the item column of its rows, the path from Customer to the item)
PURCHASE_SUMMARIES = (
    ("product_purchases", "product_id", "orders__lines__product_id"),
    ("category_purchases", "category_id", "orders__lines__product__category_id"),
)


def purchase_summaries_rebuild(customers: QuerySet[Customer]) -> None:
    """Replace the product and category purchase rows and the purchase lines of ``customers``
    with rows built from their paid orders: one DELETE and one ``INSERT … SELECT`` per table,
    so a whole workspace never travels through Python. Call inside the caller's transaction."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            # A whole workspace groups ~10 million order lines: room to hash them in memory.
            cursor.execute("SET LOCAL work_mem = '256MB'")
    for relation, item_column, item_path in PURCHASE_SUMMARIES:
        model = cast(Any, Customer._meta.get_field(relation).related_model)
        model.objects.filter(customer__in=customers.values("pk")).delete()
        select = (
            customers.filter(
                NOT_ALL_REFUNDED, **{"orders__status": PAID, f"{item_path}__isnull": False}
            )
            .annotate(p_ws=F("workspace_id"), p_customer=F("pk"), p_item=F(item_path))
            .values("p_ws", "p_customer", "p_item")
            .annotate(
                p_first=Min("orders__placed_at"),
                p_last=Max("orders__placed_at"),
            )
            .values("p_ws", "p_customer", "p_item", "p_first", "p_last")
            .order_by()
        )
        columns = ("workspace_id", "customer_id", item_column, "first_at", "last_at")
        insert_select(model, columns, select, ("p_ws", "p_customer", "p_item", "p_first", "p_last"))
    # One row per paid order line with a product (the purchase lines, for closed periods).
    model = cast(Any, Customer._meta.get_field("purchase_lines").related_model)
    model.objects.filter(customer__in=customers.values("pk")).delete()
    lines = (
        customers.filter(
            NOT_ALL_REFUNDED, orders__status=PAID, orders__lines__product__isnull=False
        )
        .annotate(
            p_ws=F("workspace_id"),
            p_customer=F("pk"),
            p_product=F("orders__lines__product_id"),
            p_category=F("orders__lines__product__category_id"),
            p_at=F("orders__placed_at"),
        )
        .values("p_ws", "p_customer", "p_product", "p_category", "p_at")
        .order_by()
    )
    columns = ("workspace_id", "customer_id", "product_id", "category_id", "placed_at")
    insert_select(model, columns, lines, ("p_ws", "p_customer", "p_product", "p_category", "p_at"))
    purchase_runs_rebuild(customers)


def purchase_runs_rebuild(customers: QuerySet[Customer]) -> None:
    """Replace the ``CustomerPurchaseRun`` rows of ``customers``: one per paid order (its total
    net of refunds), with the
    spend and order count before it and from it on, by window functions over each customer's
    paid orders in time order (ties by id); one DELETE and one ``INSERT … SELECT``."""
    CustomerPurchaseRun.objects.filter(customer__in=customers.values("pk")).delete()
    mine = [F("customer_id")]
    in_order = [F("placed_at").asc(), F("pk").asc()]
    so_far = RowRange(start=None, end=0)  # ROWS: orders at the same moment are not peers
    spent_so_far = Window(Sum(NET_SATANG), partition_by=mine, order_by=in_order, frame=so_far)
    position = Window(RowNumber(), partition_by=mine, order_by=in_order)
    runs = (
        Order.objects.paid()
        .filter(customer__in=customers.values("pk"))
        .annotate(
            r_previous=Window(
                Lag("placed_at", default=Value(FIRST_PURCHASE, output_field=DateTimeField())),
                partition_by=mine,
                order_by=in_order,
            ),
            r_total=NET_SATANG,
            r_spent_before=spent_so_far - NET_SATANG,
            r_spent_from=Window(Sum(NET_SATANG), partition_by=mine) - spent_so_far + NET_SATANG,
            r_orders_before=position - 1,
            r_orders_from=Window(Count("pk"), partition_by=mine) - position + 1,
        )
        .values(
            "workspace_id",
            "customer_id",
            "placed_at",
            "r_previous",
            "r_total",
            "r_spent_before",
            "r_spent_from",
            "r_orders_before",
            "r_orders_from",
        )
        .order_by()
    )
    insert_select(
        CustomerPurchaseRun,
        (
            "workspace_id",
            "customer_id",
            "placed_at",
            "previous_at",
            "total_satang",
            "spent_before_satang",
            "spent_from_satang",
            "orders_before",
            "orders_from",
        ),
        runs,
        (
            "workspace_id",
            "customer_id",
            "placed_at",
            "r_previous",
            "r_total",
            "r_spent_before",
            "r_spent_from",
            "r_orders_before",
            "r_orders_from",
        ),
    )


def customer_summary_recompute(customer_ids: Iterable[int]) -> int:
    """The summary of these customers (any workspace); returns how many were updated."""
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        return 0
    return customer_summaries_update(Customer.objects.filter(pk__in=ids))
