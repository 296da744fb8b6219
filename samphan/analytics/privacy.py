"""Analytics' part of a person's data (the data-subject registry, ``core.datasubject``): the
customer's metrics row (RFM scores and segment, predicted value, chance still active).

Erasure deletes it: a profile of the person. If the anonymised record still has orders, the
next recompute scores it again as an anonymous record, so the shop's figures stay true."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.analytics.models import CustomerMetrics
from samphan.core.datasubject import DELETED, Holding, Subject, register_part, register_unrelated

METRICS_FIELDS = (
    "computed_at", "recency_days", "frequency", "orders", "monetary_satang", "total_satang",
    "r_score", "f_score", "m_score", "rfm_segment", "historical_clv_satang",
    "predicted_purchases_90d", "p_alive", "expected_order_value_satang", "clv_12m_satang",
)  # fmt: skip


def metrics_export(subject: Subject) -> list[dict[str, Any]]:
    rows = CustomerMetrics.objects.filter(customer_id__in=subject.customer_ids).order_by("pk")
    out = []
    for m in rows:
        record: dict[str, Any] = {"customer_id": m.customer_id}
        for name in METRICS_FIELDS:
            value = getattr(m, name)
            record[name] = value.isoformat() if name == "computed_at" else value
        out.append(record)
    return out


def metrics_erase(subjects: Sequence[Subject]) -> int:
    ids = [pk for s in subjects for pk in s.customer_ids]
    deleted, _ = CustomerMetrics.objects.filter(customer_id__in=ids).delete()
    return deleted


register_part(
    key="analytics.metrics",
    label=gettext_lazy("Analytics scores"),
    holds=[
        Holding(
            "analytics.CustomerMetrics", personal=METRICS_FIELDS, kept=("customer",), how=DELETED
        )
    ],
    export=metrics_export,
    erase=metrics_erase,
    order=40,
)

register_unrelated("analytics.ModelRun", "fitted parameters and a model card: aggregates")
register_unrelated("analytics.MarketingSpend", "the shop's marketing spend per channel")
