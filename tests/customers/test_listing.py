import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samphan.core.access import actor_for_membership
from samphan.customers.listing import (
    SORTS,
    CustomerFilters,
    counted_rows,
    customer_count,
    customer_filter,
    customer_page,
)
from samphan.customers.models import Customer
from tests.factories import CustomerFactory, MembershipFactory


@pytest.fixture
def crowd(owner):  # type: ignore[no-untyped-def]
    now = timezone.now()
    customers = []
    for i in range(23):
        customers.append(
            CustomerFactory(
                workspace=owner.workspace,
                first_name=["มานี", "ปิติ", "ชูใจ", "วีระ"][i % 4],
                created_at=now - dt.timedelta(days=i % 5),  # ties on purpose
                orders_count=i % 3,
                total_spent_satang=(i % 6) * 1000,
                last_order_at=None if i % 3 == 0 else now - dt.timedelta(days=i),
                province="เชียงใหม่" if i % 2 else "กรุงเทพมหานคร",
            )
        )
    CustomerFactory(first_name="คนอื่น")  # another workspace
    return customers


@pytest.mark.parametrize("sort", list(SORTS))
def test_keyset_pages_visit_every_customer_once_in_order(owner, crowd, sort: str) -> None:  # type: ignore[no-untyped-def]
    seen: list[Customer] = []
    cursor = ""
    while True:
        page = customer_page(
            actor=owner, filters=CustomerFilters(), sort=sort, cursor=cursor, limit=5
        )
        seen.extend(page.rows)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    field, descending = SORTS[sort]
    expected = [c for c in crowd if not (field == "last_order_at" and c.last_order_at is None)]
    expected.sort(key=lambda c: (getattr(c, field), c.pk), reverse=descending)
    assert [c.pk for c in seen] == [c.pk for c in expected]


def test_filters_combine(owner, crowd) -> None:  # type: ignore[no-untyped-def]
    page = customer_page(
        actor=owner,
        filters=CustomerFilters(province="เชียงใหม่", min_orders=1, purchased_within_days=10),
        limit=50,
    )
    now = timezone.now()
    expected = {
        c.pk
        for c in crowd
        if c.province == "เชียงใหม่"
        and c.orders_count >= 1
        and c.last_order_at is not None
        and c.last_order_at >= now - dt.timedelta(days=10)
    }
    assert {c.pk for c in page.rows} == expected and page.count == len(expected)


