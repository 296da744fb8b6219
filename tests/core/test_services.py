import pytest

from samphan.core.access import actor_for_membership
from samphan.core.errors import ApplicationError, PermissionDenied
from samphan.core.models import ApiKey, AuditLog, Membership
from samphan.core.roles import MATRIX, Perm, Role
from samphan.core.services import (
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    branch_create,
    member_add,
    member_set_role,
    workspace_create,
)
from tests.factories import MembershipFactory, UserFactory


def test_workspace_create_makes_creator_owner(db: None) -> None:
    user = UserFactory()
    workspace = workspace_create(name="ร้านกาแฟ", owner=user)
    assert Membership.objects.get(workspace=workspace, user=user).role == Role.OWNER
    assert AuditLog.objects.filter(workspace=workspace, action="workspace.created").exists()


def test_api_key_secret_is_shown_once_and_stored_hashed(owner) -> None:  # type: ignore[no-untyped-def]
    new = api_key_create(actor=owner, name="POS", scope=ApiKey.Scope.READ)
    stored = ApiKey.objects.get(pk=new.key.pk)
    assert new.secret.startswith("sk_")
    assert new.secret not in (stored.digest, stored.prefix, stored.name)
    assert api_key_authenticate(new.secret) == stored
    assert api_key_authenticate(new.secret + "x") is None
    audit = AuditLog.objects.get(action="apikey.created")
    assert audit.actor == owner.user and audit.workspace == owner.workspace


def test_revoked_key_no_longer_authenticates(owner) -> None:  # type: ignore[no-untyped-def]
    new = api_key_create(actor=owner, name="POS", scope=ApiKey.Scope.READ_WRITE)
    api_key_revoke(actor=owner, key_id=new.key.pk)
    assert api_key_authenticate(new.secret) is None


@pytest.mark.parametrize("role", [Role.STAFF, Role.MARKETER, Role.SUPPORT, Role.MANAGER])
def test_only_owner_manages_api_keys_and_members(db: None, role: str) -> None:
    actor = actor_for_membership(MembershipFactory(role=role))
    with pytest.raises(PermissionDenied):
        api_key_create(actor=actor, name="x", scope=ApiKey.Scope.READ)
    with pytest.raises(PermissionDenied):
        member_add(actor=actor, email="new@example.com", role=Role.STAFF)


def test_staff_cannot_create_branches_but_manager_can(db: None) -> None:
    staff = actor_for_membership(MembershipFactory(role=Role.STAFF))
    with pytest.raises(PermissionDenied):
        branch_create(actor=staff, name="สาขาใหม่")
    manager = actor_for_membership(MembershipFactory(role=Role.MANAGER))
    assert branch_create(actor=manager, name="สาขาใหม่").workspace == manager.workspace


def test_duplicate_branch_name_is_a_clear_error(owner) -> None:  # type: ignore[no-untyped-def]
    branch_create(actor=owner, name="สาขาสยาม")
    with pytest.raises(ApplicationError) as err:
        branch_create(actor=owner, name="สาขาสยาม")
    assert err.value.code == "branch_exists" and err.value.status == 409


def test_role_change_is_audited_and_last_owner_protected(owner, owner_membership) -> None:  # type: ignore[no-untyped-def]
    membership, created = member_add(actor=owner, email="Staff@Example.com", role=Role.STAFF)
    assert created and membership.user.email == "staff@example.com"
    assert not membership.user.has_usable_password()
    member_set_role(actor=owner, membership_id=membership.pk, role=Role.MARKETER)
    audit = AuditLog.objects.get(action="member.role_changed")
    assert audit.data["from"] == Role.STAFF and audit.data["to"] == Role.MARKETER
    with pytest.raises(ApplicationError) as err:
        member_set_role(actor=owner, membership_id=owner_membership.pk, role=Role.STAFF)
    assert err.value.code == "last_owner"


def test_staff_can_be_limited_to_branches(owner) -> None:  # type: ignore[no-untyped-def]
    siam = branch_create(actor=owner, name="สยาม")
    branch_create(actor=owner, name="เชียงใหม่")
    membership, _ = member_add(
        actor=owner, email="counter@example.com", role=Role.STAFF, branch_ids=[siam.pk]
    )
    staff = actor_for_membership(membership)
    from samphan.core.selectors import branch_list

    assert [b.name for b in branch_list(actor=staff)] == ["สยาม"]


def test_cannot_assign_another_workspaces_branch(owner) -> None:  # type: ignore[no-untyped-def]
    other = actor_for_membership(MembershipFactory())
    foreign = branch_create(actor=other, name="ของคนอื่น")
    with pytest.raises(ApplicationError):
        member_add(actor=owner, email="x@example.com", role=Role.STAFF, branch_ids=[foreign.pk])


def test_permission_matrix_documented() -> None:
    """docs/permissions.md lists every permission with the same roles as the code."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    for perm in Perm:
        row = next((line for line in doc.splitlines() if f"`{perm.value}`" in line), None)
        assert row is not None, f"{perm.value} missing from docs/permissions.md"
        cells = [c.strip() for c in row.strip().strip("|").split("|")][2:]
        roles = [r.value for r in Role]
        granted = {roles[i] for i, c in enumerate(cells[: len(roles)]) if c == "✓"}
        assert granted == {r for r in roles if perm in MATRIX[r]}, perm.value
