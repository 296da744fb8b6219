"""A bad rule tree is an ApplicationError whose message and details name the bad place."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.models import Branch, Workspace
from samphan.segments.rules import MAX_CONDITIONS, MAX_DEPTH, rules_describe, rules_validate

pytestmark = pytest.mark.django_db


def error_of(owner: Actor, tree: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        rules_validate(owner.workspace, tree)
    assert caught.value.code == "invalid_rules"
    assert caught.value.status == 422
    return caught.value


@pytest.mark.parametrize(
    "tree,message",
    [
        (
            {
                "op": "and",
                "items": [
                    {"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"},
                    {"field": "orders_count", "operator": "gte", "value": "two"},
                ],
            },
            "items[1].value: enter a whole number",
        ),
        (
            {"op": "and", "items": [{"field": "total_spent", "operator": "gt", "value": "abc"}]},
            "items[0].value: enter a number",
        ),
        (
            {"op": "xor", "items": []},
            "op: choose “and” or “or”",
        ),
        (
            {"op": "and", "items": [{"field": "shoe_size", "operator": "eq", "value": 42}]},
            "items[0].field: unknown field “shoe_size”",
        ),
        (
            {"op": "and", "items": [{"field": "", "operator": "", "value": None}]},
            "items[0].field: choose a field",
        ),
        (
            {"op": "and", "items": [{"field": "province", "operator": "gte", "value": "x"}]},
            "items[0].operator: “gte” does not apply to Province; use one of: eq, ne, in, not_in",
        ),
        (
            {"op": "and", "items": [{"field": "province", "operator": "eq", "value": "Narnia"}]},
            "items[0].value: unknown value “Narnia”",
        ),
        (
            {"op": "and", "items": [{"field": "tags", "operator": "any", "value": []}]},
            "items[0].value: choose at least one",
        ),
        (
            {
                "op": "or",
                "items": [
                    {"field": "has_email", "operator": "is_true", "value": None},
                    {
                        "op": "and",
                        "items": [
                            {"field": "p_alive", "operator": "between", "value": [0.8, 0.2]},
                        ],
                    },
                ],
            },
            "items[1].items[0].value: the first value must not be larger than the second",
        ),
        (
            {"op": "and", "items": [{"field": "p_alive", "operator": "gte", "value": 2}]},
            "items[0].value: enter a number from 0 to 1",
        ),
        (
            {"op": "and", "items": [{"field": "r_score", "operator": "eq", "value": 2.5}]},
            "items[0].value: enter a whole number",
        ),
        (
            {"op": "and", "items": [{"field": "total_spent", "operator": "gt", "value": 1.005}]},
            "items[0].value: enter an amount in baht with at most 2 decimals",
        ),
        (
            {
                "op": "and",
                "items": [{"field": "last_purchase", "operator": "on", "value": "31/12"}],
            },
            "items[0].value: enter a date (YYYY-MM-DD)",
        ),
        (
            {
                "op": "and",
                "items": [{"field": "last_purchase", "operator": "within_days", "value": 0}],
            },
            "items[0].value: enter a number of days (1 or more)",
        ),
        (
            {"op": "and", "items": [{"field": "has_email", "operator": "is_true", "value": 1}]},
            "items[0].value: this operator takes no value",
        ),
        (
            {
                "op": "and",
                "items": [
                    {
                        "field": "province",
                        "operator": "eq",
                        "value": "กรุงเทพมหานคร",
                        "period": {"within_days": 30},
                    }
                ],
            },
            "items[0].period: this field takes no period",
        ),
        (
            {
                "op": "and",
                "items": [
                    {
                        "field": "bought_channel",
                        "operator": "any",
                        "value": [],
                        "period": {"from": "2026-02-01", "to": "2026-01-01"},
                    }
                ],
            },
            "items[0].value: choose at least one",
        ),
        (
            {"op": "and", "items": [{"field": "gender", "operator": "eq", "value": "f", "x": 1}]},
            "items[0]: unknown keys: x",
        ),
        ("not a tree", "expected a group"),
    ],
)
def test_error_names_the_path(owner: Actor, tree: Any, message: str) -> None:
    error = error_of(owner, tree)
    assert error.message.startswith(message), error.message
    assert error.details["field"] == "rules"
    assert error.details["path"] == error.details["errors"][0]["path"]


def test_all_errors_are_listed(owner: Actor) -> None:
    error = error_of(
        owner,
        {
            "op": "and",
            "items": [
                {"field": "orders_count", "operator": "gte", "value": "x"},
                {
                    "field": "bought_category",
                    "operator": "all",
                    "value": [],
                    "period": {"from": "2026-02-01", "to": "2026-01-01"},
                },
            ],
        },
    )
    assert [(e["path"], e["message"]) for e in error.details["errors"]] == [
        ("items[0].value", "enter a whole number"),
        ("items[1].value", "choose at least one"),
        ("items[1].period", "the start date must not be after the end date"),
    ]


def test_limits(owner: Actor) -> None:
    many = {"op": "and", "items": [{"field": "has_email", "operator": "is_true"}] * 41}
    assert error_of(owner, many).details["path"] == f"items[{MAX_CONDITIONS}]"
    deep: dict[str, Any] = {"field": "has_email", "operator": "is_true"}
    for _ in range(MAX_DEPTH + 1):
        deep = {"op": "and", "items": [deep]}
    error = error_of(owner, deep)
    assert "nested at most 4 levels" in error.message
    assert error.details["path"] == "items[0].items[0].items[0].items[0]"  # level 5


def test_another_shops_branch_is_an_unknown_value(owner: Actor) -> None:
    theirs = Branch.objects.create(workspace=Workspace.objects.create(name="อื่น"), name="ก")
    error = error_of(
        owner,
        {
            "op": "and",
            "items": [{"field": "bought_branch", "operator": "any", "value": [theirs.pk]}],
        },
    )
    assert error.message == f"items[0].value[0]: unknown value “{theirs.pk}”"


def test_normalises_values(owner: Actor) -> None:
    branch = Branch.objects.create(workspace=owner.workspace, name="สยาม")
    tree = rules_validate(
        owner.workspace,
        {
            "op": "or",
            "items": [
                {"field": "orders_count", "operator": "gte", "value": " 2 "},
                {"field": "total_spent", "operator": "between", "value": ["1,000", "2500.50"]},
                {"field": "home_branch", "operator": "in", "value": [str(branch.pk), branch.pk]},
                {"field": "birthday_month", "operator": "eq", "value": "11"},
                {"field": "first_purchase", "operator": "on", "value": "2026-01-05"},
                {
                    "field": "bought_branch",
                    "operator": "any",
                    "value": [branch.pk],
                    "period": {"within_days": "30"},
                },
                {"field": "has_line", "operator": "is_true"},
            ],
        },
    )
    assert tree["items"] == [
        {"field": "orders_count", "operator": "gte", "value": 2},
        {"field": "total_spent", "operator": "between", "value": [1000, 2500.5]},
        {"field": "home_branch", "operator": "in", "value": [branch.pk]},
        {"field": "birthday_month", "operator": "eq", "value": 11},
        {"field": "first_purchase", "operator": "on", "value": "2026-01-05"},
        {
            "field": "bought_branch",
            "operator": "any",
            "value": [branch.pk],
            "period": {"within_days": 30},
        },
        {"field": "has_line", "operator": "is_true", "value": None},
    ]


def test_empty_tree_is_everyone_and_described(owner: Actor) -> None:
    assert rules_validate(owner.workspace, None) == {"op": "and", "items": []}
    assert rules_describe(owner.workspace, {"op": "or", "items": []}) in (
        "All customers",
        "ลูกค้าทั้งหมด",
    )


def test_describe_in_english(owner: Actor) -> None:
    from django.utils import translation

    with translation.override("en"):
        text = rules_describe(
            owner.workspace,
            {
                "op": "and",
                "items": [
                    {"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"},
                    {
                        "op": "or",
                        "items": [
                            {"field": "orders_count", "operator": "gte", "value": 2},
                            {"field": "last_purchase", "operator": "within_days", "value": 30},
                        ],
                    },
                ],
            },
        )
    assert text == (
        "Province is กรุงเทพมหานคร (Bangkok) and "
        "(Number of orders at least 2 or Last purchase in the last 30 days)"
    )


def test_describe_purchase_periods(owner: Actor) -> None:
    from django.utils import translation

    def spent(period: dict[str, Any]) -> str:
        tree = {
            "op": "and",
            "items": [{"field": "total_spent", "operator": "gt", "value": 1000, "period": period}],
        }
        with translation.override("en"):
            return rules_describe(owner.workspace, tree)

    assert spent({"within_days": 90}) == "Total spent (baht) more than 1000 in the last 90 days"
    assert spent({"from": "2026-01-01"}) == "Total spent (baht) more than 1000 since 2026-01-01"
    assert spent({"to": "2026-03-31"}) == "Total spent (baht) more than 1000 until 2026-03-31"
    assert (
        spent({"from": "2026-01-01", "to": "2026-03-31"})
        == "Total spent (baht) more than 1000 from 2026-01-01 to 2026-03-31"
    )
