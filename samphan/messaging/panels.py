"""Messaging's panel on the customer page: the customer's LINE account, and a one-time code to
link it when it is not linked yet."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel
from samphan.messaging.selectors import line_link_state


def line_panel(actor: Actor, customer: Customer) -> dict[str, Any] | None:
    state = line_link_state(actor=actor, customer=customer)
    if not state.line_user_ids and not state.channel_ready:
        return None  # no LINE account linked and none to link to: nothing to say
    return {"line": state, "can_link": actor.can(Perm.CUSTOMER_EDIT) and state.channel_ready}


register_panel(
    key="line",
    title=gettext_lazy("LINE"),
    template="messaging/panels/line.html",
    context=line_panel,
    order=40,
    column="side",
    perm=Perm.CUSTOMER_VIEW,
)
