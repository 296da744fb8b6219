"""Factories for commerce: channels, products and orders. An order is recorded through
``commerce.services.order_create`` (lines, totals, number, the ``order.placed`` event and the
customer's purchase summary), as the quick sale, the API and the imports record one."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from samphan.commerce.models import ChannelKind, Order, OrderStatus, Product, SalesChannel
from samphan.commerce.services import (
    NEW_ORDER_STATUSES,
    LineInput,
    order_create,
    order_status_change,
)
from samphan.core.access import Actor
from samphan.core.models import Branch, User, Workspace
from samphan.core.roles import Role
from samphan.customers.models import Customer
from tests.core.factories import WorkspaceFactory
from tests.customers.factories import CustomerFactory


class SalesChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesChannel

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = ChannelKind.STORE
    name = factory.Sequence(lambda n: f"หน้าร้าน {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    workspace = factory.SubFactory(WorkspaceFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name_th = "ชาไทย"
    price_satang = 6500


def line(
    product: Product | None = None,
    *,
    quantity: int = 1,
    unit_price_satang: int | None = None,
    name: str = "",
    sku: str = "",
) -> LineInput:
    """One order line; a product gives its name and price unless they are given."""
    if unit_price_satang is None:
        unit_price_satang = product.price_satang if product is not None else 6500
    return LineInput(
        name=name or (product.name_th if product is not None else "ชาไทย"),
        quantity=quantity,
        unit_price_satang=unit_price_satang,
        sku=sku,
        product_id=product.pk if product is not None else None,
    )


class OrderFactory(factory.django.DjangoModelFactory):
    """``OrderFactory(workspace=ws, customer=c, placed_at=…, total_satang=…, status=…)``.

    ``lines=[line(tea, quantity=2), …]`` gives the items; without them the order has one line
    ("ชาไทย", SKU-1) priced at ``subtotal_satang``, else ``total_satang``, else ฿130. A
    ``total_satang`` that differs from the lines' sum (after ``discount_satang`` and
    ``shipping_satang``) is reached with more discount or more shipping, as a shop would. The
    order is recorded by ``order_create`` acting as the workspace's owner (``staff``: that user);
    a refunded or returned order is recorded paid, then changed by ``order_status_change``, as a
    shop would; ``number`` empty lets the service number it. Given only a customer, the order is in the
    customer's workspace.
    """

    class Meta:
        model = Order

    workspace = factory.SubFactory(WorkspaceFactory)
    customer = factory.SubFactory(CustomerFactory, workspace=factory.SelfAttribute("..workspace"))
    channel = factory.SubFactory(
        SalesChannelFactory, workspace=factory.SelfAttribute("..workspace")
    )
    placed_at = factory.LazyFunction(timezone.now)
    status = OrderStatus.PAID
    number = ""
    lines = None
    total_satang = None
    subtotal_satang = None

    @classmethod
    def _create(
        cls,
        model_class: type[Order],
        *args: Any,
        workspace: Workspace,
        customer: Customer | None,
        channel: SalesChannel,
        lines: list[LineInput] | None,
        total_satang: int | None,
        subtotal_satang: int | None,
        branch: Branch | None = None,
        staff: User | None = None,
        discount_satang: int = 0,
        shipping_satang: int = 0,
        **kwargs: Any,
    ) -> Order:
        if customer is not None and customer.workspace_id != workspace.pk:
            # Only a customer was given: the workspace made for the order is not theirs.
            workspace = customer.workspace
            if channel.workspace_id != workspace.pk:
                channel = SalesChannelFactory(workspace=workspace)
        if lines is None:
            amount = next((a for a in (subtotal_satang, total_satang) if a is not None), 13000)
            lines = [LineInput(name="ชาไทย", quantity=1, unit_price_satang=amount, sku="SKU-1")]
        if total_satang is not None:
            subtotal = sum(x.quantity * x.unit_price_satang for x in lines)
            gap = subtotal - discount_satang + shipping_satang - total_satang
            discount_satang += max(gap, 0)
            shipping_satang += max(-gap, 0)
        actor = Actor(workspace=workspace, role=Role.OWNER, user=staff)
        status = kwargs.pop("status", OrderStatus.PAID)
        order = order_create(
            actor=actor,
            channel_id=channel.pk,
            customer_id=customer.pk if customer is not None else None,
            branch_id=branch.pk if branch is not None else None,
            lines=lines,
            discount_satang=discount_satang,
            shipping_satang=shipping_satang,
            status=status if status in NEW_ORDER_STATUSES else OrderStatus.PAID,
            **kwargs,
        ).order
        if status not in NEW_ORDER_STATUSES:
            order = order_status_change(
                actor=actor, order_id=order.pk, status=status, reason="factory"
            ).order
        return order
