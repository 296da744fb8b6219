"""Two-step sign-in (TOTP through django-allauth's mfa) required by a workspace's policy.

A shop can require it of every member, or of its owners and managers
(``Workspace.mfa_policy``). A member it applies to, in any of their shops, is sent to set it up
before anything else (``RequiredMfaMiddleware``) and cannot turn it off while it applies
(``MfaAdapter.can_delete_authenticator``).
"""

from __future__ import annotations

from collections.abc import Sequence

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError
from samphan.core.models import Membership, User, Workspace
from samphan.core.roles import MfaPolicy, Perm, Role

# Recovery codes alone are not a second step: they back up an app.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def _requiring_memberships(user_id: int) -> Q:
    return Q(user_id=user_id) & (
        Q(workspace__mfa_policy=MfaPolicy.EVERYONE)
        | Q(workspace__mfa_policy=MfaPolicy.MANAGERS, role__in=[Role.OWNER, Role.MANAGER])
    )


def mfa_required(user: User) -> bool:
    """Whether a shop ``user`` belongs to requires two-step sign-in of their role."""
    return Membership.objects.filter(_requiring_memberships(user.pk)).exists()


def _requires(membership: Membership) -> bool:
    """``_requiring_memberships`` for a membership already loaded with its workspace."""
    policy = membership.workspace.mfa_policy
    return policy == MfaPolicy.EVERYONE or (
        policy == MfaPolicy.MANAGERS and membership.role in (Role.OWNER, Role.MANAGER)
    )


def mfa_setup_missing(user: User, *, memberships: Sequence[Membership] | None = None) -> bool:
    """Required of ``user`` but not set up yet: one query, made on every signed-in request.
    Given ``user``'s memberships with their workspaces (the request has them), none when no
    shop of theirs requires it, as in most shops."""
    if memberships is not None:
        if not any(_requires(m) for m in memberships):
            return False
        return not Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()
    has_factor = Authenticator.objects.filter(user_id=OuterRef("user_id"), type__in=SECOND_FACTORS)
    return (
        Membership.objects.filter(_requiring_memberships(user.pk))
        .filter(~Exists(has_factor))
        .exists()
    )


def workspace_mfa_policy_set(*, actor: Actor, policy: str, ip: str | None = None) -> Workspace:
    """Change which members must sign in in two steps (audited)."""
    require(actor, Perm.MEMBER_MANAGE)
    if policy not in MfaPolicy.values:
        raise ApplicationError(
            "invalid_mfa_policy", _("Choose who must use two-step sign-in."), {"field": "policy"}
        )
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=actor.workspace.pk)
        before = workspace.mfa_policy
        if before == policy:
            return workspace
        workspace.mfa_policy = policy
        workspace.save(update_fields=["mfa_policy"])
        audit_record(
            action="workspace.mfa_policy_changed",
            workspace=workspace,
            actor=actor.user,
            target=workspace.name,
            ip=ip,
            data={"from": before, "to": policy},
        )
    actor.workspace.mfa_policy = policy
    return workspace


def members_without_mfa(*, actor: Actor) -> set[int]:
    """Membership ids of the workspace's members who have no second step set up."""
    require(actor, Perm.MEMBER_MANAGE)
    has_factor = Authenticator.objects.filter(user_id=OuterRef("user_id"), type__in=SECOND_FACTORS)
    return set(
        Membership.objects.filter(workspace=actor.workspace)
        .filter(~Exists(has_factor))
        .values_list("pk", flat=True)
    )
