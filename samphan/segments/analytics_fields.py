"""The segment fields read from analytics: RFM segment and scores, lifetime value, the chance a
customer is still active. Segments sits above analytics (docs/architecture.md), so these fields
are declared here, on the analytics row reached through ``metrics__…``, and added with
``register_field`` like any other app's fields. Imported once, by ``SegmentsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy

from samphan.analytics.models import RfmSegment
from samphan.segments.fields import (
    CHOICE_OPS,
    NUMBER_OPS,
    SET_OPS,
    Builder,
    Context,
    FieldSpec,
    number_column,
    register_field,
    static_choices,
)

SECTION_ANALYTICS = gettext_lazy("Analytics (RFM, CLV)")

RFM_VALUES = [v for v in RfmSegment.values if v]
_NOT_COMPUTED = {
    "is_set": gettext_lazy("is computed"),
    "is_not_set": gettext_lazy("is not computed yet"),
}


def _metrics_choice(column: str, all_values: list[str]) -> Builder:
    """Choice operators on the analytics row. ``ne`` / ``not_in`` become ``in`` over the other
    choices, so a customer without an analytics row (or with a blank value) never matches."""
    lhs = f"metrics__{column}"

    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        if op == "eq":
            return Q(**{lhs: value})
        if op == "in":
            return Q(**{f"{lhs}__in": value})
        if op == "ne":
            return Q(**{f"{lhs}__in": [v for v in all_values if v != value]})
        if op == "not_in":
            return Q(**{f"{lhs}__in": [v for v in all_values if v not in value]})
        if op == "is_set":
            return Q(**{f"{lhs}__in": all_values})
        if op == "is_not_set":
            return Q(metrics__isnull=True) | Q(**{lhs: ""})
        raise AssertionError(op)

    return build


ANALYTICS_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "rfm_segment",
        gettext_lazy("RFM segment"),
        SECTION_ANALYTICS,
        "choice",
        (*CHOICE_OPS, *SET_OPS),
        _metrics_choice("rfm_segment", RFM_VALUES),
        static_choices((v, label) for v, label in RfmSegment.choices if v),
        op_labels=_NOT_COMPUTED,
    ),
    *(
        FieldSpec(
            f"{letter}_score",
            label,
            SECTION_ANALYTICS,
            "number",
            NUMBER_OPS,
            number_column(f"metrics__{letter}_score"),
            integer=True,
            minimum=0,
            maximum=5,
            help=gettext_lazy("1 (lowest) to 5 (highest); 0 = no purchases"),
        )
        for letter, label in (
            ("r", gettext_lazy("RFM recency score (1–5)")),
            ("f", gettext_lazy("RFM frequency score (1–5)")),
            ("m", gettext_lazy("RFM monetary score (1–5)")),
        )
    ),
    FieldSpec(
        "historical_clv",
        gettext_lazy("Historical CLV (baht)"),
        SECTION_ANALYTICS,
        "money",
        (*NUMBER_OPS, *SET_OPS),
        number_column("metrics__historical_clv_satang", money=True),
        op_labels=_NOT_COMPUTED,
    ),
    FieldSpec(
        "predicted_clv_12m",
        gettext_lazy("Predicted CLV, next 12 months (baht)"),
        SECTION_ANALYTICS,
        "money",
        (*NUMBER_OPS, *SET_OPS),
        number_column("metrics__clv_12m_satang", money=True),
        op_labels=_NOT_COMPUTED,
    ),
    FieldSpec(
        "p_alive",
        gettext_lazy("Likely still a customer (0–1, e.g. 0.72)"),
        SECTION_ANALYTICS,
        "number",
        (*NUMBER_OPS, *SET_OPS),
        number_column("metrics__p_alive"),
        minimum=0,
        maximum=1,
        op_labels=_NOT_COMPUTED,
    ),
)

for _spec in ANALYTICS_FIELDS:
    register_field(_spec)
