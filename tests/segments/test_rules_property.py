"""Property: any rule tree compiled to SQL returns exactly the customers a plain-Python
evaluation of the same tree returns, over random small shops (customers with orders and lines,
tags, contacts, consent histories with ties, analytics rows or none, merged records, and a
customer of another workspace)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samphan.analytics.models import RfmSegment
from samphan.core.access import Actor
from samphan.customers.models import Gender
from samphan.segments.fields import FIELDS, OPERATORS, REGISTERED_BY, Context
from samphan.segments.rules import rules_validate, segment_queryset
from tests.factories import CustomerFactory, WorkspaceFactory
from tests.segments.evaluate import World, matches
from tests.segments.world import NOW, TZ, build

PROVINCES = ["กรุงเทพมหานคร", "เชียงใหม่", ""]
OFFSETS = [
    dt.timedelta(0),
    dt.timedelta(hours=5),  # yesterday in UTC, today in Bangkok
    dt.timedelta(days=1),  # exactly on the "last 1 day" boundary
    dt.timedelta(days=7, hours=1),
    dt.timedelta(days=30),
    dt.timedelta(days=90),
    dt.timedelta(days=365),
]
DAYS = [1, 7, 30, 90, 400]
DATES = sorted(
    {
        ((NOW - offset).astimezone(TZ).date() + dt.timedelta(days=shift)).isoformat()
        for offset in OFFSETS
        for shift in (-1, 0, 1)
    }
)
NUMBER_POOLS: dict[str, list[Any]] = {
    "orders_count": [0, 1, 2, 3],
    "total_spent": [0, 130, 250.5, 260, 380.5, 500],
    "r_score": [0, 1, 3, 5],
    "f_score": [0, 2, 5],
    "m_score": [1, 4],
    "historical_clv": [0, 130, 500],
    "predicted_clv_12m": [0, 130, 500],
    "p_alive": [0, 0.25, 0.5, 0.75, 1],
}
TEXTS = ["สม", "ann", "ANN", "ดี", "x"]

person_specs = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(["สมชาย", "Anna", ""]),
        "last_name": st.sampled_from(["ใจดี", "Smith", ""]),
        "nickname": st.sampled_from(["", "บอล", "ANN"]),
        "gender": st.sampled_from(Gender.values),
        "province": st.sampled_from(PROVINCES),
        "acquisition_source": st.sampled_from(["", "walk_in", "line"]),
        "preferred_channel": st.sampled_from(["", "line", "email"]),
        "behaviour_type": st.sampled_from(["", "regular", "impatient"]),
        "lifecycle_stage": st.sampled_from(["", "active", "lapsed"]),
        "birthday": st.one_of(
            st.none(),
            st.builds(
                lambda m, d: dt.date(1990, m, d),
                st.sampled_from([1, 11, 12]),
                st.sampled_from([1, 28]),
            ),
        ),
        "home_branch": st.sampled_from([None, 0, 1]),
        "merged": st.sampled_from([False, False, False, True]),
        "contacts": st.sets(st.sampled_from(["phone", "email", "line"])),
        "tags": st.sets(st.sampled_from([0, 1, 2])),
        "consents": st.lists(
            st.tuples(
                st.sampled_from(["marketing_line", "marketing_sms"]),
                st.booleans(),
                st.sampled_from([0, 1, 1, 30]),  # repeats: ties broken by id
            ),
            max_size=3,
        ),
        "metrics": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "r_score": st.integers(0, 5),
                    "f_score": st.integers(0, 5),
                    "m_score": st.integers(0, 5),
                    "rfm_segment": st.sampled_from(["", "champions", "at_risk", "lost"]),
                    "historical_clv_satang": st.sampled_from([0, 13000, 50000]),
                    "clv_12m_satang": st.sampled_from([None, 0, 13000, 50000]),
                    "p_alive": st.sampled_from([None, 0.0, 0.25, 0.5, 1.0]),
                }
            ),
        ),
        "orders": st.lists(
            st.fixed_dictionaries(
                {
                    "status": st.sampled_from(["paid", "paid", "cancelled"]),
                    "ago": st.sampled_from(OFFSETS),
                    "channel": st.sampled_from([0, 1]),
                    "branch": st.sampled_from([None, 0, 1]),
                    "products": st.lists(
                        st.sampled_from([0, 1, 2, 3, None]), min_size=1, max_size=2
                    ),
                    "total": st.sampled_from([0, 13000, 25050]),
                }
            ),
            max_size=3,
        ),
    }
)


# The reference evaluator knows the fields segments registers itself; other apps'
# fields (loyalty's points, say) are checked against their own data in their app.
OWN_FIELDS = sorted(
    k for k in FIELDS if REGISTERED_BY.get(k, "samphan.segments").startswith("samphan.segments")
)


def _pool(world: World, ctx: Context, key: str) -> list[Any]:
    refs = world.refs  # type: ignore[attr-defined]
    by_field = {
        "province": [*PROVINCES, "ภูเก็ต"],
        "home_branch": refs.branches,
        "tags": refs.tags,
        "bought_product": refs.products,
        "bought_category": refs.categories,
        "bought_channel": refs.channels,
        "bought_branch": refs.branches,
        "rfm_segment": ["champions", "at_risk", "lost", RfmSegment.LOYAL.value],
    }
    if key in by_field:
        return list(by_field[key])
    return [value for value, _label in ctx.choices(FIELDS[key])]


@st.composite
def conditions(
    draw: st.DrawFn, world: World, ctx: Context, keys: list[str] | None = None
) -> dict[str, Any]:
    key = draw(st.sampled_from(keys or OWN_FIELDS))
    spec = FIELDS[key]
    op = draw(st.sampled_from(spec.operators))
    arity = OPERATORS[op].arity

    def one() -> st.SearchStrategy[Any]:
        if spec.type == "choice":
            return st.sampled_from(_pool(world, ctx, key))
        if spec.type in ("number", "money"):
            return st.sampled_from(NUMBER_POOLS[key])
        if spec.type == "date":
            return st.sampled_from(DATES)
        return st.sampled_from(TEXTS)

    value: Any = None
    if arity == "one":
        value = draw(one())
    elif arity == "many":
        value = draw(st.lists(one(), min_size=1, max_size=3, unique=True))
    elif arity == "range":
        value = sorted(draw(st.lists(one(), min_size=2, max_size=2)))
    elif arity == "days":
        value = draw(st.sampled_from(DAYS))
    node: dict[str, Any] = {"field": key, "operator": op, "value": value}
    if spec.period:
        kind = draw(st.sampled_from(["none", "days", "range", "from", "to"]))
        if kind == "days":
            node["period"] = {"within_days": draw(st.sampled_from(DAYS))}
        elif kind == "range":
            low, high = sorted(draw(st.lists(st.sampled_from(DATES), min_size=2, max_size=2)))
            node["period"] = {"from": low, "to": high}
        elif kind in ("from", "to"):
            node["period"] = {kind: draw(st.sampled_from(DATES))}
    return node


def trees(world: World, ctx: Context) -> st.SearchStrategy[dict[str, Any]]:
    ops = st.sampled_from(["and", "or"])
    nodes = st.recursive(
        conditions(world, ctx),
        lambda children: st.builds(
            lambda op, items: {"op": op, "items": items}, ops, st.lists(children, max_size=3)
        ),
        max_leaves=6,
    )
    return st.builds(lambda op, items: {"op": op, "items": items}, ops, st.lists(nodes, max_size=4))


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(person_specs, min_size=1, max_size=7), data=st.data())
def test_compiled_rules_match_python_evaluation(
    owner: Actor, specs: list[dict[str, Any]], data: st.DataObject
) -> None:
    with transaction.atomic():
        world = build(owner.workspace, specs)
        # Someone in another shop who would match plenty of conditions.
        CustomerFactory(workspace=WorkspaceFactory(), province="กรุงเทพมหานคร", orders_count=3)
        ctx = Context(workspace=owner.workspace, now=NOW)
        for _ in range(6):
            tree = data.draw(trees(world, ctx), label="tree")
            normal = rules_validate(owner.workspace, tree)
            expected = matches(world, normal)
            got = set(segment_queryset(owner, tree, now=NOW).values_list("pk", flat=True))
            assert got == expected, (tree, sorted(got), sorted(expected))
            # The count is the same plain COUNT over the same query.
            assert segment_queryset(owner, tree, now=NOW).count() == len(expected)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(person_specs, min_size=1, max_size=7), data=st.data())
def test_purchase_totals_in_periods_match_python_evaluation(
    owner: Actor, specs: list[dict[str, Any]], data: st.DataObject
) -> None:
    """Spend and number of orders in a period (the last N days, since, until, between two
    dates; every operator) are read from the purchase runs by several query shapes: each must
    give exactly what summing the period's paid orders gives."""
    with transaction.atomic():
        world = build(owner.workspace, specs)
        ctx = Context(workspace=owner.workspace, now=NOW)
        for _ in range(10):
            node = data.draw(conditions(world, ctx, ["orders_count", "total_spent"]), label="c")
            tree = {"op": "and", "items": [node]}
            expected = matches(world, rules_validate(owner.workspace, tree))
            got = set(segment_queryset(owner, tree, now=NOW).values_list("pk", flat=True))
            assert got == expected, (tree, sorted(got), sorted(expected))
        transaction.set_rollback(True)
