"""The cached purchase summary on Customer, recomputed from the customer's paid orders.

Customers sit below commerce (ARCHITECTURE rule 1), so this reads orders only through the
reverse relation ``Customer.orders`` that commerce declares, never by importing it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max, Min, Q, Sum

from samphan.customers.models import Customer

# commerce.OrderStatus.PAID; only paid orders count towards what a customer is worth.
PAID = "paid"
SUMMARY_FIELDS = ("orders_count", "total_spent_satang", "first_order_at", "last_order_at")


def customer_summary_recompute(customer_ids: Iterable[int]) -> int:
    """Set orders_count, total_spent_satang and first/last order time of these customers from
    their paid orders (zero/None when they have none). Two queries whatever the number of
    customers; returns how many customers were updated."""
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        return 0
    paid = Q(orders__status=PAID)
    rows = (
        Customer.objects.filter(pk__in=ids)
        .annotate(
            n=Count("orders", filter=paid),
            total=Sum("orders__total_satang", filter=paid),
            first=Min("orders__placed_at", filter=paid),
            last=Max("orders__placed_at", filter=paid),
        )
        .values_list("pk", "n", "total", "first", "last")
    )
    customers = [
        Customer(
            pk=pk,
            orders_count=n or 0,
            total_spent_satang=total or 0,
            first_order_at=first,
            last_order_at=last,
        )
        for pk, n, total, first, last in rows
    ]
    Customer.objects.bulk_update(customers, SUMMARY_FIELDS, batch_size=500)
    return len(customers)
