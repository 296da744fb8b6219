"""Commerce's part of a person's data (the data-subject registry, ``core.datasubject``): their
orders and lines, and the refunds of those orders. Erasure keeps orders, lines and refund
amounts: amounts, dates and products identify nobody once the customer record is anonymous,
and the shop's totals (and tax records) must stay true. A refund's reason is free text that
may say something about the person ("returned by her sister Malee, 081…"): it is exported,
and blanked at erasure, as the timeline blanks the same reason in its events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.commerce.models import Order, Refund
from samphan.core.datasubject import (
    ERASED_MARK,
    Holding,
    Subject,
    combined,
    register_part,
    register_unrelated,
)

ORDER_KEPT = (
    "customer", "channel", "branch", "number", "external_id", "status", "placed_at", "staff",
    "payment_method", "coupon_code", "subtotal_satang", "discount_satang", "shipping_satang",
    "total_satang", "refunded_satang",
)  # fmt: skip
LINE_KEPT = (
    "order",
    "product",
    "sku",
    "name",
    "quantity",
    "unit_price_satang",
    "line_total_satang",
    "refunded_quantity",
    "refunded_satang",
)
REFUND_KEPT = (
    "order", "amount_satang", "created_by", "created_by_label", "created_at", "idempotency_key",
)  # fmt: skip
PURCHASE_KEPT = ("customer", "first_at", "last_at")


def orders_export(subject: Subject) -> list[dict[str, Any]]:
    orders = (
        Order.objects.filter(
            workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
        )
        .select_related("channel", "branch")
        .prefetch_related("lines", "refunds__lines__order_line")
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
            "refunded_satang": o.refunded_satang,
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price_satang": line.unit_price_satang,
                    "line_total_satang": line.line_total_satang,
                    "refunded_quantity": line.refunded_quantity,
                    "refunded_satang": line.refunded_satang,
                }
                for line in o.lines.all()
            ],
            # Who on the staff made each refund is left out: it is about them, not the person.
            "refunds": [
                {
                    "created_at": r.created_at.isoformat(),
                    "amount_satang": r.amount_satang,
                    "reason": r.reason,
                    "lines": [
                        {
                            "name": part.order_line.name,
                            "quantity": part.quantity,
                            "amount_satang": part.amount_satang,
                        }
                        for part in r.lines.all()
                    ],
                }
                for r in sorted(o.refunds.all(), key=lambda r: (r.created_at, r.pk))
            ],
        }
        for o in orders
    ]


def orders_erase(subjects: Sequence[Subject]) -> int:
    """Nothing on an order or its lines identifies the buyer by itself: they stay, linked to the
    anonymised record (or to no customer once a retention policy deletes the record). The
    reasons of their orders' refunds are blanked (free text)."""
    if not subjects:
        return 0
    subject = combined(subjects)
    return (
        Refund.objects.filter(
            workspace_id=subject.workspace_id, order__customer_id__in=subject.customer_ids
        )
        .exclude(reason=ERASED_MARK)
        .update(reason=ERASED_MARK)
    )


register_part(
    key="commerce.orders",
    label=gettext_lazy("Orders"),
    holds=[
        Holding("commerce.Order", personal=(), kept=ORDER_KEPT),
        Holding("commerce.OrderLine", personal=(), kept=LINE_KEPT),
        Holding("commerce.Refund", personal=("reason",), kept=REFUND_KEPT),
        Holding(
            "commerce.RefundLine",
            personal=(),
            kept=("refund", "order_line", "quantity", "amount_satang"),
        ),
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
