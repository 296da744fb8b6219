"""Writes for sales channels (orders and products arrive with the Customer 360 work)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.events import OrderPlaced, OrderStatusChanged
from samphan.commerce.models import (
    ChannelKind,
    Order,
    OrderLine,
    OrderSequence,
    OrderStatus,
    Product,
    SalesChannel,
)
from samphan.commerce.selectors import order_list
from samphan.commerce.summary import customer_summaries_update
from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.date_range import event_time
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.limits import MAX_QUANTITY, MAX_SATANG
from samphan.core.models import Branch, Workspace
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.timeline.publish import publish


def channels_ensure_defaults(*, workspace: Workspace) -> list[SalesChannel]:
    """Every workspace starts with one channel of each kind (store, LINE, Shopee, …)."""
    existing = set(SalesChannel.objects.filter(workspace=workspace).values_list("kind", flat=True))
    SalesChannel.objects.bulk_create(
        [
            SalesChannel(workspace=workspace, kind=kind, name=str(label))
            for kind, label in ChannelKind.choices
            if kind not in existing
        ]
    )
    return list(SalesChannel.objects.filter(workspace=workspace))


def channel_create(*, actor: Actor, kind: str, name: str) -> SalesChannel:
    require(actor, Perm.CHANNEL_MANAGE)
    if kind not in ChannelKind.values:
        raise ApplicationError(
            "invalid_channel_kind", _("Unknown channel kind."), {"field": "kind"}
        )
    name = name.strip()
    if not name:
        raise ApplicationError("channel_name_required", _("Enter a name."), {"field": "name"})
    try:
        with transaction.atomic():
            return SalesChannel.objects.create(workspace=actor.workspace, kind=kind, name=name)
    except IntegrityError as exc:
        raise ApplicationError(
            "channel_exists",
            _("A channel named “%(name)s” already exists.") % {"name": name},
            {"field": "name"},
            status=409,
        ) from exc


def channel_set_active(*, actor: Actor, channel_id: int, is_active: bool) -> SalesChannel:
    require(actor, Perm.CHANNEL_MANAGE)
    channel = SalesChannel.objects.filter(workspace=actor.workspace, pk=channel_id).first()
    if channel is None:
        raise NotFound("channel_not_found", _("Channel not found."))
    channel.is_active = is_active
    channel.save(update_fields=["is_active"])
    return channel


def customer_summaries_refresh(
    *, workspace: Workspace, customer_ids: list[int] | None = None
) -> int:
    """Recompute the cached purchase summary and lifecycle stage of the workspace's customers,
    or of ``customer_ids``, from their paid orders, in one transaction (a stage change writes
    ``lifecycle.changed``). Orders refresh their customers by themselves (commerce/subscribers);
    this is the nightly pass. Returns the number of customers updated."""
    customers = Customer.objects.filter(workspace=workspace)
    if customer_ids is not None:
        customers = customers.filter(pk__in=customer_ids)
    with transaction.atomic():
        return customer_summaries_update(customers)


# Refunded and returned describe what happened to a paid order: order_status_change.
NEW_ORDER_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.CANCELLED})


@dataclass(frozen=True)
class LineInput:
    name: str
    quantity: int
    unit_price_satang: int
    sku: str = ""
    product_id: int | None = None


@dataclass(frozen=True)
class OrderResult:
    order: Order
    created: bool


def order_create(
    *,
    actor: Actor,
    channel_id: int,
    lines: list[LineInput],
    customer_id: int | None = None,
    branch_id: int | None = None,
    external_id: str | None = None,
    number: str = "",
    placed_at: dt.datetime | None = None,
    status: str = OrderStatus.PAID,
    discount_satang: int = 0,
    shipping_satang: int = 0,
    payment_method: str = "",
    coupon_code: str = "",
) -> OrderResult:
    """Record an order with its lines, the customer's summary and an ``order.placed`` event.

    Idempotent on ``external_id`` per channel: posting the same external order again returns the
    existing order unchanged (``created=False``). A new order is paid or cancelled (refunds and
    returns follow a paid order: ``order_status_change``), its discount at most its subtotal,
    its date from 2000 to next year (a Buddhist-Era year is converted).
    """
    require(actor, Perm.ORDER_CREATE)
    channel = SalesChannel.objects.filter(workspace=actor.workspace, pk=channel_id).first()
    if channel is None:
        raise ApplicationError(
            "channel_not_found", _("Sales channel not found."), {"field": "channel_id"}, status=422
        )
    external_id = (external_id or "").strip() or None
    if external_id is not None:
        existing = Order.objects.filter(
            workspace=actor.workspace, channel=channel, external_id=external_id
        ).first()
        if existing is not None:
            return OrderResult(order=existing, created=False)
    _validate_order(lines, status, discount_satang, shipping_satang)
    if placed_at is not None:
        placed_at = event_time(placed_at, field="placed_at")
    customer = None
    if customer_id is not None:
        customer = Customer.objects.filter(
            workspace=actor.workspace, pk=customer_id, merged_into__isnull=True
        ).first()
        if customer is None:
            raise ApplicationError(
                "customer_not_found", _("Customer not found."), {"field": "customer_id"}, status=422
            )
    branch = None
    if branch_id is not None:
        branch = Branch.objects.filter(workspace=actor.workspace, pk=branch_id).first()
        if branch is None or (actor.branch_limited() and branch.pk not in actor.branch_ids):
            raise ApplicationError(
                "branch_not_found", _("Branch not found."), {"field": "branch_id"}, status=422
            )
    products = _products_by_id(actor, lines)
    subtotal = sum(line.quantity * line.unit_price_satang for line in lines)
    placed_at = placed_at or timezone.now()
    try:
        with transaction.atomic():
            order = Order.objects.create(
                workspace=actor.workspace,
                customer=customer,
                channel=channel,
                branch=branch,
                number=number.strip() or _next_number(actor.workspace, channel, placed_at),
                external_id=external_id,
                status=status,
                placed_at=placed_at,
                staff=actor.user,
                payment_method=payment_method,
                coupon_code=coupon_code.strip(),
                subtotal_satang=subtotal,
                discount_satang=discount_satang,
                shipping_satang=shipping_satang,
                total_satang=subtotal - discount_satang + shipping_satang,
            )
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        workspace=actor.workspace,
                        order=order,
                        product=products.get(line.product_id or 0),
                        sku=line.sku or getattr(products.get(line.product_id or 0), "sku", ""),
                        name=line.name,
                        quantity=line.quantity,
                        unit_price_satang=line.unit_price_satang,
                        line_total_satang=line.quantity * line.unit_price_satang,
                    )
                    for line in lines
                ]
            )
            # The purchase summary and lifecycle stage follow (commerce/subscribers.py).
            publish(
                OrderPlaced(
                    workspace_id=actor.workspace.pk,
                    customer_id=customer.pk if customer is not None else None,
                    actor=actor,
                    order_id=order.pk,
                    number=order.number,
                    total_satang=order.total_satang,
                    channel=channel.name,
                    status=order.status,
                    occurred_at=placed_at,
                )
            )
    except IntegrityError as exc:
        # A concurrent request with the same external id won the race: return its order.
        if external_id is not None:
            existing = Order.objects.filter(
                workspace=actor.workspace, channel=channel, external_id=external_id
            ).first()
            if existing is not None:
                return OrderResult(order=existing, created=False)
        given = number.strip()
        if given and Order.objects.filter(workspace=actor.workspace, number=given).exists():
            raise ApplicationError(
                "order_number_exists",
                _("Another order already has the number “%(number)s”.") % {"number": given},
                {"field": "number"},
                status=409,
            ) from exc
        raise ApplicationError(
            "order_conflict", _("The order could not be saved."), status=409
        ) from exc
    return OrderResult(order=order, created=True)


def _validate_order(
    lines: list[LineInput], status: str, discount_satang: int, shipping_satang: int
) -> None:
    if status not in OrderStatus.values:
        raise ApplicationError(
            "invalid_status", _("Unknown order status."), {"field": "status"}, status=422
        )
    if status not in NEW_ORDER_STATUSES:
        raise ApplicationError(
            "invalid_new_order_status",
            _("A new order is paid or cancelled: record it as paid, then refund or return it."),
            {"field": "status", "allowed": sorted(NEW_ORDER_STATUSES)},
            status=422,
        )
    if not lines:
        raise ApplicationError(
            "order_empty", _("Add at least one item."), {"field": "lines"}, status=422
        )
    for i, line in enumerate(lines):
        if not 0 < line.quantity <= MAX_QUANTITY:
            raise ApplicationError(
                "invalid_quantity",
                _("Quantity must be from 1 to %(max)s.") % {"max": MAX_QUANTITY},
                {"field": f"lines[{i}].quantity"},
                status=422,
            )
        if line.unit_price_satang < 0:
            raise ApplicationError(
                "invalid_price",
                _("A price cannot be negative."),
                {"field": f"lines[{i}].unit_price_satang"},
                status=422,
            )
        if line.unit_price_satang > MAX_SATANG:
            raise _amount_too_large(f"lines[{i}].unit_price_satang")
        if not line.name.strip():
            raise ApplicationError(
                "line_name_required",
                _("Each item needs a name."),
                {"field": f"lines[{i}].name"},
                status=422,
            )
    if discount_satang < 0 or shipping_satang < 0:
        raise ApplicationError(
            "invalid_amount",
            _("Discount and shipping cannot be negative."),
            {"field": "discount_satang" if discount_satang < 0 else "shipping_satang"},
            status=422,
        )
    subtotal = sum(line.quantity * line.unit_price_satang for line in lines)
    if subtotal > MAX_SATANG:
        raise _amount_too_large("lines")
    if shipping_satang > MAX_SATANG:
        raise _amount_too_large("shipping_satang")
    if discount_satang > subtotal:
        raise ApplicationError(
            "discount_exceeds_subtotal",
            _("The discount (%(discount)s satang) is more than the items' subtotal "
              "(%(subtotal)s satang).") % {"discount": discount_satang, "subtotal": subtotal},
            {"field": "discount_satang", "subtotal_satang": subtotal},
            status=422,
        )  # fmt: skip


def _amount_too_large(field: str) -> ApplicationError:
    return ApplicationError(
        "amount_too_large",
        _("The amount is too large: at most %(max)s satang.") % {"max": MAX_SATANG},
        {"field": field, "max_satang": MAX_SATANG},
        status=422,
    )


def _products_by_id(actor: Actor, lines: list[LineInput]) -> dict[int, Product]:
    ids = {line.product_id for line in lines if line.product_id}
    products = {p.pk: p for p in Product.objects.filter(workspace=actor.workspace, pk__in=ids)}
    missing = ids - products.keys()
    if missing:
        raise ApplicationError(
            "product_not_found",
            _("Product not found."),
            {"field": "lines", "ids": sorted(missing)},
            status=422,
        )
    return products


_CHANNEL_PREFIX: dict[str, str] = {
    ChannelKind.STORE: "ST", ChannelKind.LINE: "LN", ChannelKind.SHOPEE: "SP",
    ChannelKind.LAZADA: "LZ", ChannelKind.TIKTOK: "TT", ChannelKind.WEB: "WB",
    ChannelKind.PHONE: "PH",
}  # fmt: skip


def _next_number(workspace: Workspace, channel: SalesChannel, placed_at: dt.datetime) -> str:
    """``ST-2611-000042``: channel, year-month (Bangkok), then a running number for the month.

    Call inside the order's transaction: the prefix's ``OrderSequence`` row stays locked until
    the order is saved (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite: the write lock that the
    ``BEGIN IMMEDIATE`` of ``settings.DATABASES`` takes), so concurrent sales queue for it and
    never share a number. A rollback returns the number with the order.
    """
    local = timezone.localtime(placed_at)
    prefix = f"{_CHANNEL_PREFIX.get(channel.kind, 'OR')}-{local:%y%m}-"
    sequence = _sequence_locked(workspace, prefix)
    n = sequence.last + 1
    # Numbers written without the sequence (imports, the seeder, a number given by the caller)
    # are skipped, not reused.
    while Order.objects.filter(workspace=workspace, number=f"{prefix}{n:06d}").exists():
        n += 1
    OrderSequence.objects.filter(pk=sequence.pk).update(last=n)
    return f"{prefix}{n:06d}"


def _sequence_locked(workspace: Workspace, prefix: str) -> OrderSequence:
    locked = OrderSequence.objects.select_for_update().filter(workspace=workspace, prefix=prefix)
    sequence = locked.first()
    if sequence is None:
        # First order with this prefix since the sequences exist: start above the numbers in
        # use. ON CONFLICT DO NOTHING: a concurrent first order may insert the row first.
        OrderSequence.objects.bulk_create(
            [OrderSequence(workspace=workspace, prefix=prefix, last=_last_used(workspace, prefix))],
            ignore_conflicts=True,
        )
        sequence = locked.get()
    return sequence


def _last_used(workspace: Workspace, prefix: str) -> int:
    """The highest running number among the workspace's orders numbered ``<prefix><digits>``."""
    top = (
        Order.objects.filter(workspace=workspace, number__startswith=prefix)
        .filter(number__regex=rf"^{re.escape(prefix)}[0-9]+$")
        .annotate(width=Length("number"))
        .order_by("-width", "-number")
        .values_list("number", flat=True)
        .first()
    )
    return int(top[len(prefix) :]) if top else 0


