"""The main navigation and the settings sections, each with the permission that shows it.

``url_name`` is a full view name (``namespace:name``), so an app that builds its own pages
(``customers:list``) takes its item by naming its own view here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samphan.core.access import Actor
from samphan.core.roles import Perm

_SETTINGS_PAGES = (
    "web:settings",
    "web:branch_",
    "web:channel_",
    "web:member_",
    "web:apikey_",
    "web:audit_",
    "privacy:",
    "messaging:line_",
    "sla:",
)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    perm: Perm
    icon: str
    # View-name prefixes that also highlight this item (its sub-pages).
    section: tuple[str, ...] = ()
    # Shown in the phone's bottom bar (the rest are under "More").
    primary: bool = False


MAIN_NAV: tuple[NavItem, ...] = (
    NavItem("web:dashboard", _("Dashboard"), Perm.DASHBOARD_VIEW, "home", primary=True),
    # Customer 360 pages live in the customers app.
    NavItem("customers:list", _("Customers"), Perm.CUSTOMER_VIEW, "users", ("customers:",), True),
    NavItem(
        "commerce:sale_new", _("Quick sale"), Perm.ORDER_CREATE, "shop", ("commerce:sale",), True
    ),
    NavItem(
        "customers:tasks", _("Follow-ups"), Perm.CUSTOMER_VIEW, "list", ("customers:task",), True
    ),
    NavItem("imports:import_list", _("Imports"), Perm.CUSTOMER_EDIT, "list", ("imports:",)),
    NavItem("segments:list", _("Segments"), Perm.SEGMENT_MANAGE, "segments", ("segments:",)),
    NavItem(
        "analytics:index", _("Analytics"), Perm.ANALYTICS_VIEW, "chart", ("analytics:", "text:")
    ),
    NavItem("coupons:list", _("Coupons"), Perm.COUPON_MANAGE, "star", ("coupons:",)),
    # The counter screen for staff; owners and managers reach the programme and liability
    # from it.
    NavItem("loyalty:counter", _("Loyalty"), Perm.LOYALTY_REDEEM, "gift", ("loyalty:",)),
    NavItem(
        "messaging:campaign_list",
        _("Campaigns"),
        Perm.CAMPAIGN_MANAGE,
        "send",
        ("messaging:campaign",),
    ),
    # Journeys that run themselves (samphan.automations).
    NavItem("automations:list", _("Automations"), Perm.CAMPAIGN_MANAGE, "send", ("automations:",)),
    # The service desk's ticket queue (samphan.service).
    NavItem("service:queue", _("Service"), Perm.TICKET_MANAGE, "chat", ("service:",)),
    # Surveys, results, relationship health and interviews (samphan.feedback).
    NavItem("feedback:index", _("Feedback"), Perm.FEEDBACK_MANAGE, "star", ("feedback:",)),
    NavItem("web:settings", _("Settings"), Perm.SETTINGS_VIEW, "gear", _SETTINGS_PAGES),
)

SETTINGS_NAV: tuple[NavItem, ...] = (
    NavItem("web:settings_profile", _("Shop profile"), Perm.WORKSPACE_EDIT, "shop"),
    NavItem("web:branch_list", _("Branches"), Perm.BRANCH_MANAGE, "pin", ("web:branch_",)),
    NavItem(
        "web:channel_list", _("Sales channels"), Perm.CHANNEL_MANAGE, "send", ("web:channel_",)
    ),
    NavItem("web:member_list", _("Members"), Perm.MEMBER_MANAGE, "users", ("web:member_",)),
    NavItem("web:apikey_list", _("API keys"), Perm.APIKEY_MANAGE, "key", ("web:apikey_",)),
    NavItem("web:audit_log", _("Audit log"), Perm.AUDIT_VIEW, "list"),
    NavItem("privacy:overview", _("Privacy (PDPA)"), Perm.PRIVACY_MANAGE, "key", ("privacy:",)),
    # The shop's LINE Official Account and its webhook-events log (samphan.messaging).
    NavItem(
        "messaging:line_settings",
        _("LINE Official Account"),
        Perm.CHANNEL_MANAGE,
        "send",
        ("messaging:line_",),
    ),
    # Business calendars and SLA policies of the service desk (samphan.service.sla).
    NavItem("sla:settings", _("Service hours and SLA"), Perm.SLA_MANAGE, "list", ("sla:",)),
)


def visible(items: tuple[NavItem, ...], actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [item for item in items if actor.can(item.perm)]


def is_current(item: NavItem, view_name: str) -> bool:
    """Whether the page ``view_name`` (``namespace:name``) belongs to this item."""
    if not view_name:
        return False
    return view_name == item.url_name or view_name.startswith(item.section or (item.url_name,))
