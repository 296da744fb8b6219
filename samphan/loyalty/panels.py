"""Loyalty's panel on the customer page: points available, pending and owed, and when the
next points expire."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel
from samphan.loyalty.selectors import account_view, ledger_list

RECENT_ENTRIES = 5


def points_panel(actor: Actor, customer: Customer) -> dict[str, Any]:
    return {
        "account": account_view(actor=actor, customer_id=customer.pk, customer=customer),
        "entries": list(
            ledger_list(actor=actor, customer_id=customer.pk, customer=customer)[:RECENT_ENTRIES]
        ),
        "can_adjust": actor.can(Perm.LOYALTY_MANAGE),
    }


register_panel(
    key="loyalty",
    title=gettext_lazy("Points"),
    template="loyalty/panels/points.html",
    context=points_panel,
    order=5,
    column="side",
    perm=Perm.CUSTOMER_VIEW,
)
