"""A merged customer's old pages redirect to the customer they were merged into."""

from __future__ import annotations

import pytest
from django.test import Client

from samphan.core.access import Actor, actor_for_membership
from samphan.customers.merge import customer_merge
from samphan.customers.models import Address, Customer
from samphan.customers.selectors import customer_survivor_id
from tests.factories import CustomerFactory, MembershipFactory


@pytest.fixture
def chain(owner: Actor) -> tuple[Customer, Customer, Customer]:
    """``first`` merged into ``middle``, later ``middle`` merged into ``last``."""
    first, middle, last = (CustomerFactory(workspace=owner.workspace) for _ in range(3))
    Address.objects.create(workspace=owner.workspace, customer=first, line="1 ถนนสุขุมวิท")
    customer_merge(actor=owner, survivor_id=middle.pk, merged_id=first.pk)
    customer_merge(actor=owner, survivor_id=last.pk, merged_id=middle.pk)
    return first, middle, last


def test_the_chain_is_followed_to_the_live_customer(
    owner: Actor, chain: tuple[Customer, Customer, Customer]
) -> None:
    first, middle, last = chain
    assert customer_survivor_id(actor=owner, customer_id=first.pk) == last.pk
    assert customer_survivor_id(actor=owner, customer_id=middle.pk) == last.pk
    assert customer_survivor_id(actor=owner, customer_id=last.pk) is None  # live
    assert customer_survivor_id(actor=owner, customer_id=10**9) is None


@pytest.mark.parametrize(
    "page",
    [
        "",
        "edit/",
        "timeline/?type=order.placed",
        "consents/",
        "addresses/new/",
        "interactions/new/",
        "tasks/new/",
    ],
)
def test_old_pages_redirect_to_the_survivor(
    owner_client: Client, chain: tuple[Customer, Customer, Customer], page: str
) -> None:
    first, _middle, last = chain
    assert owner_client.get(f"/customers/{last.pk}/{page}").status_code == 200
    response = owner_client.get(f"/customers/{first.pk}/{page}")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{last.pk}/{page}"


def test_an_address_page_follows_the_address_to_the_survivor(
    owner_client: Client, chain: tuple[Customer, Customer, Customer]
) -> None:
    first, _middle, last = chain
    address = Address.objects.get(customer=last)  # moved by the merges
    response = owner_client.get(f"/customers/{first.pk}/addresses/{address.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{last.pk}/addresses/{address.pk}/edit/"


def test_no_redirect_for_a_post_an_unknown_or_another_shops_customer(
    owner_client: Client, chain: tuple[Customer, Customer, Customer]
) -> None:
    first, _middle, _last = chain
    assert owner_client.post(f"/customers/{first.pk}/notes/", {"body": "x"}).status_code == 404
    assert owner_client.get(f"/customers/{10**9}/").status_code == 404
    other = actor_for_membership(MembershipFactory())
    a, b = CustomerFactory(workspace=other.workspace), CustomerFactory(workspace=other.workspace)
    customer_merge(actor=other, survivor_id=a.pk, merged_id=b.pk)
    assert owner_client.get(f"/customers/{b.pk}/").status_code == 404