def test_count_is_exact_then_an_estimate(owner, crowd, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    total = len(crowd)
    page = customer_page(actor=owner, filters=CustomerFilters(), limit=5)
    assert page.count == total and not page.count_estimated  # exact, never "1,000+"
    monkeypatch.setattr("samphan.customers.listing.EXACT_COUNT_LIMIT", 10)
    page = customer_page(actor=owner, filters=CustomerFilters(), limit=5)
    if connection.vendor == "postgresql":
        assert page.count_estimated and page.count > 10  # the planner's estimate, marked
    else:
        assert page.count == total and not page.count_estimated  # SQLite has no estimate


def test_a_count_far_past_the_limit_is_the_estimate_without_counting(  # type: ignore[no-untyped-def]
    owner, crowd, monkeypatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no estimate")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    monkeypatch.setattr("samphan.customers.listing.EXACT_COUNT_LIMIT", 3)
    with CaptureQueriesContext(connection) as ctx:
        count, estimated = customer_count(actor=owner, filters=CustomerFilters())
    assert estimated and count > 6  # the planner's figure, over twice the limit
    assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    # Within twice the limit, the rows are counted (up to one past the limit).
    monkeypatch.setattr("samphan.customers.listing.EXACT_COUNT_LIMIT", len(crowd))
    with CaptureQueriesContext(connection) as ctx:
        count, estimated = customer_count(actor=owner, filters=CustomerFilters())
    assert any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    assert (count, estimated) == (len(crowd), False)


def _index_plan(sql: str, params: Any) -> str:
    """PostgreSQL's plan for ``sql`` when it must use an index (the plan it would choose at
    size, forced here on a small table)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (CustomerFilters(lifecycle_stage="at_risk"), "customer_ws_stage_newest"),
        (CustomerFilters(province="ภูเก็ต"), "customer_ws_province_newest"),  # none: selective
    ],
)
def test_the_exact_count_can_be_read_from_an_index_alone(owner, crowd, filters, index) -> None:  # type: ignore[no-untyped-def]
    """The capped count selects only what the live-customer indexes hold, so PostgreSQL need
    not visit a row per customer counted."""
    if connection.vendor != "postgresql":
        pytest.skip("index-only scans are PostgreSQL's")
    sql, params = counted_rows(
        customer_filter(actor=owner, filters=filters)
    ).query.sql_with_params()
    plan = _index_plan(f"SELECT COUNT(*) FROM ({sql}) AS s", params)
    assert f"Index Only Scan using {index}" in plan, plan
    assert "Filter:" not in plan, plan


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (CustomerFilters(lifecycle_stage="at_risk"), "customer_ws_stage_newest"),
        (CustomerFilters(province="ภูเก็ต"), "customer_ws_province_newest"),  # none: selective
    ],
)
def test_a_filtered_newest_page_is_the_index_s_first_rows(owner, crowd, filters, index) -> None:  # type: ignore[no-untyped-def]
    """A stage's or a province's newest customers come in the index's order, with no sort
    and no filter: at 1,000,000 customers "at risk" was read down the created-at index,
    passing 212,000 newer customers who were not at risk (112 ms)."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    page = customer_filter(actor=owner, filters=filters).order_by("-created_at", "-pk")[:26]
    plan = _index_plan(*page.query.sql_with_params())
    assert f"Index Scan using {index}" in plan, plan
    assert "Sort" not in plan and "Filter:" not in plan, plan


def test_list_page_searches_by_last_four_digits(owner_client, owner) -> None:  # type: ignore[no-untyped-def]
    from samphan.customers.services import customer_create

    customer_create(actor=owner, first_name="มานี", contacts=[("phone", "0813596920")])
    customer_create(actor=owner, first_name="ปิติ", contacts=[("phone", "0899999999")])
    response = owner_client.get("/customers/?q=6920")
    body = response.content.decode()
    assert response.status_code == 200
    assert "มานี" in body and "ปิติ" not in body
    assert "เบอร์ลงท้าย" in body or "Phone ends with" in body
    partial = owner_client.get("/customers/?q=6920", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "มานี" in partial.content.decode()


def test_add_customer_form_dedupes_by_phone(owner_client, owner) -> None:  # type: ignore[no-untyped-def]
    data = {"first_name": "นางสาวมานี", "phone": "081-359-6920", "email": "", "line_id": ""}
    first = owner_client.post("/customers/new/", data | {"acquisition_source": ""})
    assert first.status_code == 302
    again = owner_client.post(
        "/customers/new/", data | {"phone": "+66 81 359 6920", "acquisition_source": ""}
    )
    assert again.status_code == 302 and again["Location"] == first["Location"]
    customer = Customer.objects.get(workspace=owner.workspace)
    assert (customer.title, customer.first_name) == ("นางสาว", "มานี")


def test_add_customer_form_shows_phone_error_on_the_field(owner_client) -> None:  # type: ignore[no-untyped-def]
    response = owner_client.post(
        "/customers/new/",
        {"first_name": "ต้น", "phone": "12", "email": "", "line_id": "", "acquisition_source": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert not Customer.objects.exists()


def test_marketer_cannot_add_customers(db) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    membership = MembershipFactory(role="marketer")
    client = Client()
    client.force_login(membership.user)
    assert client.get("/customers/").status_code == 200
    assert client.get("/customers/new/").status_code == 403
    assert actor_for_membership(membership).can  # sanity
