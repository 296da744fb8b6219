"""Merging customers (and undoing a merge) is for owners and managers: counter staff and
support may edit customers but not merge them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import PermissionDenied
from samphan.core.models import Membership
from samphan.core.roles import Perm, Role, role_has
from samphan.customers.merge import customer_merge, merge_undo
from samphan.customers.models import Customer
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _member(owner: Actor, role: str) -> Membership:
    membership: Membership = MembershipFactory(workspace=owner.workspace, role=role)
    return membership


def test_only_owners_and_managers_have_the_permission() -> None:
    assert {r.value for r in Role if role_has(r, Perm.CUSTOMER_MERGE)} == {"owner", "manager"}
    assert role_has(Role.STAFF, Perm.CUSTOMER_EDIT)  # staff still edit customers


@pytest.mark.parametrize("role", [Role.STAFF, Role.SUPPORT, Role.MARKETER])
def test_staff_cannot_merge_or_undo(owner: Actor, role: str) -> None:
    actor = actor_for_membership(_member(owner, role))
    a, b = CustomerFactory(workspace=owner.workspace), CustomerFactory(workspace=owner.workspace)
    with pytest.raises(PermissionDenied):
        customer_merge(actor=actor, survivor_id=a.pk, merged_id=b.pk)
    log = customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    with pytest.raises(PermissionDenied):
        merge_undo(actor=actor, merge_id=log.pk)


def test_a_manager_merges_and_undoes(owner: Actor) -> None:
    manager = actor_for_membership(_member(owner, Role.MANAGER))
    a, b = CustomerFactory(workspace=owner.workspace), CustomerFactory(workspace=owner.workspace)
    log = customer_merge(actor=manager, survivor_id=a.pk, merged_id=b.pk)
    assert Customer.objects.get(pk=b.pk).merged_into_id == a.pk
    merge_undo(actor=manager, merge_id=log.pk)
    assert Customer.objects.get(pk=b.pk).merged_into_id is None


def test_staff_pages_offer_no_merge(owner: Actor) -> None:
    staff = _member(owner, Role.STAFF)
    a, b = CustomerFactory(workspace=owner.workspace), CustomerFactory(workspace=owner.workspace)
    client = Client()
    client.force_login(staff.user)
    url = reverse("customers:merge", kwargs={"survivor_id": a.pk, "merged_id": b.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    assert Customer.objects.get(pk=b.pk).merged_into_id is None
    log = customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    undo = reverse("customers:merge_undo", kwargs={"merge_id": log.pk})
    assert client.post(undo).status_code == 403
    assert undo not in client.get(reverse("customers:merge_log")).content.decode()
