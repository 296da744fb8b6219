"""Panels that other apps add to the customer page (Customer 360).

Customers sits below commerce, analytics and the apps still to come (docs/architecture.md) and
never imports them. An app that has something to show about a customer registers a panel from
its own module, imported in its ``AppConfig.ready``::

    register_panel(
        key="orders",
        title=gettext_lazy("Recent orders"),
        template="commerce/panels/orders.html",
        context=recent_orders,  # (actor, customer) -> the template's context, or None
        order=10,
        perm=Perm.ORDER_VIEW,
    )

The page shows every registered panel the actor may see, by ``order`` within its column, as a
card with the panel's title; ``context`` returning None leaves the panel out for that customer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString

from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer

# Where on the page: the narrow left column (contacts, consents), the main one (timeline), or
# the right one (profile, addresses). On a phone they stack in that order.
Column = Literal["side", "main", "more"]
COLUMNS: tuple[Column, ...] = ("side", "main", "more")

PanelContext = Callable[[Actor, Customer], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    key: str  # unique; the card's id on the page is "panel-<key>"
    title: Promise | str
    template: str
    context: PanelContext
    order: int = 100
    column: Column = "more"
    perm: Perm | None = None  # the role permission needed to see it


@dataclass(frozen=True)
class ShownPanel:
    key: str
    title: str
    html: SafeString
    column: Column


_PANELS: dict[str, Panel] = {}


def register_panel(
    *,
    key: str,
    title: Promise | str,
    template: str,
    context: PanelContext,
    order: int = 100,
    column: Column = "more",
    perm: Perm | None = None,
) -> Panel:
    """Add a panel to the customer page (see the module's docstring). A key is registered once."""
    if key in _PANELS:
        raise ValueError(f"Customer-page panel {key!r} is already registered.")
    if column not in COLUMNS:
        raise ValueError(f"Customer-page panel {key!r}: unknown column {column!r}.")
    panel = Panel(
        key=key,
        title=title,
        template=template,
        context=context,
        order=order,
        column=column,
        perm=perm,
    )
    _PANELS[key] = panel
    return panel


def unregister_panel(key: str) -> None:
    del _PANELS[key]


def registered_panels() -> list[Panel]:
    """Every registered panel, in page order."""
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def panels_render(
    *, request: HttpRequest, actor: Actor, customer: Customer
) -> dict[Column, list[ShownPanel]]:
    """The panels this actor sees for this customer, rendered, per column."""
    shown: dict[Column, list[ShownPanel]] = {column: [] for column in COLUMNS}
    for panel in registered_panels():
        if panel.perm is not None and not actor.can(panel.perm):
            continue
        context = panel.context(actor, customer)
        if context is None:
            continue
        html = render_to_string(
            panel.template, {**context, "customer": customer, "actor": actor}, request=request
        )
        shown[panel.column].append(
            ShownPanel(key=panel.key, title=str(panel.title), html=html, column=panel.column)
        )
    return shown
