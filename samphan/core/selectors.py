"""Reads for workspaces, branches, members, keys and the audit log; always workspace-scoped."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.models import ApiKey, AuditLog, Branch, Membership, User
from samphan.core.roles import Perm


def memberships_for_user(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("workspace")
        .prefetch_related("branches")
        .order_by("workspace__name")
    )


def branch_list(*, actor: Actor, active_only: bool = False) -> QuerySet[Branch]:
    qs = Branch.objects.filter(workspace=actor.workspace)
    if active_only:
        qs = qs.filter(is_active=True)
    if actor.branch_limited():
        qs = qs.filter(pk__in=actor.branch_ids)
    return qs


def branch_get(*, actor: Actor, branch_id: int) -> Branch:
    branch = branch_list(actor=actor).filter(pk=branch_id).first()
    if branch is None:
        raise NotFound("branch_not_found", _("Branch not found."))
    return branch


def member_list(*, actor: Actor) -> QuerySet[Membership]:
    require(actor, Perm.SETTINGS_VIEW)
    return (
        Membership.objects.filter(workspace=actor.workspace)
        .select_related("user")
        .prefetch_related("branches")
        .order_by("user__email")
    )


def member_get(*, actor: Actor, membership_id: int) -> Membership:
    membership = member_list(actor=actor).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("member_not_found", _("Member not found."))
    return membership


def api_key_list(*, actor: Actor) -> QuerySet[ApiKey]:
    require(actor, Perm.APIKEY_MANAGE)
    return ApiKey.objects.filter(workspace=actor.workspace).select_related("created_by")


def api_key_get(*, actor: Actor, key_id: int) -> ApiKey:
    key = api_key_list(actor=actor).filter(pk=key_id).first()
    if key is None:
        raise NotFound("apikey_not_found", _("API key not found."))
    return key


def audit_list_with_logins(*, actor: Actor) -> QuerySet[AuditLog]:
    """The workspace's audit rows plus sign-in events of its current members.

    Authentication events (``auth.*``) are recorded without a workspace because a person may
    belong to several; each of their workspaces' owners sees them. Failed logins carry no user,
    only the email typed, so they are matched on that label.
    """
    require(actor, Perm.AUDIT_VIEW)
    members = Membership.objects.filter(workspace=actor.workspace)
    return (
        AuditLog.objects.filter(
            Q(workspace=actor.workspace)
            | Q(
                workspace__isnull=True,
                action__startswith="auth.",
                actor_id__in=members.values("user_id"),
            )
            | Q(
                workspace__isnull=True,
                action="auth.login_failed",
                actor__isnull=True,
                actor_label__in=members.values("user__email"),
            )
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
