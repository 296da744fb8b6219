"""The customer page reads the customer once: the timeline and the follow-ups take the customer
the page already has (still scoped to the actor), and the custom fields are read once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samphan.core.access import Actor
from samphan.core.errors import NotFound
from samphan.customers import selectors
from tests.factories import CustomerFactory

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
