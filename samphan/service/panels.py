"""The service desk's panel on the customer page: the customer's latest tickets."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel
from samphan.service.models import Ticket

RECENT_TICKETS = 5


def tickets_panel(actor: Actor, customer: Customer) -> dict[str, Any]:
    return {
        "tickets": list(
            Ticket.objects.filter(workspace=actor.workspace, customer=customer).order_by(
                "-opened_at", "-id"
            )[:RECENT_TICKETS]
        )
    }


register_panel(
    key="service",
    title=gettext_lazy("Tickets"),
    template="service/panels/tickets.html",
    context=tickets_panel,
    order=20,
    column="side",
    perm=Perm.TICKET_MANAGE,
)
