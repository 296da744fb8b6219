"""The commerce domain's events: orders, with or without a customer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.commerce.models import OrderStatus
from samphan.core.money import format_baht
from samphan.timeline.registry import (
    DescribeContext,
    Description,
    DomainEvent,
    StrOrPromise,
    Subject,
)


def _status_label(value: str) -> str:
    try:
        return str(OrderStatus(value).label)
    except ValueError:
        return value


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(DomainEvent):
    """An order was recorded: at the counter, through the API or from a file. A walk-in sale
    has no customer; the event is about the order all the same."""

    type: ClassVar[str] = "order.placed"
    subject: ClassVar[Subject] = Subject.ORDER
    label: ClassVar[StrOrPromise] = gettext_lazy("Order placed")

    number: str
    total_satang: int
    channel: str
    status: str = OrderStatus.PAID.value

    def payload(self) -> dict[str, Any]:
        payload = super().payload()
        if payload.get("status") == OrderStatus.PAID:
            del payload["status"]  # most orders are paid: keep the rows small
        return payload

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        parts = [format_baht(payload.get("total_satang")), str(payload.get("channel", ""))]
        status = payload.get("status", OrderStatus.PAID)
        if status != OrderStatus.PAID:
            parts.append(_status_label(status))
        return Description(
            title=_("Order %(number)s") % {"number": payload.get("number", "")},
            lines=[" · ".join(p for p in parts if p)],
            tone="ok" if status == OrderStatus.PAID else "off",
        )


@dataclass(frozen=True, kw_only=True)
class OrderStatusChanged(DomainEvent):
    """A refund, return or cancellation, with the reason a person gave (imports, which copy a
    marketplace's status, give none)."""

    type: ClassVar[str] = "order.status_changed"
    subject: ClassVar[Subject] = Subject.ORDER
    label: ClassVar[StrOrPromise] = gettext_lazy("Order status changed")

    number: str
    old_status: str = field(metadata={"key": "from"})
    new_status: str = field(metadata={"key": "to"})
    total_satang: int
    reason: str = field(default="", metadata={"omit_empty": True})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        old, new = payload.get("from", ""), payload.get("to", "")
        lines = [f"{_status_label(old)} → {_status_label(new)}"]
        if payload.get("reason"):
            lines.append(_("Reason: %(reason)s") % {"reason": payload["reason"]})
        return Description(
            title=_("Order %(number)s") % {"number": payload.get("number", "")},
            lines=lines,
            tone="warn",
        )
