"""Analytics' panel on the customer page: the customer's RFM segment, predicted value and chance
of still being a customer, from the last recompute."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from samphan.analytics.selectors import customer_metrics_get
from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel


def customer_analytics(actor: Actor, customer: Customer) -> dict[str, Any]:
    metrics = customer_metrics_get(workspace=actor.workspace, customer_id=customer.pk)
    return {"metrics": metrics}


register_panel(
    key="analytics",
    title=gettext_lazy("Analytics"),
    template="analytics/panels/customer.html",
    context=customer_analytics,
    order=10,
    column="more",
    perm=Perm.ANALYTICS_VIEW,
)
