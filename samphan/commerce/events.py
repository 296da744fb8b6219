"""The commerce domain's events: orders, with or without a customer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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


@dataclass(frozen=True, kw_only=True)
class OrderRefunded(DomainEvent):
    """Part or all of a paid order was refunded (คืนเงิน), by lines or by an amount, with the
    reason a person gave. ``amount_satang`` is this refund; ``refunded_total_satang`` is what
    has been refunded on the order so far, this refund included. ``lines`` holds, per refunded
    order line, ``{"line_id", "quantity", "amount_satang"}``; an amount-only refund has none.
    When the refunds reach the order's total, an ``OrderStatusChanged`` to refunded follows in
    the same transaction."""

    type: ClassVar[str] = "order.refunded"
    subject: ClassVar[Subject] = Subject.ORDER
    label: ClassVar[StrOrPromise] = gettext_lazy("Order refunded")

    number: str
    refund_id: int
    amount_satang: int
    refunded_total_satang: int
    total_satang: int
    lines: list[dict[str, int]] = field(default_factory=list)
    reason: str = ""

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        lines = [
            _("Refunded %(amount)s (%(refunded)s of %(total)s so far)")
            % {
                "amount": format_baht(payload.get("amount_satang")),
                "refunded": format_baht(payload.get("refunded_total_satang")),
                "total": format_baht(payload.get("total_satang")),
            }
        ]
        refunded_lines = payload.get("lines") or []
        if refunded_lines:
            units = sum(int(line.get("quantity", 0)) for line in refunded_lines)
            lines.append(
                ngettext("%(count)d item returned", "%(count)d items returned", units)
                % {"count": units}
            )
        if payload.get("reason"):
            lines.append(_("Reason: %(reason)s") % {"reason": payload["reason"]})
        return Description(
            title=_("Order %(number)s") % {"number": payload.get("number", "")},
            lines=lines,
            tone="warn",
        )
