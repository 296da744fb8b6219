"""Loyalty's fields in the segment builder: points available and points expiring soon."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from samphan.core.models import Workspace
from samphan.customers.models import Customer
from samphan.loyalty.models import PointLot, Tier
from samphan.segments.fields import (
    CHOICE_OPS,
    NUMBER_OPS,
    ChoiceList,
    Context,
    FieldSpec,
    choice_column,
    number_column,
    register_field,
)

SECTION_LOYALTY = gettext_lazy("Loyalty points")
EXPIRING_DAYS = 30


_LOOKUPS = {"gte": "gte", "lte": "lte", "gt": "gt", "lt": "lt", "eq": "exact"}


def _expiring(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
    """Points that expire within the next 30 days, compared like a number; a customer with
    none has 0 (so "less than 100" includes them)."""
    soon = (
        PointLot.objects.filter(
            account__customer=OuterRef("pk"),
            is_pending=False,
            remaining__gt=0,
            expires_at__gt=ctx.now,
            expires_at__lte=ctx.now + dt.timedelta(days=EXPIRING_DAYS),
        )
        .values("account")
        .annotate(total=Sum("remaining"))
        .values("total")[:1]
    )
    customers = Customer.objects.filter(workspace_id=ctx.workspace.pk).annotate(
        _expiring=Coalesce(Subquery(soon), 0)
    )
    if op == "between":
        low, high = value
        customers = customers.filter(_expiring__gte=low, _expiring__lte=high)
    elif op == "ne":
        customers = customers.exclude(_expiring=value)
    else:
        customers = customers.filter(**{f"_expiring__{_LOOKUPS[op]}": value})
    return Q(pk__in=customers.values("pk"))


def _tier_choices(workspace: Workspace) -> ChoiceList:
    return [(t.code, t.name) for t in Tier.objects.filter(workspace=workspace).order_by("rank")]


LOYALTY_FIELDS = (
    FieldSpec(
        "loyalty_tier",
        gettext_lazy("Tier"),
        SECTION_LOYALTY,
        "choice",
        CHOICE_OPS,
        choice_column("loyalty_account__tier__code", nullable="loyalty_account__tier"),
        _tier_choices,
    ),
    FieldSpec(
        "points_balance",
        gettext_lazy("Points available"),
        SECTION_LOYALTY,
        "number",
        NUMBER_OPS,
        number_column("loyalty_account__balance"),
        integer=True,
        minimum=0,
        help=gettext_lazy("A customer who never earned points has no balance."),
    ),
    FieldSpec(
        "points_expiring",
        gettext_lazy("Points expiring in 30 days"),
        SECTION_LOYALTY,
        "number",
        NUMBER_OPS,
        _expiring,
        integer=True,
        minimum=0,
    ),
)

for _spec in LOYALTY_FIELDS:
    register_field(_spec)
