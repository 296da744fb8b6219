"""Roles and the permission matrix (written down in docs/permissions.md; keep both in step)."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Counter staff")
    MARKETER = "marketer", _("Marketer")
    SUPPORT = "support", _("Support")


class Perm(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    CUSTOMER_VIEW = "customer.view"
    CUSTOMER_EDIT = "customer.edit"
    CUSTOMER_EXPORT = "customer.export"
    # Merging two customers (and undoing it) rewrites both histories: not for the counter.
    CUSTOMER_MERGE = "customer.merge"
    ORDER_VIEW = "order.view"
    ORDER_CREATE = "order.create"
    # A counter mistake: cancel a sale placed today (Bangkok), within the actor's branch scope.
    ORDER_CANCEL = "order.cancel"
    # Refund, cancel or mark returned any order, whenever it was placed.
    ORDER_REFUND = "order.refund"
    ANALYTICS_VIEW = "analytics.view"
    SEGMENT_MANAGE = "segment.manage"
    CAMPAIGN_MANAGE = "campaign.manage"
    TICKET_MANAGE = "ticket.manage"
    SETTINGS_VIEW = "settings.view"
    WORKSPACE_EDIT = "workspace.edit"
    BRANCH_MANAGE = "branch.manage"
    CHANNEL_MANAGE = "channel.manage"
    MEMBER_MANAGE = "member.manage"
    APIKEY_MANAGE = "apikey.manage"
    AUDIT_VIEW = "audit.view"
    # PDPA: data-subject requests, export and erasure of a person, retention, breaches.
    PRIVACY_MANAGE = "privacy.manage"
    # Loyalty: spend a member's points at the counter; change the programme, adjust points,
    # read the liability.
    LOYALTY_REDEEM = "loyalty.redeem"
    LOYALTY_MANAGE = "loyalty.manage"
    # Coupons: create campaigns and their codes; use a code on a sale at the counter.
    COUPON_MANAGE = "coupon.manage"
    COUPON_REDEEM = "coupon.redeem"
    # Service desk: change business calendars and SLA policies (everyone reads them).
    SLA_MANAGE = "sla.manage"
    # Feedback: build surveys, read their results and the relationship-health scorecard.
    FEEDBACK_MANAGE = "feedback.manage"


_ALL = frozenset(Perm)
_COMMON = frozenset({Perm.DASHBOARD_VIEW, Perm.CUSTOMER_VIEW, Perm.ORDER_VIEW})

MATRIX: dict[str, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    Role.MANAGER: _ALL - {Perm.MEMBER_MANAGE, Perm.APIKEY_MANAGE, Perm.WORKSPACE_EDIT},
    Role.STAFF: _COMMON
    | {
        Perm.CUSTOMER_EDIT,
        Perm.ORDER_CREATE,
        Perm.ORDER_CANCEL,
        Perm.TICKET_MANAGE,
        Perm.COUPON_REDEEM,
        Perm.LOYALTY_REDEEM,
    },
    Role.MARKETER: _COMMON
    | {
        Perm.ANALYTICS_VIEW,
        Perm.SEGMENT_MANAGE,
        Perm.CAMPAIGN_MANAGE,
        Perm.CUSTOMER_EXPORT,
        Perm.FEEDBACK_MANAGE,
    },
    Role.SUPPORT: _COMMON | {Perm.CUSTOMER_EDIT, Perm.TICKET_MANAGE},
}


def role_has(role: str, perm: Perm) -> bool:
    return perm in MATRIX.get(role, frozenset())


# A new member starts with the role that can do least; the owner raises it if needed.
LOWEST_ROLE = Role.SUPPORT
assert all(len(MATRIX[LOWEST_ROLE]) <= len(perms) for perms in MATRIX.values())


class MfaPolicy(models.TextChoices):
    """A workspace's rule for two-step sign-in (TOTP)."""

    OFF = "off", _("Each member chooses")
    MANAGERS = "managers", _("Required for owners and managers")
    EVERYONE = "everyone", _("Required for every member")


def mfa_required_for(policy: str, role: str) -> bool:
    if policy == MfaPolicy.EVERYONE:
        return True
    return policy == MfaPolicy.MANAGERS and role in (Role.OWNER, Role.MANAGER)
