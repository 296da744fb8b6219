"""Writes for workspaces, branches, members and API keys. Each checks the actor's role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import ApiKey, Branch, Membership, User, Workspace
from samphan.core.roles import Perm, Role

API_KEY_PREFIX = "sk_"


def workspace_create(*, name: str, owner: User) -> Workspace:
    """A new business with its creator as owner."""
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name)
        Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        audit_record(action="workspace.created", workspace=workspace, actor=owner, target=name)
    return workspace


def workspace_update(
    *,
    actor: Actor,
    name: str,
    currency: str,
    timezone_name: str,
    money_decimals: bool,
) -> Workspace:
    require(actor, Perm.WORKSPACE_EDIT)
    workspace = actor.workspace
    workspace.name = name.strip()
    workspace.currency = currency
    workspace.timezone = timezone_name
    workspace.money_decimals = money_decimals
    workspace.full_clean()
    workspace.save()
    return workspace


def branch_create(*, actor: Actor, name: str, code: str = "", province: str = "") -> Branch:
    require(actor, Perm.BRANCH_MANAGE)
    name = name.strip()
    if not name:
        raise ApplicationError("branch_name_required", _("Enter a branch name."), {"field": "name"})
    try:
        with transaction.atomic():
            return Branch.objects.create(
                workspace=actor.workspace, name=name, code=code.strip(), province=province
            )
    except IntegrityError as exc:
        raise ApplicationError(
            "branch_exists",
            _("A branch named “%(name)s” already exists.") % {"name": name},
            {"field": "name"},
            status=409,
        ) from exc


def branch_update(
    *, actor: Actor, branch_id: int, name: str, code: str, province: str, is_active: bool
) -> Branch:
    require(actor, Perm.BRANCH_MANAGE)
    branch = Branch.objects.filter(workspace=actor.workspace, pk=branch_id).first()
    if branch is None:
        raise NotFound("branch_not_found", _("Branch not found."))
    branch.name, branch.code, branch.province = name.strip(), code.strip(), province
    branch.is_active = is_active
    try:
        with transaction.atomic():
            branch.save()
    except IntegrityError as exc:
        raise ApplicationError(
            "branch_exists", _("A branch with that name already exists."), status=409
        ) from exc
    return branch


def member_add(
    *,
    actor: Actor,
    email: str,
    role: str,
    branch_ids: list[int] | None = None,
    ip: str | None = None,
    name: str = "",
) -> tuple[Membership, bool]:
    """Add a person to the workspace. Returns (membership, user_was_created).

    A new user gets an unusable password and ``name`` ("first last", as the inviter typed it);
    the caller sends them a password-set link. An existing user keeps the name they chose.
    """
    require(actor, Perm.MEMBER_MANAGE)
    if role not in Role.values:
        raise ApplicationError("invalid_role", _("Unknown role."), {"field": "role"})
    email = User.objects.normalize_email(email.strip()).lower()
    if "@" not in email:
        raise ApplicationError("invalid_email", _("Enter a valid email."), {"field": "email"})
    with transaction.atomic():
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_unusable_password()
            user.first_name, _sep, user.last_name = " ".join(name.split()).partition(" ")
            user.save(update_fields=["password", "first_name", "last_name"])
        if Membership.objects.filter(workspace=actor.workspace, user=user).exists():
            raise ApplicationError(
                "member_exists", _("%(email)s is already a member.") % {"email": email}, status=409
            )
        membership = Membership.objects.create(workspace=actor.workspace, user=user, role=role)
        _set_branches(membership, branch_ids or [])
        audit_record(
            action="member.added",
            workspace=actor.workspace,
            actor=actor.user,
            target=email,
            ip=ip,
            data={"role": role, "branches": sorted(branch_ids or [])},
        )
    return membership, created


def _set_branches(membership: Membership, branch_ids: list[int]) -> None:
    branches = list(Branch.objects.filter(workspace=membership.workspace, pk__in=branch_ids))
    if len(branches) != len(set(branch_ids)):
        raise ApplicationError("branch_not_found", _("Branch not found."), {"field": "branches"})
    membership.branches.set(branches)


def member_set_role(
    *,
    actor: Actor,
    membership_id: int,
    role: str,
    branch_ids: list[int] | None = None,
    ip: str | None = None,
) -> Membership:
    require(actor, Perm.MEMBER_MANAGE)
    if role not in Role.values:
        raise ApplicationError("invalid_role", _("Unknown role."), {"field": "role"})
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(workspace=actor.workspace, pk=membership_id)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise NotFound("member_not_found", _("Member not found."))
        old_role = membership.role
        if old_role == Role.OWNER and role != Role.OWNER:
            owners = Membership.objects.filter(workspace=actor.workspace, role=Role.OWNER)
            if owners.count() <= 1:
                raise ApplicationError(
                    "last_owner", _("A workspace needs at least one owner."), {"field": "role"}
                )
        membership.role = role
        membership.save(update_fields=["role"])
        _set_branches(membership, branch_ids or [])
        audit_record(
            action="member.role_changed",
            workspace=actor.workspace,
            actor=actor.user,
            target=membership.user.email,
            ip=ip,
            data={"from": old_role, "to": role, "branches": sorted(branch_ids or [])},
        )
    return membership


def member_remove(*, actor: Actor, membership_id: int, ip: str | None = None) -> None:
    require(actor, Perm.MEMBER_MANAGE)
    with transaction.atomic():
        membership = (
            Membership.objects.filter(workspace=actor.workspace, pk=membership_id)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise NotFound("member_not_found", _("Member not found."))
        if membership.role == Role.OWNER and (
            Membership.objects.filter(workspace=actor.workspace, role=Role.OWNER).count() <= 1
        ):
            raise ApplicationError("last_owner", _("A workspace needs at least one owner."))
        membership.delete()
        audit_record(
            action="member.removed",
            workspace=actor.workspace,
            actor=actor.user,
            target=membership.user.email,
            ip=ip,
        )


def user_set_year_style(*, user: User, year_style: str) -> User:
    """Buddhist Era or Common Era years on every page, export and date input ("auto": BE in
    Thai, CE in English)."""
    if year_style not in {"auto", "be", "ce"}:
        raise ApplicationError("invalid_year_style", _("Unknown year style."), {"field": "years"})
    user.year_style = year_style
    user.save(update_fields=["year_style"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    if language not in {"th", "en"}:
        raise ApplicationError("invalid_language", _("Unknown language."), {"field": "language"})
    user.language = language
    user.save(update_fields=["language"])
    return user


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str  # shown once, never stored


def api_key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, actor: Actor, name: str, scope: str, ip: str | None = None, actor_label: str = ""
) -> NewApiKey:
    """A new key; its secret is in the result only (just a digest is stored). ``actor_label``
    names who acted in the audit log when no user did (``samphan apikey``)."""
    require(actor, Perm.APIKEY_MANAGE)
    if scope not in ApiKey.Scope.values:
        raise ApplicationError("invalid_scope", _("Unknown scope."), {"field": "scope"})
    name = name.strip() or _("API key")
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            workspace=actor.workspace,
            name=name,
            prefix=prefix,
            digest=api_key_digest(secret),
            scope=scope,
            created_by=actor.user,
        )
        audit_record(
            action="apikey.created",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor_label,
            target=f"{name} ({prefix})",
            ip=ip,
            data={"scope": scope},
        )
    return NewApiKey(key=key, secret=secret)


def api_key_revoke(
    *, actor: Actor, key_id: int, ip: str | None = None, actor_label: str = ""
) -> ApiKey:
    require(actor, Perm.APIKEY_MANAGE)
    key = ApiKey.objects.filter(workspace=actor.workspace, pk=key_id).first()
    if key is None:
        raise NotFound("apikey_not_found", _("API key not found."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            action="apikey.revoked",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor_label,
            target=f"{key.name} ({key.prefix})",
            ip=ip,
        )
    return key


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The active key matching ``secret``, or None. Constant-time digest comparison."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    prefix = secret[len(API_KEY_PREFIX) :].split("_", 1)[0]
    key = ApiKey.objects.select_related("workspace").filter(prefix=prefix).first()
    if key is None or key.revoked_at is not None:
        return None
    if not secrets.compare_digest(key.digest, api_key_digest(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
