"""The segment-field registry: a field another app registers (here, the test) is offered in the
builder, counted live, described and compiled like a built-in one, without editing segments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor
from samphan.customers.models import Customer
from samphan.segments.fields import (
    FIELDS,
    NUMBER_OPS,
    SECTIONS,
    Context,
    FieldSpec,
    register_field,
    unregister_field,
)
from samphan.segments.rules import rules_describe, segment_queryset
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SECTION = gettext_lazy("Loyalty (test)")


def _visits(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
    # What a loyalty app would compile from its own tables; here, a customer column.
    assert op == "gte"
    return Q(orders_count__gte=value)


@pytest.fixture
def visits_field() -> Iterator[FieldSpec]:
    spec = register_field(
        FieldSpec(
            "test_visits",
            gettext_lazy("Visits (test)"),
            SECTION,
            "number",
            ("gte",),
            _visits,
            integer=True,
            minimum=0,
        )
    )
    yield spec
    unregister_field(spec.key)


def _tree(value: int) -> dict[str, Any]:
    return {"op": "and", "items": [{"field": "test_visits", "operator": "gte", "value": value}]}


def test_a_registered_field_is_offered_in_the_builder(
    owner_client: Client, visits_field: FieldSpec
) -> None:
    html = owner_client.get(reverse("segments:new")).content.decode()
    assert (
        '<optgroup label="Loyalty (test)"><option value="test_visits">Visits (test)</option>'
        in (html)
    )


def test_a_registered_field_compiles_counts_and_describes(
    owner: Actor, owner_client: Client, visits_field: FieldSpec
) -> None:
    regulars = {
        cast(Customer, CustomerFactory(workspace=owner.workspace, orders_count=n)).pk
        for n in (3, 5)
    }
    CustomerFactory(workspace=owner.workspace, orders_count=1)
    matched = set(segment_queryset(owner, _tree(3)).values_list("pk", flat=True))
    assert matched == regulars
    assert rules_describe(owner.workspace, _tree(3)) == "Visits (test) at least 3"
    response = owner_client.post(
        reverse("segments:builder_count"),
        {
            "r.op": "and",
            "r.0.field": "test_visits",
            "r.0.operator": "gte",
            "r.0.value": "3",
            "r.0.shown": "test_visits:gte",
        },
    )
    assert 'data-count="2"' in response.content.decode()


def test_unregistering_removes_the_field_and_its_empty_section(owner: Actor) -> None:
    sections = list(SECTIONS)
    register_field(
        FieldSpec(
            "test_other", gettext_lazy("Other (test)"), SECTION, "number", NUMBER_OPS, _visits
        )
    )
    assert [*sections, SECTION] == SECTIONS
    unregister_field("test_other")
    assert "test_other" not in FIELDS
    assert sections == SECTIONS


def test_a_field_is_registered_once_and_with_known_operators(visits_field: FieldSpec) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_field(visits_field)
    with pytest.raises(ValueError, match="unknown operators"):
        register_field(
            FieldSpec("test_bad", gettext_lazy("Bad"), SECTION, "number", ("roughly",), _visits)
        )
    assert "test_bad" not in FIELDS


def test_the_analytics_fields_are_registered_after_the_built_in_ones() -> None:
    keys = list(FIELDS)
    assert keys.index("rfm_segment") > keys.index("bought_branch")
    assert str(FIELDS["p_alive"].section) == "Analytics (RFM, CLV)"
    # Right after the built-in sections (apps above segments, e.g. loyalty, come after it).
    assert str(SECTIONS[3]) == "Analytics (RFM, CLV)"