def product_create(
    *,
    actor: Actor,
    sku: str,
    name_th: str,
    name_en: str = "",
    price_satang: int = 0,
    category_id: int | None = None,
) -> Product:
    """Add a product to the workspace's catalogue; the SKU is unique per workspace."""
    from samphan.commerce.models import ProductCategory  # used only here

    require(actor, Perm.CHANNEL_MANAGE)
    sku, name_th, name_en = sku.strip(), " ".join(name_th.split()), " ".join(name_en.split())
    if not sku:
        raise ApplicationError("sku_required", _("Enter a SKU."), {"field": "sku"}, status=422)
    if len(sku) > 64:
        raise ApplicationError("too_long", _("This is too long."), {"field": "sku"}, status=422)
    if not name_th:
        raise ApplicationError(
            "product_name_required",
            _("Enter the product's name."),
            {"field": "name_th"},
            status=422,
        )
    if len(name_th) > 200 or len(name_en) > 200:
        raise ApplicationError("too_long", _("This is too long."), {"field": "name_th"}, status=422)
    if price_satang < 0:
        raise ApplicationError(
            "invalid_price",
            _("A price cannot be negative."),
            {"field": "price_satang"},
            status=422,
        )
    if price_satang > MAX_SATANG:
        raise _amount_too_large("price_satang")
    if (
        category_id is not None
        and not ProductCategory.objects.filter(workspace=actor.workspace, pk=category_id).exists()
    ):
        raise ApplicationError(
            "category_not_found",
            _("Product category not found."),
            {"field": "category_id"},
            status=422,
        )
    try:
        with transaction.atomic():
            return Product.objects.create(
                workspace=actor.workspace,
                sku=sku,
                name_th=name_th,
                name_en=name_en,
                price_satang=price_satang,
                category_id=category_id,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            "sku_exists",
            _("A product with the SKU “%(sku)s” already exists.") % {"sku": sku},
            {"field": "sku"},
            status=409,
        ) from exc


