"""customers_bulk_create and contacts_bulk_add for customers with a history (the seeder's):
when they joined, what staff noted about them, checked as a profile edit checks it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.sink import RowSink
from samphan.customers.bulk import ContactInput, contacts_bulk_add, customers_bulk_create
from samphan.customers.events import CustomerCreated
from samphan.customers.models import ContactPoint, Customer
from samphan.timeline.models import TimelineEvent
from tests.factories import BranchFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

JOINED = dt.datetime(2025, 3, 8, 4, 15, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC)


def _create(owner: Actor, *customers: dict[str, Any]) -> list[int]:
    return customers_bulk_create(
        actor=owner, sink=RowSink(), customers=list(customers), now=NOW, source="seed"
    )


def test_a_customer_with_a_history_joined_when_they_say(owner: Actor) -> None:
    branch = BranchFactory(workspace=owner.workspace)
    old, new = _create(
        owner,
        {
            "first_name": "มาลี",
            "created_at": JOINED,
            "home_branch_id": branch.pk,
            "behaviour_type": "promotion_driven",
            "preferred_channel": "line",
        },
        {"first_name": "สมชาย"},
    )
    malee = Customer.objects.get(pk=old)
    assert malee.created_at == JOINED
    assert (malee.home_branch_id, malee.behaviour_type, malee.preferred_channel) == (
        branch.pk,
        "promotion_driven",
        "line",
    )
    somchai = Customer.objects.get(pk=new)
    assert somchai.created_at == NOW
    assert (somchai.home_branch_id, somchai.behaviour_type, somchai.preferred_channel) == (
        None,
        "",
        "",
    )
    created = dict(
        TimelineEvent.objects.filter(type=CustomerCreated.type).values_list(
            "customer_id", "occurred_at"
        )
    )
    assert created == {old: JOINED, new: NOW}


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"behaviour_type": "grumpy"}, "invalid_behaviour_type", "behaviour_type"),
        ({"preferred_channel": "pigeon"}, "invalid_channel", "preferred_channel"),
    ],
)
def test_noted_fields_must_be_among_the_choices(
    owner: Actor, values: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        _create(owner, {"first_name": "มาลี"}, {"first_name": "สมชาย", **values})
    assert caught.value.code == code
    assert caught.value.details["field"] == field
    assert not Customer.objects.exists()


def test_a_home_branch_must_be_the_workspaces(owner: Actor) -> None:
    elsewhere = BranchFactory(workspace=WorkspaceFactory())
    with pytest.raises(ApplicationError) as caught:
        _create(owner, {"first_name": "มาลี", "home_branch_id": elsewhere.pk})
    assert caught.value.code == "branch_not_found"
    assert caught.value.details["field"] == "home_branch_id"
    assert not Customer.objects.exists()


def test_contacts_given_when_they_joined(owner: Actor) -> None:
    (pk,) = _create(owner, {"first_name": "มาลี", "created_at": JOINED})
    before = timezone.now()
    contacts_bulk_add(
        actor=owner,
        sink=RowSink(),
        contacts=[
            ContactInput(pk, "phone", "+66813596920", new_customer=True, created_at=JOINED),
            ContactInput(pk, "email", "malee@example.com", new_customer=True),
        ],
        normalized=True,
    )
    phone = ContactPoint.objects.get(customer_id=pk, kind="phone")
    email = ContactPoint.objects.get(customer_id=pk, kind="email")
    assert phone.created_at == JOINED
    assert email.created_at >= before.replace(microsecond=0)
