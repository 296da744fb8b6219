"""What loyalty does when things happen: orders earn points when they are placed, and give
them back when they are refunded, returned or cancelled; new customers get the welcome bonus.
All in the transaction that changed the order, so points and orders never disagree."""

from __future__ import annotations

from collections.abc import Sequence

from samphan.commerce.events import OrderPlaced, OrderRefunded, OrderStatusChanged
from samphan.commerce.models import PAID_STATUS
from samphan.core.models import Workspace
from samphan.customers.events import CustomerCreated, CustomerMerged
from samphan.loyalty.services import (
    RefundLine,
    accounts_merge,
    bonus_credit,
    order_refund_reverse,
    order_void_reverse,
    orders_earn,
)
from samphan.timeline.registry import DomainEvent, Phase, subscriber

# Customers who arrive by a file or as demo data get no welcome bonus: they did not join.
WELCOME_SOURCES = frozenset({"manual", "api", "sale"})


@subscriber(OrderPlaced, phase=Phase.IN_TRANSACTION)
def points_earn(events: Sequence[DomainEvent]) -> None:
    ids = [
        e.order_id
        for e in events
        if isinstance(e, OrderPlaced)
        and e.status == PAID_STATUS
        and e.customer_id is not None
        and e.order_id is not None
    ]
    if ids:
        orders_earn(workspace_id=events[0].workspace_id, order_ids=ids)


@subscriber(OrderRefunded, phase=Phase.IN_TRANSACTION)
def points_reverse_refunded(events: Sequence[DomainEvent]) -> None:
    for e in events:
        if isinstance(e, OrderRefunded) and e.order_id is not None:
            order_refund_reverse(
                workspace_id=e.workspace_id,
                order_id=e.order_id,
                refund_id=e.refund_id,
                lines=[
                    RefundLine(line_id=int(line["line_id"]), quantity=int(line["quantity"]))
                    for line in e.lines
                ],
                refunded_total_satang=e.refunded_total_satang,
                total_satang=e.total_satang,
                reason=e.reason,
            )


@subscriber(OrderStatusChanged, phase=Phase.IN_TRANSACTION)
def points_reverse_voided(events: Sequence[DomainEvent]) -> None:
    for e in events:
        if (
            isinstance(e, OrderStatusChanged)
            and e.new_status != PAID_STATUS
            and e.order_id is not None
        ):
            order_void_reverse(workspace_id=e.workspace_id, order_id=e.order_id)


@subscriber(CustomerCreated, phase=Phase.IN_TRANSACTION)
def welcome_bonus(events: Sequence[DomainEvent]) -> None:
    chosen = [
        e.customer_id
        for e in events
        if isinstance(e, CustomerCreated)
        and e.source in WELCOME_SOURCES
        and e.customer_id is not None
    ]
    if not chosen:
        return
    workspace = Workspace.objects.get(pk=events[0].workspace_id)
    for customer_id in chosen:
        bonus_credit(
            workspace=workspace, customer_id=customer_id, source="welcome", marker="welcome"
        )


@subscriber(CustomerMerged, phase=Phase.IN_TRANSACTION)
def points_follow_merge(events: Sequence[DomainEvent]) -> None:
    for e in events:
        if isinstance(e, CustomerMerged) and e.customer_id is not None:
            accounts_merge(
                workspace_id=e.workspace_id,
                survivor_id=e.customer_id,
                merged_id=e.merged_customer_id,
            )
