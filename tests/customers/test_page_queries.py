"""The customer page reads the customer once: the timeline, the follow-ups and the other apps'
panels (points, LINE, relationship) take the customer the page already has (still scoped to the
actor), the contacts and the custom fields are read once, and the whole page stays within a
pinned number of queries."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samphan.core.access import Actor
from samphan.core.errors import NotFound, PermissionDenied
from samphan.customers import selectors
from samphan.customers.models import Customer
from samphan.feedback.selectors import relationship
from samphan.loyalty.selectors import account_view, ledger_list
from tests.factories import ContactPointFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_timeline_and_follow_ups_take_the_page_s_customer(
    owner: Actor, django_assert_num_queries: Any
) -> None:
    customer = selectors.customer_get(
        actor=owner, customer_id=CustomerFactory(workspace=owner.workspace).pk
    )
    with django_assert_num_queries(1):  # the events only
        page = selectors.timeline_page(actor=owner, customer_id=customer.pk, customer=customer)
    assert [e.type for e in page.events] == ["customer.created"]
    with django_assert_num_queries(1):
        assert (
            list(selectors.followup_list(actor=owner, customer_id=customer.pk, customer=customer))
            == []
        )


def test_another_shop_s_customer_is_still_not_found(owner: Actor) -> None:
    stranger = CustomerFactory()  # another workspace
    with pytest.raises(NotFound):
        selectors.timeline_page(actor=owner, customer_id=stranger.pk, customer=stranger)
    with pytest.raises(NotFound):
        list(selectors.followup_list(actor=owner, customer_id=stranger.pk, customer=stranger))
    mine = CustomerFactory(workspace=owner.workspace)
    with pytest.raises(NotFound):  # the id asked for is the one that counts
        selectors.timeline_page(actor=owner, customer_id=stranger.pk, customer=mine)


def test_the_page_reads_the_member_and_the_custom_fields_once(
    owner: Actor, owner_client: Client
) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    with CaptureQueriesContext(connection) as ctx:
        response = owner_client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "core_user"' in sql for sql in sqls) == 1
    assert sum('FROM "customers_customfielddefinition"' in sql for sql in sqls) == 1


# The page once warm (the shop's privacy settings made): the member (4); the customer with its
# contacts, tags and addresses (4); custom fields, consents, follow-ups and the timeline (1 each);
# the panels' own reads (points 3, analytics 1, orders 1, tickets 1, LINE 2, relationship 7,
# personal data 5). It was 39 while the points, LINE and relationship panels read the customer
# or its contacts again and the relationship counted the year's feelings in three queries.
PAGE_QUERIES = 32


def _customer_reads(sqls: list[str], customer: Customer) -> int:
    """Reads of the customer's own row (not joins to it, not the records merged into it)."""
    return sum(
        'FROM "customers_customer"' in sql and f'"customers_customer"."id" = {customer.pk}' in sql
        for sql in sqls
    )


def test_the_panels_take_the_page_s_customer(
    owner: Actor, owner_client: Client, django_assert_max_num_queries: Any
) -> None:
    customer = CustomerFactory(
        workspace=owner.workspace, contacts=[("phone", "0812345678"), ("email", "malee@x.co.th")]
    )
    ContactPointFactory(customer=customer, kind="line", value="U" + "a" * 32)
    url = f"/customers/{customer.pk}/"
    assert owner_client.get(url).status_code == 200
    with django_assert_max_num_queries(PAGE_QUERIES) as ctx:
        response = owner_client.get(url)
    assert response.status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert _customer_reads(sqls, customer) == 1
    assert sum('FROM "customers_contactpoint"' in sql for sql in sqls) == 1
    html = response.content.decode()
    assert 'id="panel-loyalty"' in html and 'id="panel-relationship"' in html
    assert "U" + "a" * 32 in html  # the LINE panel still lists the account


PanelRead = Callable[[Actor, int, Customer | None], Any]
PANEL_READS: dict[str, PanelRead] = {
    "points": lambda actor, pk, held: account_view(actor=actor, customer_id=pk, customer=held),
    "ledger": lambda actor, pk, held: list(ledger_list(actor=actor, customer_id=pk, customer=held)),
    "relationship": lambda actor, pk, held: relationship(
        actor=actor, customer_id=pk, customer=held
    ),
}


@pytest.mark.parametrize("read", PANEL_READS.values(), ids=PANEL_READS.keys())
def test_a_panel_s_read_takes_the_customer_it_is_given(owner: Actor, read: PanelRead) -> None:
    customer = selectors.customer_profile_get(
        actor=owner, customer_id=CustomerFactory(workspace=owner.workspace).pk
    )
    with CaptureQueriesContext(connection) as held:
        given = read(owner, customer.pk, customer)
    with CaptureQueriesContext(connection) as alone:
        read_again = read(owner, customer.pk, None)
    assert given == read_again
    assert _customer_reads([q["sql"] for q in held.captured_queries], customer) == 0
    assert _customer_reads([q["sql"] for q in alone.captured_queries], customer) == 1


@pytest.mark.parametrize("read", PANEL_READS.values(), ids=PANEL_READS.keys())
def test_a_panel_s_read_still_checks_the_customer_it_is_given(
    owner: Actor, read: PanelRead
) -> None:
    mine = CustomerFactory(workspace=owner.workspace)
    stranger = CustomerFactory()  # another workspace
    merged = CustomerFactory(workspace=owner.workspace, merged_into=mine)
    for held in (stranger, merged):
        with pytest.raises(NotFound):
            read(owner, held.pk, held)
    with pytest.raises(NotFound):  # the id asked for is the one that counts
        read(owner, stranger.pk, mine)
    nobody = dataclasses.replace(owner, role="none")  # a role that may see no customers
    with pytest.raises(PermissionDenied):
        read(nobody, mine.pk, mine)