# --- refunds, cancellations and returns --------------------------------------------------------

# A paid order may become one of these; every other status is final (docs/permissions.md says why).
ORDER_STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PAID: frozenset(
        {OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED}
    ),
}
ORDER_STATUS_REASON_MAX = 500


@dataclass(frozen=True)
class OrderStatusResult:
    order: Order
    changed: bool


def order_status_targets(*, actor: Actor, order: Order) -> list[str]:
    """The statuses ``actor`` may move ``order`` to now, in display order (empty: none).

    ``order.refund`` allows every transition; ``order.cancel`` alone allows only cancelling an
    order placed today (Asia/Bangkok), the counter-mistake case.
    """
    allowed = ORDER_STATUS_TRANSITIONS.get(order.status, frozenset())
    if actor.can(Perm.ORDER_REFUND):
        return [s for s in OrderStatus.values if s in allowed]
    if actor.can(Perm.ORDER_CANCEL) and OrderStatus.CANCELLED in allowed and _placed_today(order):
        return [OrderStatus.CANCELLED]
    return []


def _placed_today(order: Order) -> bool:
    return timezone.localdate(order.placed_at) == timezone.localdate()


def order_status_change_check(*, actor: Actor, order: Order, status: str, reason: str) -> str:
    """Raise the error ``order_status_change`` would raise for this request, else return the
    reason, cleaned. Lets a page check its form before asking the user to confirm."""
    from samphan.core.errors import PermissionDenied  # only needed here

    if status not in OrderStatus.values:
        raise ApplicationError(
            "invalid_status", _("Unknown order status."), {"field": "status"}, status=422
        )
    if status != OrderStatus.CANCELLED:
        require(actor, Perm.ORDER_REFUND)
    reason = " ".join(reason.split())
    if not reason:
        raise ApplicationError(
            "reason_required",
            _("Give a reason, e.g. wrong item keyed in or the customer brought it back."),
            {"field": "reason"},
            status=422,
        )
    if len(reason) > ORDER_STATUS_REASON_MAX:
        raise ApplicationError(
            "too_long",
            _("Keep the reason under %(max)s characters.") % {"max": ORDER_STATUS_REASON_MAX},
            {"field": "reason"},
            status=422,
        )
    if status == order.status:
        return reason
    if status not in ORDER_STATUS_TRANSITIONS.get(order.status, frozenset()):
        raise ApplicationError(
            "invalid_status_change",
            _("Only a paid order can be cancelled, refunded or returned (this one is: %(status)s).")
            % {"status": OrderStatus(order.status).label},
            {"field": "status", "from": order.status, "to": status},
            status=409,
        )
    if status not in order_status_targets(actor=actor, order=order):
        raise PermissionDenied(
            "cancel_today_only",
            _(
                "Counter staff can cancel only sales placed today. Ask the owner or a manager "
                "to cancel or refund this order."
            ),
            {"permission": Perm.ORDER_REFUND.value, "role": actor.role},
        )
    return reason


