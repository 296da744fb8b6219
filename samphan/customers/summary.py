"""The cached purchase summary on Customer, recomputed from the customer's paid orders.

Customers sit below commerce (ARCHITECTURE rule 1), so this reaches orders only through the
reverse relation ``Customer.orders`` that commerce declares, never by importing it. It is the
one implementation: ``commerce.services.customer_summaries_refresh`` delegates here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db.models import Count, Max, Min, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from samphan.customers.lifecycle import lifecycle_refresh
from samphan.customers.models import Customer

# commerce.OrderStatus.PAID; only paid orders count towards what a customer is worth.
PAID = "paid"


def customer_summaries_update(customers: QuerySet[Customer]) -> int:
    """Set orders_count, total_spent_satang, first/last order time (zero/None without paid
    orders) and the lifecycle stage derived from them, for every customer in ``customers``.
    One set-based UPDATE plus the lifecycle UPDATE; returns how many customers were updated."""
    order_model = cast(Any, Customer._meta.get_field("orders").related_model)
    paid = order_model.objects.filter(customer=OuterRef("pk"), status=PAID)

    def agg(expr: Any) -> Subquery:
        return Subquery(paid.values("customer").annotate(v=expr).values("v")[:1])

    updated = customers.update(
        orders_count=Coalesce(agg(Count("pk")), 0),
        total_spent_satang=Coalesce(agg(Sum("total_satang")), 0),
        first_order_at=agg(Min("placed_at")),
        last_order_at=agg(Max("placed_at")),
    )
    lifecycle_refresh(customers)
    return updated


def customer_summary_recompute(customer_ids: Iterable[int]) -> int:
    """The summary of these customers (any workspace); returns how many were updated."""
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        return 0
    return customer_summaries_update(Customer.objects.filter(pk__in=ids))
