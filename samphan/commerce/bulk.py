"""Bulk writes of orders, for imports and the seeder: the rules and events of ``order_create``
and ``order_status_change``, for a whole file at once.

Orders and their lines (the tables that grow with a file) are written through a
:class:`samphan.core.bulk.RowSink` as plain tuples; ``order.placed`` and
``order.status_changed`` events are published a batch at a time, so the purchase summary and
lifecycle subscriber (commerce/subscribers.py) refreshes the batch's customers in one pass.
Call inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from samphan.commerce.events import OrderPlaced, OrderStatusChanged
from samphan.commerce.models import Order, OrderLine, Product, SalesChannel
from samphan.core.access import Actor, require
from samphan.core.bulk import BulkTable, RowSink
from samphan.core.errors import ApplicationError
from samphan.core.models import Branch
from samphan.core.roles import Perm
from samphan.customers.bulk import events_publish
from samphan.timeline.registry import DomainEvent

ORDER_BATCH = 2000
# Orders per publish: the purchase summary subscriber refreshes a publish's customers together,
# so larger sets refresh a customer with orders in several batches fewer times.
EVENT_BATCH = 10000
CHUNK = 500
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class LineRow:
    sku: str
    name: str
    quantity: int
    unit_price_satang: int


@dataclass(frozen=True, slots=True)
class OrderInput:
    channel_id: int
    number: str
    placed_at: dt.datetime
    status: str
    lines: Sequence[LineRow]
    customer_id: int | None = None
    branch_id: int | None = None
    external_id: str | None = None
    payment_method: str = ""
    coupon_code: str = ""
    discount_satang: int = 0
    shipping_satang: int = 0
    # What the buyer paid when the source gives it; else subtotal − discount + shipping.
    total_satang: int | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    order_id: int
    status: str


def _channels_check(actor: Actor, channel_ids: set[int]) -> dict[int, SalesChannel]:
    """The channels, which must be the workspace's and active."""
    channels = {
        c.pk: c for c in SalesChannel.objects.filter(workspace=actor.workspace, pk__in=channel_ids)
    }
    for pk in sorted(channel_ids):
        channel = channels.get(pk)
        if channel is None:
            raise ApplicationError(
                "channel_not_found",
                _("Sales channel not found."),
                {"field": "channel_id"},
                status=422,
            )
        if not channel.is_active:
            raise ApplicationError(
                "channel_inactive",
                _("The sales channel “%(name)s” is switched off.") % {"name": channel.name},
                {"field": "channel_id"},
                status=422,
            )
    return channels


def _branches_check(actor: Actor, branch_ids: set[int]) -> None:
    """The branches must be the workspace's, and one of the actor's when they are limited."""
    if not branch_ids:
        return
    found = set(
        Branch.objects.filter(workspace=actor.workspace, pk__in=branch_ids).values_list(
            "pk", flat=True
        )
    )
    for pk in branch_ids:
        if pk not in found or (actor.branch_limited() and pk not in actor.branch_ids):
            raise ApplicationError(
                "branch_not_found", _("Branch not found."), {"field": "branch_id"}, status=422
            )


