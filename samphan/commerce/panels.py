"""Commerce's panel on the customer page: the customer's latest orders."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from samphan.commerce.selectors import order_list
from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel

RECENT_ORDERS = 5


def recent_orders(actor: Actor, customer: Customer) -> dict[str, Any]:
    orders = order_list(actor=actor).filter(customer=customer).order_by("-placed_at", "-pk")
    return {"orders": list(orders[:RECENT_ORDERS])}


register_panel(
    key="orders",
    title=gettext_lazy("Recent orders"),
    template="commerce/panels/orders.html",
    context=recent_orders,
    order=10,
    column="side",
    perm=Perm.ORDER_VIEW,
)
