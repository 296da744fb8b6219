"""Sales channels, products and orders. Money is integer satang."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    STORE = "store", _("Store")
    LINE = "line", _("LINE")
    SHOPEE = "shopee", _("Shopee")
    LAZADA = "lazada", _("Lazada")
    TIKTOK = "tiktok", _("TikTok Shop")
    WEB = "web", _("Web shop")
    PHONE = "phone", _("Phone")


class SalesChannel(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="channel_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductCategory(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(_("SKU"), max_length=64)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    category = models.ForeignKey(
        ProductCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    price_satang = models.BigIntegerField(_("price"), default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "sku"], name="product_unique_sku"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name_th}"


class OrderStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    RETURNED = "returned", _("Returned")


# The one definition of a sale that counts: revenue, purchase summaries, analytics and segments
# count orders in this status. Other apps filter with ``Order.objects.paid()`` /
# ``OrderLine.objects.paid()``; raw SQL compares ``status`` with this value.
PAID_STATUS: str = OrderStatus.PAID.value


class OrderQuerySet(models.QuerySet["Order"]):
    def paid(self) -> OrderQuerySet:
        """Orders that count as purchases (not cancelled, refunded or returned)."""
        return self.filter(status=PAID_STATUS)


class OrderLineQuerySet(models.QuerySet["OrderLine"]):
    def paid(self) -> OrderLineQuerySet:
        """Lines of the orders that count as purchases (see ``OrderQuerySet.paid``)."""
        return self.filter(order__status=PAID_STATUS)


class Order(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="orders")
    branch = models.ForeignKey(
        "core.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    number = models.CharField(_("order number"), max_length=64)
    # NULL, not "": orders without an external id must not collide in the unique constraint.
    external_id = models.CharField(  # noqa: DJ001
        _("external id"), max_length=100, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PAID
    )
    placed_at = models.DateTimeField(_("placed at"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_method = models.CharField(_("payment method"), max_length=32, blank=True)
    coupon_code = models.CharField(_("coupon code"), max_length=64, blank=True)
    subtotal_satang = models.BigIntegerField(default=0)
    discount_satang = models.BigIntegerField(default=0)
    shipping_satang = models.BigIntegerField(default=0)
    total_satang = models.BigIntegerField(default=0)
    # What the order's refunds (``Refund``) have given back so far, at most ``total_satang``:
    # a paid order counts as ``total_satang - refunded_satang`` spent (``NET_SATANG``).
    refunded_satang = models.BigIntegerField(default=0)

    objects = OrderQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "channel", "external_id"], name="order_unique_external_id"
            ),
            # Also the index that finds an order by its number.
            models.UniqueConstraint(fields=["workspace", "number"], name="order_unique_number"),
        ]
        indexes = [
            models.Index(fields=["workspace", "placed_at"], name="order_ws_placed"),
            # Covers the dashboard's net revenue sums (index-only scans, no table reads).
            models.Index(
                fields=["workspace", "placed_at", "status", "total_satang", "refunded_satang"],
                name="order_ws_placed_net_revenue",
            ),
            models.Index(fields=["customer", "placed_at"], name="order_customer_placed"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderSequence(models.Model):
    """The last running number handed out per order-number prefix ("ST-2611-") in a workspace.

    ``commerce.services`` locks the row inside the order's transaction, so two sales at the same
    moment never get the same number (PostgreSQL: a row lock; SQLite: the write lock that
    ``BEGIN IMMEDIATE`` takes)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=32)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "prefix"], name="order_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.last}"