def orders_bulk_record(
    *,
    actor: Actor,
    sink: RowSink,
    orders: Sequence[OrderInput],
    progress: Progress | None = None,
) -> list[int]:
    """Record new orders with their lines (linked to the catalogue product of their SKU) and an
    ``order.placed`` event each, as ``order_create`` does. Returns the new ids, in order."""
    require(actor, Perm.ORDER_CREATE)
    workspace_id = actor.workspace.pk
    channels = _channels_check(actor, {o.channel_id for o in orders})
    _branches_check(actor, {o.branch_id for o in orders if o.branch_id is not None})
    skus = sorted({line.sku for o in orders for line in o.lines if line.sku})
    products: dict[str, int] = {}
    for start in range(0, len(skus), CHUNK):
        products.update(
            Product.objects.filter(
                workspace_id=workspace_id, sku__in=skus[start : start + CHUNK]
            ).values_list("sku", "pk")
        )
    user_id = actor.user.pk if actor.user is not None and actor.user.pk else None
    ids = sink.reserve_ids(Order, len(orders))
    table = BulkTable(
        sink,
        Order,
        ("id", "workspace_id", "customer_id", "channel_id", "branch_id", "number", "external_id",
         "status", "placed_at", "staff_id", "payment_method", "coupon_code", "subtotal_satang",
         "discount_satang", "shipping_satang", "total_satang"),
    )  # fmt: skip
    lines = BulkTable(
        sink,
        OrderLine,
        ("workspace_id", "order_id", "product_id", "sku", "name", "quantity",
         "unit_price_satang", "line_total_satang"),
    )  # fmt: skip
    events: list[DomainEvent] = []
    for done, (order, pk) in enumerate(zip(orders, ids, strict=True), 1):
        subtotal = sum(line.quantity * line.unit_price_satang for line in order.lines)
        discount, shipping = order.discount_satang, order.shipping_satang
        total = order.total_satang
        if total is None:
            total = subtotal - discount + shipping
        table.add(
            pk, workspace_id, order.customer_id, order.channel_id, order.branch_id, order.number,
            order.external_id, order.status, sink.datetime(order.placed_at), user_id,
            order.payment_method, order.coupon_code, subtotal, discount, shipping, total,
        )  # fmt: skip
        for line in order.lines:
            lines.add(
                workspace_id, pk, products.get(line.sku), line.sku, line.name, line.quantity,
                line.unit_price_satang, line.quantity * line.unit_price_satang,
            )  # fmt: skip
        events.append(
            OrderPlaced(
                workspace_id=workspace_id, customer_id=order.customer_id, actor=actor,
                order_id=pk, number=order.number, total_satang=total,
                channel=channels[order.channel_id].name, status=order.status,
                occurred_at=order.placed_at,
            )
        )  # fmt: skip
        if len(table.rows) >= ORDER_BATCH:
            table.flush()
            lines.flush()
            if len(events) >= EVENT_BATCH:
                events_publish(events, sink)  # their orders are written: subscribers read them
            if progress is not None:
                progress(done)
    table.flush()
    lines.flush()
    events_publish(events, sink)
    if progress is not None:
        progress(len(ids))
    return ids


def order_statuses_bulk_change(
    *, actor: Actor, sink: RowSink, changes: Sequence[StatusChange]
) -> int:
    """Set the status of existing orders (of the actor's branches, when limited), each change
    with an ``order.status_changed`` event. Returns the number of orders changed."""
    require(actor, Perm.ORDER_CREATE)
    workspace_id = actor.workspace.pk
    wanted = {c.order_id: c.status for c in changes}
    ids = sorted(wanted)
    changed = 0
    for start in range(0, len(ids), ORDER_BATCH):
        batch = ids[start : start + ORDER_BATCH]
        orders = list(
            Order.objects.filter(workspace_id=workspace_id, pk__in=batch).values_list(
                "pk", "customer_id", "branch_id", "number", "status", "total_satang"
            )
        )
        if len(orders) != len(batch):
            raise ApplicationError("order_not_found", _("Order not found."), status=422)
        _branches_check(actor, {o[2] for o in orders if o[2] is not None})
        by_status: dict[str, list[int]] = {}
        events: list[DomainEvent] = []
        for pk, customer_id, _branch, number, old, total in orders:
            new = wanted[pk]
            if new == old:
                continue
            by_status.setdefault(new, []).append(pk)
            events.append(
                OrderStatusChanged(
                    workspace_id=workspace_id, customer_id=customer_id, actor=actor, order_id=pk,
                    number=number, old_status=old, new_status=new, total_satang=total,
                )
            )  # fmt: skip
        for status, pks in by_status.items():
            for i in range(0, len(pks), CHUNK):
                Order.objects.filter(workspace_id=workspace_id, pk__in=pks[i : i + CHUNK]).update(
                    status=status
                )
        changed += len(events)
        events_publish(events, sink)
    return changed
