"""Spend and number of orders between two dates, for every way a customer's orders can lie
around the period: before it, in it, after it, or any mix. The query reads only the period's
rows (the customer's first order in it and the first after it); a customer who bought before
and after but not in it, or only after it, has spent 0 there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from samphan.core.access import Actor
from samphan.customers.models import Customer
from samphan.segments.rules import compile_rules, rules_validate, segment_queryset
from tests.factories import CustomerFactory, WorkspaceFactory
from tests.segments.evaluate import matches
from tests.segments.world import NOW, build, order

PERIOD = {"from": "2026-09-01", "to": "2026-09-30"}
BEFORE, EARLY, LATE, AFTER = (dt.timedelta(days=d) for d in (120, 80, 60, 30))


# first name: orders (how long ago, baht); the period holds EARLY and LATE (11 and 24 Sep).
PEOPLE: dict[str, list[tuple[dt.timedelta, int]]] = {
    "ก่อนในหลัง": [(BEFORE, 100), (LATE, 300), (AFTER, 50)],  # 300 in the period
    "หลังเท่านั้น": [(AFTER, 200)],  # 0
    "ก่อนและหลัง": [(BEFORE, 200), (AFTER, 200)],  # 0: bought around the period, not in it
    "สองครั้งใน": [(EARLY, 200), (LATE, 200), (AFTER, 100)],  # 400 in 2 orders
    "ในเท่านั้น": [(EARLY, 100)],  # 100, nothing after
    "ก่อนแล้วใน": [(BEFORE, 500), (LATE, 130)],  # 130
}
SPEND = [
    ("gt", 0, {"ก่อนในหลัง", "สองครั้งใน", "ในเท่านั้น", "ก่อนแล้วใน"}),
    ("gte", 130, {"ก่อนในหลัง", "สองครั้งใน", "ก่อนแล้วใน"}),
    ("gte", 300, {"ก่อนในหลัง", "สองครั้งใน"}),
    ("gt", 300, {"สองครั้งใน"}),
    ("lt", 130, {"เจ้าบ้าน", "หลังเท่านั้น", "ก่อนและหลัง", "ในเท่านั้น"}),
    ("lte", 130, {"เจ้าบ้าน", "หลังเท่านั้น", "ก่อนและหลัง", "ในเท่านั้น", "ก่อนแล้วใน"}),
    ("between", [100, 300], {"ก่อนในหลัง", "ในเท่านั้น", "ก่อนแล้วใน"}),
    ("between", [0, 100], {"เจ้าบ้าน", "หลังเท่านั้น", "ก่อนและหลัง", "ในเท่านั้น"}),
    ("eq", 0, {"เจ้าบ้าน", "หลังเท่านั้น", "ก่อนและหลัง"}),
    ("eq", 400, {"สองครั้งใน"}),
    ("ne", 0, {"ก่อนในหลัง", "สองครั้งใน", "ในเท่านั้น", "ก่อนแล้วใน"}),
    ("ne", 130, set(PEOPLE) - {"ก่อนแล้วใน"} | {"เจ้าบ้าน"}),
]
ORDERS = [
    ("gte", 1, {"ก่อนในหลัง", "สองครั้งใน", "ในเท่านั้น", "ก่อนแล้วใน"}),
    ("gte", 2, {"สองครั้งใน"}),
    ("eq", 0, {"เจ้าบ้าน", "หลังเท่านั้น", "ก่อนและหลัง"}),
    ("lt", 2, set(PEOPLE) - {"สองครั้งใน"} | {"เจ้าบ้าน"}),
]


@pytest.fixture
def shop(owner: Actor) -> dict[str, Any]:
    specs = [
        {"first_name": name, "orders": [order(ago, [0], total=baht * 100) for ago, baht in orders]}
        for name, orders in PEOPLE.items()
    ]
    world = build(owner.workspace, specs)
    # Another shop's customer, who bought nothing in the period (0), is never counted.
    CustomerFactory(workspace=WorkspaceFactory(), first_name="ร้านอื่น")
    return {"world": world, "names": {p.pk: p.first_name for p in world.people}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [("total_spent", *case) for case in SPEND] + [("orders_count", *case) for case in ORDERS],
)
def test_a_total_between_two_dates(
    owner: Actor, shop: dict[str, Any], field: str, op: str, value: Any, expected: set[str]
) -> None:
    rules = {
        "op": "and",
        "items": [{"field": field, "operator": op, "value": value, "period": PERIOD}],
    }
    got = {
        shop["names"][pk]
        for pk in segment_queryset(owner, rules, now=NOW).values_list("pk", flat=True)
    }
    assert got == expected
    # The plain-Python evaluation of the same rule (summing the period's orders) agrees.
    oracle = matches(shop["world"], rules_validate(owner.workspace, rules))
    assert {shop["names"][pk] for pk in oracle} == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("op", "value"), [("ne", 130), ("between", [0, 100]), ("eq", 400)])
def test_a_period_condition_inside_another_query(
    owner: Actor, shop: dict[str, Any], op: str, value: Any
) -> None:
    """The condition refers to the customer it filters: nested as a subquery (a campaign's
    audience, a snapshot), negated, or beside another condition, it still does."""
    condition = {"field": "total_spent", "operator": op, "value": value, "period": PERIOD}
    tree = {"op": "and", "items": [condition]}
    alone = set(segment_queryset(owner, tree, now=NOW))
    nested = Customer.objects.filter(pk__in=segment_queryset(owner, tree, now=NOW).values("pk"))
    assert set(nested) == alone
    everyone = set(Customer.objects.filter(workspace=owner.workspace))
    negated = Customer.objects.filter(workspace=owner.workspace).filter(
        ~compile_rules(owner.workspace, tree, now=NOW)
    )
    assert set(negated) == everyone - alone
    twice = {"field": "orders_count", "operator": "gte", "value": 2, "period": PERIOD}
    either = segment_queryset(owner, {"op": "or", "items": [condition, twice]}, now=NOW)
    assert {p.first_name for p in set(either) - alone} <= {"สองครั้งใน"}
    assert "สองครั้งใน" in {p.first_name for p in either}
