"""Who may do what in which workspace. Services call ``require`` before they act."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from samphan.core.errors import PermissionDenied
from samphan.core.models import Membership, User, Workspace
from samphan.core.roles import Perm, Role, role_has


@dataclass(frozen=True)
class Actor:
    """The acting party: a member (user + role) or an API key with its scope."""

    workspace: Workspace
    role: str
    user: User | None = None
    branch_ids: frozenset[int] = field(default_factory=frozenset)
    api_key_id: int | None = None
    read_only: bool = False

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        return f"api-key:{self.api_key_id}"

    def can(self, perm: Perm) -> bool:
        return role_has(self.role, perm)

    def branch_limited(self) -> bool:
        """Counter staff limited to some branches see only those branches' data."""
        return bool(self.branch_ids)


def actor_for_membership(membership: Membership) -> Actor:
    return Actor(
        workspace=membership.workspace,
        role=membership.role,
        user=membership.user,
        branch_ids=frozenset(b.pk for b in membership.branches.all()),
    )


def actor_for_api_key(*, workspace: Workspace, api_key_id: int, read_only: bool) -> Actor:
    # An integration acts like a manager within its scope.
    return Actor(workspace=workspace, role=Role.MANAGER, api_key_id=api_key_id, read_only=read_only)


def require(actor: Actor, perm: Perm) -> None:
    if not actor.can(perm):
        raise PermissionDenied(
            "permission_denied",
            _("Your role does not allow this action (%(perm)s).") % {"perm": perm.value},
            {"permission": perm.value, "role": actor.role},
        )
