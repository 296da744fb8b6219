"""Loyalty's fields in the segment builder: points available and points expiring soon."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from samphan.customers.models import Customer
from samphan.loyalty.models import PointLot
from samphan.segments.fields import (
    NUMBER_OPS,
    Context,
    FieldSpec,
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


LOYALTY_FIELDS = (
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