def order_status_change(
    *,
    actor: Actor,
    order_id: int,
    status: str,
    reason: str,
    ip: str | None = None,
) -> OrderStatusResult:
    """Cancel, refund or mark returned a paid order, giving a reason.

    In one transaction: the order's status, an ``order.status_changed`` timeline event with the
    reason (when the order has a customer), an audit entry, and the customer's purchase summary
    and lifecycle stage recomputed from the orders still paid. Asking for the status the order
    already has writes nothing (``changed=False``), so a retry or a double submit is safe.
    """
    if not actor.can(Perm.ORDER_CANCEL):
        require(actor, Perm.ORDER_REFUND)
    with transaction.atomic():
        # order_list applies the branch scope: another branch's order is a 404 for limited staff.
        order = (
            order_list(actor=actor)
            .select_related(None)
            .select_for_update()
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            raise NotFound("order_not_found", _("Order not found."))
        reason = order_status_change_check(actor=actor, order=order, status=status, reason=reason)
        if status == order.status:
            return OrderStatusResult(order=order, changed=False)
        old_status = order.status
        order.status = status
        order.save(update_fields=["status"])
        publish(
            OrderStatusChanged(
                workspace_id=actor.workspace.pk,
                customer_id=order.customer_id,
                actor=actor,
                order_id=order.pk,
                number=order.number,
                old_status=old_status,
                new_status=status,
                total_satang=order.total_satang,
                reason=reason,
            )
        )
        audit_record(
            action="order.status_changed",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=order.number,
            ip=ip,
            data={
                "order_id": order.pk,
                "number": order.number,
                "customer_id": order.customer_id,
                "from": old_status,
                "to": status,
                "total_satang": order.total_satang,
                "reason": reason,
            },
        )
    return OrderStatusResult(order=order, changed=True)
