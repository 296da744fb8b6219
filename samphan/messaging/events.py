"""The messaging domain's events: what a customer did on the shop's LINE Official Account.
Automations trigger on these (a welcome on ``line.followed``, a menu answer on
``line.postback``)."""

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
class LineFollowed(DomainEvent):
    """The customer added the shop as a friend (or unblocked it)."""

    type: ClassVar[str] = "line.followed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Added the shop on LINE")

    new_customer: bool  # the follow created the customer record
    unblocked: bool = field(default=False, metadata={"omit_empty": True})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        lines = []
        if payload.get("unblocked"):
            lines.append(_("Unblocked the shop"))
        if payload.get("new_customer"):
            lines.append(_("New customer from LINE"))
        return Description(title=str(cls.label), lines=lines, tone="ok")


@dataclass(frozen=True, kw_only=True)
class LineUnfollowed(DomainEvent):
    """The customer blocked the shop's LINE account: LINE marketing consent is withdrawn."""

    type: ClassVar[str] = "line.unfollowed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Blocked the shop on LINE")

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        return Description(title=str(cls.label), tone="warn")


@dataclass(frozen=True, kw_only=True)
class LineLinked(DomainEvent):
    """A LINE account was linked to this customer with a one-time code from the shop."""

    type: ClassVar[str] = "line.linked"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("LINE account linked")

    merged_customer_id: int | None = field(
        default=None, metadata={"link": "merged_customer", "omit_empty": True}
    )

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        return Description(
            title=str(cls.label), lines=[_("With a link code from the shop")], tone="ok"
        )


@dataclass(frozen=True, kw_only=True)
class LineMessageReceived(DomainEvent):
    """The customer wrote to the shop on LINE (kept as a chat interaction too)."""

    type: ClassVar[str] = "line.message_received"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("LINE message received")

    interaction_id: int = field(metadata={"link": "interaction"})
    text: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        text = str(payload.get("text", ""))
        return Description(title=str(cls.label), lines=[text] if text else [])


@dataclass(frozen=True, kw_only=True)
class LinePostback(DomainEvent):
    """The customer tapped a button (rich menu, Flex message) that sends postback data."""

    type: ClassVar[str] = "line.postback"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("LINE button tapped")

    interaction_id: int = field(metadata={"link": "interaction"})
    data: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        data = str(payload.get("data", ""))
        return Description(title=str(cls.label), lines=[data] if data else [])


@dataclass(frozen=True, kw_only=True)
class CampaignMessageSent(DomainEvent):
    """A campaign message reached the provider for this customer (LINE, SMS or email)."""

    type: ClassVar[str] = "campaign.message_sent"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Campaign message sent")

    campaign_id: int = field(metadata={"link": "campaign"})
    campaign: str
    channel: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        channels = {"line": "LINE", "sms": "SMS", "email": _("Email")}
        return Description(
            title=str(cls.label),
            lines=[
                f"{payload.get('campaign', '')} · "
                f"{channels.get(str(payload.get('channel')), payload.get('channel', ''))}"
            ],
        )


@dataclass(frozen=True, kw_only=True)
class CampaignUnsubscribed(DomainEvent):
    """The customer unsubscribed from a campaign message (link, LINE keyword or SMS STOP):
    marketing consent on every channel is withdrawn."""

    type: ClassVar[str] = "campaign.unsubscribed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Unsubscribed from marketing messages")

    campaign_id: int | None = field(default=None, metadata={"link": "campaign", "omit_empty": True})
    how: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        hows = {
            "link": _("With the link in a message"),
            "line": _("By a keyword on LINE"),
            "sms": _("By replying STOP to an SMS"),
        }
        how = str(payload.get("how", ""))
        return Description(title=str(cls.label), lines=[str(hows.get(how, how))], tone="warn")