class OrderLine(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    quantity = models.IntegerField(default=1)
    unit_price_satang = models.BigIntegerField(default=0)
    line_total_satang = models.BigIntegerField(default=0)
    # Units and value given back by line refunds (``RefundLine``); an amount-only refund
    # leaves the lines alone.
    refunded_quantity = models.IntegerField(default=0)
    refunded_satang = models.BigIntegerField(default=0)

    objects = OrderLineQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


# What a paid order or line counts as spent: its total less what was refunded.
NET_SATANG = F("total_satang") - F("refunded_satang")
LINE_NET_SATANG = F("line_total_satang") - F("refunded_satang")
LINE_NET_QUANTITY = F("quantity") - F("refunded_quantity")


class Refund(models.Model):
    """Money given back on a paid order (คืนเงิน), in part or in full: by lines and units
    (``RefundLine``) or as an amount alone, with who did it and why. Written only by
    ``commerce.refunds.refund_create``, which keeps ``Order.refunded_satang`` and the lines'
    refunded units and value in step and publishes ``order.refunded``."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    amount_satang = models.BigIntegerField()
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who, as the timeline keeps it: a member's email or "api-key:<prefix>".
    created_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    # A client's Idempotency-Key: the same key again answers with this refund. NULL, not "":
    # refunds without a key must not collide in the unique constraint.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="refund_unique_idempotency_key"
            ),
            models.CheckConstraint(condition=models.Q(amount_satang__gte=0), name="refund_amount"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount_satang} satang on order {self.order_id}"


class RefundLine(models.Model):
    """Units of one order line given back by a refund, and their value."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="refund_lines")
    quantity = models.IntegerField()
    amount_satang = models.BigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"


class PurchaseSummary(models.Model):
    """What a customer has bought, folded per product or per category: the first and last paid
    purchase. Segments ask "bought product / from category X
    (in a period)" of these rows instead of reading every order line.

    Written only by ``customers.summary.customer_summaries_update`` (the one place that keeps a
    customer's purchase summaries), so they follow order creation, imports, status changes and
    merges. A merge moves rows like any other row of the customer; a (customer, item) pair may
    then appear twice until the next refresh folds it, which changes no answer: each row is a
    true statement about the customer's purchases."""

    # Indexed by the item index below (it leads with the workspace); the item foreign keys
    # are not indexed alone: a product or category is rarely deleted, rows are read by item
    # only together with the workspace.
    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        abstract = True


class CustomerProductPurchase(PurchaseSummary):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="product_purchases"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [
            # Every column a segment condition reads, in customer order: PostgreSQL answers from
            # the index alone and can merge it with the customers' (workspace, id) index.
            models.Index(
                fields=["workspace", "product", "customer", "last_at", "first_at"],
                name="purchase_product_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} bought product {self.product_id}"


class CustomerCategoryPurchase(PurchaseSummary):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="category_purchases"
    )
    category = models.ForeignKey(
        ProductCategory, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        indexes = [
            # Every column a segment condition reads, in customer order: PostgreSQL answers from
            # the index alone and can merge it with the customers' (workspace, id) index.
            models.Index(
                fields=["workspace", "category", "customer", "last_at", "first_at"],
                name="purchase_category_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} bought from category {self.category_id}"


class CustomerPurchaseLine(models.Model):
    """A paid order line with a product, folded down to who bought which product (and
    category) when: what a segment asks of "bought … between two dates", where the first and
    last purchase of a ``PurchaseSummary`` row cannot tell a customer who bought before and
    after the period from one who also bought inside it. Kept with the purchase summaries by
    ``customers.summary.customer_summaries_update``."""

    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="purchase_lines"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey(
        ProductCategory, null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    placed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "product", "placed_at", "customer"],
                name="purchase_line_product",
            ),
            models.Index(
                fields=["workspace", "category", "placed_at", "customer"],
                name="purchase_line_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} bought product {self.product_id} at {self.placed_at}"


# ``CustomerPurchaseRun.previous_at`` of a customer's first paid order: earlier than any order.
FIRST_PURCHASE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


class CustomerPurchaseRun(models.Model):
    """A customer's paid order with the running totals around it: what was spent and how many
    orders there were before it, and from it on (itself included). Segments ask "spent more
    than ฿1,000 / at least 2 orders in the last 90 days / since a date" of these rows instead
    of summing every order in the period per customer (which took 2–10 s at a million
    customers): the customer's first paid order at or after a moment ``t`` is the one row with
    ``previous_at < t <= placed_at``, and its ``spent_from_satang`` / ``orders_from`` are what
    the customer spent and ordered since ``t``; ``spent_before_satang`` / ``orders_before``
    what they spent and ordered before ``t``. Orders at the same moment are ordered by id.

    Kept with the purchase summaries by ``commerce.summary.customer_summaries_update``."""

    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="purchase_runs"
    )
    placed_at = models.DateTimeField()
    # The customer's previous paid order, FIRST_PURCHASE for the first one (never NULL, so
    # that "previous_at < t" is one index range).
    previous_at = models.DateTimeField()
    total_satang = models.BigIntegerField()
    spent_before_satang = models.BigIntegerField()
    spent_from_satang = models.BigIntegerField()
    orders_before = models.IntegerField()
    orders_from = models.IntegerField()

    class Meta:
        indexes = [
            # Every column a segment condition reads, so PostgreSQL answers from an index
            # alone: "first order at or after t" is a range of placed_at (t recent) or of
            # previous_at (t long ago), whichever is shorter; a closed period is a range of
            # placed_at.
            models.Index(
                fields=[
                    "workspace",
                    "placed_at",
                    "previous_at",
                    "customer",
                    "total_satang",
                    "spent_from_satang",
                    "orders_from",
                    "spent_before_satang",
                    "orders_before",
                ],
                name="purchase_run_placed",
            ),
            models.Index(
                fields=[
                    "workspace",
                    "previous_at",
                    "placed_at",
                    "customer",
                    "spent_from_satang",
                    "orders_from",
                    "spent_before_satang",
                    "orders_before",
                ],
                name="purchase_run_previous",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} paid {self.total_satang} satang at {self.placed_at}"
