"""Commerce's part of a person's data (the data-subject registry, ``core.datasubject``): their
orders and lines. Erasure keeps them: amounts, dates and products identify nobody once the
customer record is anonymous, and the shop's totals (and tax records) must stay true."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.commerce.models import Order
from samphan.core.datasubject import Holding, Subject, register_part, register_unrelated

ORDER_KEPT = (
    "customer", "channel", "branch", "number", "external_id", "status", "placed_at", "staff",
    "payment_method", "coupon_code", "subtotal_satang", "discount_satang", "shipping_satang",
    "total_satang",
)  # fmt: skip
LINE_KEPT = (
    "order",
    "product",
    "sku",
    "name",
    "quantity",
    "unit_price_satang",
    "line_total_satang",
)
PURCHASE_KEPT = ("customer", "first_at", "last_at")


def orders_export(subject: Subject) -> list[dict[str, Any]]:
    orders = (
        Order.objects.filter(
            workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
        )
        .select_related("channel", "branch")
        .prefetch_related("lines")
        .order_by("placed_at", "pk")
    )
    return [
        {
            "number": o.number,
            "placed_at": o.placed_at.isoformat(),
            "status": o.status,
            "channel": o.channel.name,
            "branch": o.branch.name if o.branch_id and o.branch else "",
            "external_id": o.external_id,
            "payment_method": o.payment_method,
            "coupon_code": o.coupon_code,
            "subtotal_satang": o.subtotal_satang,
            "discount_satang": o.discount_satang,
            "shipping_satang": o.shipping_satang,
            "total_satang": o.total_satang,
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price_satang": line.unit_price_satang,
                    "line_total_satang": line.line_total_satang,
                }
                for line in o.lines.all()
            ],
        }
        for o in orders
    ]


def orders_erase(subjects: Sequence[Subject]) -> int:
    """Nothing on an order or its lines identifies the buyer by itself: they stay, linked to the
    anonymised record (or to no customer once a retention policy deletes the record)."""
    return 0


register_part(
    key="commerce.orders",
    label=gettext_lazy("Orders"),
    holds=[
        Holding("commerce.Order", personal=(), kept=ORDER_KEPT),
        Holding("commerce.OrderLine", personal=(), kept=LINE_KEPT),
        Holding("commerce.CustomerProductPurchase", personal=(), kept=(*PURCHASE_KEPT, "product")),
        Holding(
            "commerce.CustomerCategoryPurchase", personal=(), kept=(*PURCHASE_KEPT, "category")
        ),
        Holding(
            "commerce.CustomerPurchaseLine",
            personal=(),
            kept=("customer", "product", "category", "placed_at"),
        ),
        Holding(
            "commerce.CustomerPurchaseRun",
            personal=(),
            kept=(
                "customer",
                "placed_at",
                "previous_at",
                "total_satang",
                "spent_before_satang",
                "spent_from_satang",
                "orders_before",
                "orders_from",
            ),
        ),
    ],
    export=orders_export,
    erase=orders_erase,
    order=20,
)

register_unrelated("commerce.SalesChannel", "the shop's sales channels")
register_unrelated("commerce.ProductCategory", "the shop's product categories")
register_unrelated("commerce.Product", "the shop's products")
register_unrelated("commerce.OrderSequence", "order-number counters")
