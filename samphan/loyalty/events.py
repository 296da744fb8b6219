"""The loyalty domain's events: points earned, redeemed, adjusted, reversed, expired, a reward
claimed, and the warning that points will expire (for messaging to use)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from samphan.core.thai.dates import format_date
from samphan.timeline.registry import (
    DescribeContext,
    Description,
    DomainEvent,
    StrOrPromise,
    Subject,
)


def _points(value: Any) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    return ngettext("%(count)s point", "%(count)s points", abs(n)) % {"count": f"{abs(n):,}"}


def _date(value: Any, ctx: DescribeContext) -> str:
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return ""
    return format_date(day, language=ctx.language, buddhist_era=ctx.buddhist_era)


def _balance_line(payload: Mapping[str, Any]) -> str:
    if "balance" not in payload:
        return ""
    return _("Balance: %(points)s") % {"points": f"{int(payload['balance']):,}"}


@dataclass(frozen=True, kw_only=True)
class PointsEarned(DomainEvent):
    """Points credited for an order, or as a welcome or birthday bonus (``source``)."""

    type: ClassVar[str] = "points.earned"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Points earned")

    points: int
    source: str = "order"  # order, welcome, birthday
    number: str = ""
    available_on: str = ""  # an ISO date while the points are pending
    balance: int = 0

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        source = payload.get("source", "order")
        title = "+" + _points(payload.get("points"))
        lines = []
        if source == "welcome":
            lines.append(_("Welcome bonus"))
        elif source == "birthday":
            lines.append(_("Birthday bonus"))
        elif payload.get("number"):
            lines.append(_("Order %(number)s") % {"number": payload["number"]})
        if payload.get("available_on"):
            lines.append(
                _("Pending until %(date)s") % {"date": _date(payload["available_on"], ctx)}
            )
        if line := _balance_line(payload):
            lines.append(line)
        return Description(title=title, lines=lines, tone="ok")


@dataclass(frozen=True, kw_only=True)
class PointsRedeemed(DomainEvent):
    type: ClassVar[str] = "points.redeemed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Points redeemed")

    points: int
    value_satang: int
    redemption_id: int
    balance: int = 0

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        from samphan.core.money import format_baht

        lines = [_("Worth %(amount)s") % {"amount": format_baht(payload.get("value_satang"))}]
        if line := _balance_line(payload):
            lines.append(line)
        return Description(title="−" + _points(payload.get("points")), lines=lines)


@dataclass(frozen=True, kw_only=True)
class RewardClaimed(DomainEvent):
    """A member claimed a reward from the catalogue with points (``redemption_id``: the
    points' redemption in the ledger)."""

    type: ClassVar[str] = "reward.claimed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Reward claimed")

    reward_id: int
    reward: str  # the reward's name when it was claimed
    points: int
    claim_id: int
    redemption_id: int
    balance: int = 0

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        lines = [_("Reward: %(name)s") % {"name": payload.get("reward", "")}]
        if line := _balance_line(payload):
            lines.append(line)
        return Description(title="−" + _points(payload.get("points")), lines=lines, tone="ok")


@dataclass(frozen=True, kw_only=True)
class PointsAdjusted(DomainEvent):
    type: ClassVar[str] = "points.adjusted"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Points adjusted")

    points: int
    reason: str
    balance: int = 0

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        points = int(payload.get("points") or 0)
        sign = "+" if points >= 0 else "−"
        lines = []
        if payload.get("reason"):
            lines.append(_("Reason: %(reason)s") % {"reason": payload["reason"]})
        if line := _balance_line(payload):
            lines.append(line)
        return Description(title=sign + _points(points), lines=lines, tone="warn")


@dataclass(frozen=True, kw_only=True)
class PointsReversed(DomainEvent):
    """Points taken back because an order was refunded, returned or cancelled (``restored``:
    points redeemed on that order given back)."""

    type: ClassVar[str] = "points.reversed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Points reversed")

    points: int
    number: str = ""
    restored: int = 0
    balance: int = 0

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        lines = []
        if payload.get("number"):
            lines.append(
                _("Order %(number)s refunded or cancelled") % {"number": payload["number"]}
            )
        if payload.get("restored"):
            lines.append(
                _("%(points)s redeemed on it given back") % {"points": _points(payload["restored"])}
            )
        if line := _balance_line(payload):
            lines.append(line)
        owed = int(payload.get("balance") or 0) < 0
        if owed:
            lines.append(_("The customer owes points"))
        return Description(
            title="−" + _points(payload.get("points")), lines=lines, tone="warn" if owed else "off"
        )


@dataclass(frozen=True, kw_only=True)
class PointsExpired(DomainEvent):
    type: ClassVar[str] = "points.expired"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Points expired")

    points: int
    balance: int = 0

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        line = _balance_line(payload)
        return Description(
            title="−" + _points(payload.get("points")), lines=[line] if line else [], tone="off"
        )


@dataclass(frozen=True, kw_only=True)
class PointsExpiring(DomainEvent):
    """Points will expire on ``expires_on`` (sent 30 days ahead, once per batch of points):
    what a message to the member can say."""

    type: ClassVar[str] = "points.expiring"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Points expiring soon")

    points: int
    expires_on: str  # ISO date

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        return Description(
            title=_("%(points)s expire on %(date)s")
            % {
                "points": _points(payload.get("points")),
                "date": _date(payload.get("expires_on"), ctx),
            },
            tone="warn",
        )


@dataclass(frozen=True, kw_only=True)
class TierChanged(DomainEvent):
    """A member moved up (at once, when they qualify) or down (only at a review) a tier."""

    type: ClassVar[str] = "tier.changed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Tier changed")

    old_tier: str = ""  # the tier's name when it changed ("" = none)
    new_tier: str = ""
    direction: str = "up"  # up, down

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        old = payload.get("old_tier") or _("no tier")
        new = payload.get("new_tier") or _("no tier")
        up = payload.get("direction", "up") == "up"
        return Description(
            title=f"{old} → {new}",
            lines=[_("Moved up a tier") if up else _("Moved down at the tier review")],
            tone="ok" if up else "warn",
        )
