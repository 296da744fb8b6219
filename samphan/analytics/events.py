"""The analytics domain's events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.timeline.registry import (
    DescribeContext,
    Description,
    DomainEvent,
    StrOrPromise,
    Subject,
)


@dataclass(frozen=True, kw_only=True)
class MetricsRecomputed(DomainEvent):
    """Every customer's RFM scores and lifetime value were recomputed (nightly, or asked for):
    what depends on them (segment snapshots) refreshes."""

    type: ClassVar[str] = "analytics.recomputed"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Customer scores recomputed")

    run_id: int = field(metadata={"link": "model_run"})
    customers: int

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        line = _("%(count)s customers scored") % {"count": payload.get("customers", 0)}
        return Description(title=str(cls.label), lines=[line])
