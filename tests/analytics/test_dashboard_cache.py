"""The dashboard's figures are cached per workspace and forgotten when an event changes what
they count (orders, customers), once the change commits; never served stale after a sale."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from samphan.analytics.dashboard import dashboard_figures
from samphan.commerce.models import OrderStatus
from samphan.commerce.services import order_status_change
from samphan.core.access import Actor
from samphan.customers.merge import customer_merge
from tests.commerce.factories import OrderFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def cached() -> Any:
    cache.clear()
    with override_settings(SAMPHAN_DASHBOARD_CACHE_SECONDS=300):
        yield
    cache.clear()


def test_figures_are_read_from_the_cache_until_something_changes(
    owner: Actor, django_assert_num_queries: Any
) -> None:
    ws = owner.workspace
    CustomerFactory(workspace=ws)
    first = dashboard_figures(workspace=ws)
    assert first.customers.total == 1
    with django_assert_num_queries(0):
        again = dashboard_figures(workspace=ws)
    assert again == first


def test_a_sale_a_new_customer_and_a_status_change_show_at_once(owner: Actor) -> None:
    ws = owner.workspace
    customer = CustomerFactory(workspace=ws)
    assert dashboard_figures(workspace=ws).customers.buyers == 0
    order = OrderFactory(workspace=ws, customer=customer, total_satang=500_00)
    figures = dashboard_figures(workspace=ws)
    assert figures.customers.buyers == 1
    assert figures.revenue_this_month_satang == 500_00
    CustomerFactory(workspace=ws)
    assert dashboard_figures(workspace=ws).customers.total == 2
    order_status_change(actor=owner, order_id=order.pk, status=OrderStatus.CANCELLED, reason="x")
    assert dashboard_figures(workspace=ws).revenue_this_month_satang == 0


def test_a_merge_shows_at_once(owner: Actor) -> None:
    ws = owner.workspace
    a, b = CustomerFactory(workspace=ws), CustomerFactory(workspace=ws)
    assert dashboard_figures(workspace=ws).customers.total == 2
    customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    assert dashboard_figures(workspace=ws).customers.total == 1


def test_a_rolled_back_change_keeps_the_cache_and_another_shop_is_not_touched(
    owner: Actor, django_assert_num_queries: Any
) -> None:
    ws = owner.workspace
    CustomerFactory(workspace=ws)
    dashboard_figures(workspace=ws)
    with pytest.raises(RuntimeError), transaction.atomic():
        CustomerFactory(workspace=ws)
        raise RuntimeError("rolled back")
    CustomerFactory()  # another workspace
    with django_assert_num_queries(0):
        assert dashboard_figures(workspace=ws).customers.total == 1


def test_the_page_shows_the_cached_figures_and_then_the_new_ones(
    owner: Actor, owner_client: Client
) -> None:
    ws = owner.workspace
    CustomerFactory(workspace=ws)
    assert owner_client.get(reverse("web:dashboard")).context["kpis"].customers.total == 1
    CustomerFactory(workspace=ws)
    assert owner_client.get(reverse("web:dashboard")).context["kpis"].customers.total == 2


@override_settings(SAMPHAN_DASHBOARD_CACHE_SECONDS=None)
def test_off_by_default_with_the_per_process_memory_cache(
    owner: Actor, django_assert_num_queries: Any
) -> None:
    """Workers of one server do not share a memory cache: one could not tell the others."""
    CustomerFactory(workspace=owner.workspace)
    dashboard_figures(workspace=owner.workspace)
    with django_assert_num_queries(17):
        dashboard_figures(workspace=owner.workspace)


def test_a_cache_that_fails_costs_the_queries_not_the_page(
    owner: Actor, owner_client: Client, monkeypatch: Any
) -> None:
    """A Redis that refuses writes (disk full, MISCONF) or is down: the figures are computed."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")

    CustomerFactory(workspace=owner.workspace)
    monkeypatch.setattr(cache, "get", broken)
    assert dashboard_figures(workspace=owner.workspace).customers.total == 1
    monkeypatch.undo()
    monkeypatch.setattr(cache, "set", broken)
    response = owner_client.get(reverse("web:dashboard"))
    assert response.status_code == 200
    assert response.context["kpis"].customers.total == 1
