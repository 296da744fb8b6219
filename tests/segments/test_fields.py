"""Each field of the registry, compiled to a query, against a small hand-built shop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest

from samphan.commerce.models import Order
from samphan.core.access import Actor
from samphan.segments.fields import FIELDS, REGISTERED_BY
from samphan.segments.rules import segment_queryset
from tests.factories import CustomerFactory, WorkspaceFactory
from tests.segments.world import NOW, Refs, build, order

D = dt.timedelta


PEOPLE: list[dict[str, Any]] = [
    {
        "first_name": "นก",
        "nickname": "Nok",
        "gender": "female",
        "province": "กรุงเทพมหานคร",
        "acquisition_source": "walk_in",
        "preferred_channel": "line",
        "behaviour_type": "regular",
        "lifecycle_stage": "active",
        "birthday": dt.date(1990, 11, 5),
        "home_branch": 0,
        "contacts": {"phone", "line"},
        "tags": {0},
        "consents": [
            ("marketing_line", True, 30),
            ("marketing_sms", True, 30),
            ("marketing_sms", False, 30),  # same time, later row: withdrawn wins
        ],
        "metrics": {
            "rfm_segment": "champions",
            "r_score": 5,
            "f_score": 4,
            "m_score": 5,
            "historical_clv_satang": 38050,
            "clv_12m_satang": 80000,
            "p_alive": 0.9,
        },
        "orders": [
            order(D(days=2), [0]),  # tea, store, branch A
            order(D(days=100), [2], channel=1, branch=None, total=25050),  # snack, LINE
        ],
    },
    {
        "first_name": "บอล",
        "last_name": "Smith",
        "gender": "male",
        "province": "เชียงใหม่",
        "acquisition_source": "line",
        "contacts": {"email"},
        "tags": {0, 1},
        "consents": [("marketing_line", True, 30), ("marketing_line", False, 1)],
        "metrics": {
            "rfm_segment": "at_risk",
            "r_score": 1,
            "f_score": 2,
            "m_score": 3,
            "historical_clv_satang": 13000,
            "clv_12m_satang": None,
            "p_alive": 0.2,
        },
        "orders": [
            order(D(days=200), [1], branch=1),  # tea, branch B
            order(D(days=1), [3], status="cancelled"),  # does not count
        ],
    },
    {"first_name": "ใหม่", "birthday": dt.date(1995, 12, 1)},
    {
        "first_name": "พิม",
        "gender": "female",
        "province": "กรุงเทพมหานคร",
        "metrics": {"rfm_segment": "", "historical_clv_satang": 0, "p_alive": None},
        "orders": [order(D(days=10), [3, None], channel=1, branch=None, total=5000)],
    },
    {  # merged into another record: never in a segment, whatever it matches
        "first_name": "นกซ้ำ",
        "province": "กรุงเทพมหานคร",
        "gender": "female",
        "tags": {0},
        "merged": True,
        "orders": [order(D(days=2), [0])],
    },
]

Tree = Callable[[Refs], dict[str, Any]]


def c(field: str, operator: str, value: Any = None, **extra: Any) -> Tree:
    return lambda refs: {"field": field, "operator": operator, "value": value, **extra}


def ids(kind: str, *positions: int, **extra: Any) -> Callable[[str, str], Tree]:
    def make(field: str, operator: str) -> Tree:
        return lambda refs: {
            "field": field,
            "operator": operator,
            "value": [getattr(refs, kind)[p] for p in positions],
            **extra,
        }

    return make


CASES: list[tuple[str, Tree, set[str]]] = [
    # profile
    ("gender eq", c("gender", "eq", "female"), {"นก", "พิม"}),
    ("gender not given", c("gender", "eq", ""), {"เจ้าบ้าน", "ใหม่"}),
    ("province eq", c("province", "eq", "กรุงเทพมหานคร"), {"นก", "พิม"}),
    ("province ne", c("province", "ne", "กรุงเทพมหานคร"), {"เจ้าบ้าน", "บอล", "ใหม่"}),
    ("province in", c("province", "in", ["เชียงใหม่", ""]), {"เจ้าบ้าน", "บอล", "ใหม่"}),
    ("province not_in", c("province", "not_in", ["เชียงใหม่", ""]), {"นก", "พิม"}),
    ("acquisition", c("acquisition_source", "eq", "line"), {"บอล"}),
    ("preferred channel", c("preferred_channel", "eq", "line"), {"นก"}),
    ("behaviour", c("behaviour_type", "in", ["regular", "impatient"]), {"นก"}),
    ("lifecycle", c("lifecycle_stage", "eq", "active"), {"นก"}),
    ("birthday this month", c("birthday_month", "this_month"), {"นก"}),  # 24 Nov in Bangkok
    ("birthday next month", c("birthday_month", "next_month"), {"ใหม่"}),
    ("birthday eq", c("birthday_month", "eq", 12), {"ใหม่"}),
    ("birthday ne: unknown never matches", c("birthday_month", "ne", 12), {"นก"}),
    ("birthday not_in", c("birthday_month", "not_in", [11]), {"ใหม่"}),
    ("birthday known", c("birthday_month", "is_set"), {"นก", "ใหม่"}),
    ("birthday unknown", c("birthday_month", "is_not_set"), {"เจ้าบ้าน", "บอล", "พิม"}),
    (
        "home branch eq",
        lambda r: {"field": "home_branch", "operator": "eq", "value": r.branches[0]},
        {"นก"},
    ),
    (
        "home branch ne: none set never matches",
        lambda r: {"field": "home_branch", "operator": "ne", "value": r.branches[1]},
        {"นก"},
    ),
    ("home branch unknown", c("home_branch", "is_not_set"), {"เจ้าบ้าน", "บอล", "ใหม่", "พิม"}),
    ("name contains (any case)", c("name", "contains", "smith"), {"บอล"}),
    ("name contains nickname", c("name", "contains", "nok"), {"นก"}),
    ("name not contains", c("name", "not_contains", "น"), {"บอล", "ใหม่", "พิม"}),
    # contact and consent
    ("has phone", c("has_phone", "is_true"), {"นก"}),
    ("has email", c("has_email", "is_true"), {"บอล"}),
    ("no LINE", c("has_line", "is_false"), {"เจ้าบ้าน", "บอล", "ใหม่", "พิม"}),
    ("consent LINE given", c("consent_marketing_line", "is_true"), {"นก"}),  # บอล withdrew
    (
        "consent LINE not given",
        c("consent_marketing_line", "is_false"),
        {"เจ้าบ้าน", "บอล", "ใหม่", "พิม"},
    ),
    ("consent SMS: tie broken by the later row", c("consent_marketing_sms", "is_true"), set()),
    ("consent email never asked", c("consent_marketing_email", "is_true"), set()),
    ("tags any", ids("tags", 0)("tags", "any"), {"นก", "บอล"}),
    ("tags all", ids("tags", 0, 1)("tags", "all"), {"บอล"}),
    ("tags none", ids("tags", 1)("tags", "none"), {"เจ้าบ้าน", "นก", "ใหม่", "พิม"}),
    # purchases (paid orders only)
    ("orders at least 2", c("orders_count", "gte", 2), {"นก"}),
    ("orders eq 1 (cancelled not counted)", c("orders_count", "eq", 1), {"บอล", "พิม"}),
    ("orders between", c("orders_count", "between", [0, 0]), {"เจ้าบ้าน", "ใหม่"}),
    ("spent more than 130 baht", c("total_spent", "gt", 130), {"นก"}),
    ("spent exactly 380.50", c("total_spent", "eq", "380.50"), {"นก"}),
    ("spent at most 50", c("total_spent", "lte", 50), {"เจ้าบ้าน", "ใหม่", "พิม"}),
    # in a period: only the period's paid orders count; none there is 0 orders, 0 baht
    (
        "spent more than 100 baht in the last 90 days",
        c("total_spent", "gt", 100, period={"within_days": 90}),
        {"นก"},  # 130 of her 380.50 in the period
    ),
    (
        "spent more than 200 baht in the last 90 days",
        c("total_spent", "gt", 200, period={"within_days": 90}),
        set(),
    ),
    (
        "spent less than 100 baht in the last 90 days (no purchase there is 0)",
        c("total_spent", "lt", 100, period={"within_days": 90}),
        {"เจ้าบ้าน", "บอล", "ใหม่", "พิม"},  # บอล's recent order was cancelled
    ),
    (
        "spent between 100 and 300 baht since a date",
        c("total_spent", "between", [100, 300], period={"from": "2026-08-20"}),
        {"นก"},
    ),
    (
        "spent at least 380.50 since an earlier date",
        c("total_spent", "gte", "380.50", period={"from": "2026-08-01"}),
        {"นก"},
    ),
    (
        "orders at least 1 between two dates",
        c("orders_count", "gte", 1, period={"from": "2026-08-01", "to": "2026-08-31"}),
        {"นก"},
    ),
    (
        "no order in the last 30 days",
        c("orders_count", "eq", 0, period={"within_days": 30}),
        {"เจ้าบ้าน", "บอล", "ใหม่"},
    ),
    (
        "orders not 1 in the last 365 days",
        c("orders_count", "ne", 1, period={"within_days": 365}),
        {"เจ้าบ้าน", "นก", "ใหม่"},
    ),
    (
        "orders until a date",
        c("orders_count", "gte", 1, period={"to": "2026-06-01"}),
        {"บอล"},
    ),
    ("last purchase within 7 days", c("last_purchase", "within_days", 7), {"นก"}),
    (
        "last purchase not within 30 days (buyers only)",
        c("last_purchase", "not_within_days", 30),
        {"บอล"},
    ),
    ("never bought", c("last_purchase", "is_not_set"), {"เจ้าบ้าน", "ใหม่"}),
    # NOW is 03:30 on 24 Nov in Bangkok: 2 days ago is 22 Nov local, 10 days ago 14 Nov
    ("last purchase on a local day", c("last_purchase", "on", "2026-11-22"), {"นก"}),
    ("first purchase before", c("first_purchase", "before", "2026-08-16"), {"บอล"}),
    ("first purchase after", c("first_purchase", "after", "2026-11-13"), {"พิม"}),
    (
        "first purchase between",
        c("first_purchase", "between", ["2026-08-01", "2026-11-14"]),
        {"นก", "พิม"},
    ),
    ("bought product ever", ids("products", 0)("bought_product", "any"), {"นก"}),
    (
        "bought product (cancelled order does not count)",
        ids("products", 3)("bought_product", "any"),
        {"พิม"},
    ),
    ("bought all of", ids("products", 0, 2)("bought_product", "all"), {"นก"}),
    (
        "bought none of",
        ids("products", 0, 1)("bought_product", "none"),
        {"เจ้าบ้าน", "ใหม่", "พิม"},
    ),
    ("bought category ever", ids("categories", 0)("bought_category", "any"), {"นก", "บอล"}),
    (
        "bought category in the last 30 days",
        ids("categories", 0, period={"within_days": 30})("bought_category", "any"),
        {"นก"},
    ),
    (
        "bought category between dates",
        ids("categories", 1, period={"from": "2026-08-01", "to": "2026-08-31"})(
            "bought_category", "any"
        ),
        {"นก"},
    ),
    ("bought through channel", ids("channels", 1)("bought_channel", "any"), {"นก", "พิม"}),
    (
        "bought through channel, recently",
        ids("channels", 1, period={"within_days": 30})("bought_channel", "any"),
        {"พิม"},
    ),
    ("bought at branch", ids("branches", 1)("bought_branch", "any"), {"บอล"}),
    ("bought at both branches", ids("branches", 0, 1)("bought_branch", "all"), set()),
    # analytics (a customer without a metrics row never matches a comparison)
    ("rfm eq", c("rfm_segment", "eq", "champions"), {"นก"}),
    ("rfm ne", c("rfm_segment", "ne", "champions"), {"บอล"}),
    ("rfm not_in", c("rfm_segment", "not_in", ["at_risk"]), {"นก"}),
    ("rfm computed", c("rfm_segment", "is_set"), {"นก", "บอล"}),
    ("rfm not computed", c("rfm_segment", "is_not_set"), {"เจ้าบ้าน", "ใหม่", "พิม"}),
    ("r score at least 4", c("r_score", "gte", 4), {"นก"}),
    ("f score ne 4", c("f_score", "ne", 4), {"บอล", "พิม"}),  # พิม's row has the default 0
    ("m score between", c("m_score", "between", [3, 5]), {"นก", "บอล"}),
    ("historical CLV at least 130", c("historical_clv", "gte", 130), {"นก", "บอล"}),
    ("historical CLV not computed", c("historical_clv", "is_not_set"), {"เจ้าบ้าน", "ใหม่"}),
    ("predicted CLV below 1000 baht", c("predicted_clv_12m", "lt", 1000), {"นก"}),
    (
        "predicted CLV unknown",
        c("predicted_clv_12m", "is_not_set"),
        {"เจ้าบ้าน", "บอล", "ใหม่", "พิม"},
    ),
    ("P(alive) below 0.5", c("p_alive", "lt", 0.5), {"บอล"}),
    ("P(alive) ne 0.2", c("p_alive", "ne", 0.2), {"นก"}),
    ("P(alive) known", c("p_alive", "is_set"), {"นก", "บอล"}),
]


def test_every_field_has_a_case() -> None:
    covered = {tree(cast(Refs, _FakeRefs()))["field"] for _, tree, _ in CASES}
    # Fields registered by apps above segments (loyalty …) are tested in those apps' own tests.
    own = {
        k for k in FIELDS if REGISTERED_BY.get(k, "samphan.segments").startswith("samphan.segments")
    }
    assert covered == own - {
        "consent_profiling",
        "consent_sharing",
    }, own - covered


class _FakeRefs:
    def __getattr__(self, name: str) -> list[int]:
        return [1, 2, 3, 4]


@pytest.fixture
def shop(owner: Actor) -> tuple[dict[str, int], Refs]:
    world = build(owner.workspace, PEOPLE)
    # Someone in another shop who matches most conditions.
    CustomerFactory(workspace=WorkspaceFactory(), province="กรุงเทพมหานคร", gender="female")
    names = {p.first_name: p.pk for p in world.people}
    return names, world.refs  # type: ignore[attr-defined]


@pytest.mark.parametrize("label,tree,expected", CASES, ids=[case[0] for case in CASES])
def test_field(
    owner: Actor,
    shop: tuple[dict[str, int], Refs],
    label: str,
    tree: Tree,
    expected: set[str],
) -> None:
    names, refs = shop
    rules = {"op": "and", "items": [tree(refs)]}
    got = set(segment_queryset(owner, rules, now=NOW).values_list("pk", flat=True))
    assert got == {names[n] for n in expected}, {n for n, pk in names.items() if pk in got}


def test_walk_in_orders_do_not_hide_anyone(owner: Actor, shop: tuple[dict[str, int], Refs]) -> None:
    """An order without a customer (a walk-in sale) is in the period's orders; it must not
    make "not among the customers who spent too much" match nobody (SQL's NOT IN a NULL)."""
    names, refs = shop
    Order.objects.create(
        workspace=owner.workspace,
        customer=None,
        channel_id=refs.channels[0],
        number="WALK-IN-1",
        placed_at=NOW - D(days=3),
        total_satang=999_900,
    )
    rules = {
        "op": "and",
        "items": [
            {
                "field": "total_spent",
                "operator": "lt",
                "value": 100,
                "period": {"within_days": 90},
            }
        ],
    }
    got = set(segment_queryset(owner, rules, now=NOW).values_list("pk", flat=True))
    assert got == {names[n] for n in ("เจ้าบ้าน", "บอล", "ใหม่", "พิม")}
