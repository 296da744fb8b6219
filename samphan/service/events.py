"""The service desk's events: a ticket opened, replied to, moved to another status, resolved,
past its SLA target, and a goodwill coupon given. They are about the workspace (a ticket may
have no customer yet) and land on the customer's timeline when the ticket has one."""

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


def _ticket(payload: Mapping[str, Any]) -> str:
    return _("Ticket #%(number)s: %(subject)s") % {
        "number": payload.get("number", ""),
        "subject": payload.get("subject", ""),
    }


def _status_label(value: Any) -> str:
    from samphan.service.models import TicketStatus

    try:
        return str(TicketStatus(value).label)
    except ValueError:
        return str(value or "")


@dataclass(frozen=True, kw_only=True)
class TicketOpened(DomainEvent):
    type: ClassVar[str] = "ticket.opened"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Ticket opened")

    number: int
    subject_text: str = field(metadata={"key": "subject"})
    ticket_type: str
    channel: str
    priority: str
    ticket_id: int = field(metadata={"link": "ticket"})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        from samphan.service.models import TicketChannel, TicketType

        lines = []
        try:
            kind = str(TicketType(str(payload.get("ticket_type"))).label)
            channel = str(TicketChannel(str(payload.get("channel"))).label)
            lines.append(f"{kind} · {channel}")
        except ValueError:
            pass
        tone = "warn" if payload.get("ticket_type") == "complaint" else ""
        return Description(title=_ticket(payload), lines=lines, tone=tone)


@dataclass(frozen=True, kw_only=True)
class TicketReplied(DomainEvent):
    """A reply on a ticket, from the shop or from the customer (internal notes are not
    published: they are not something the customer would care about)."""

    type: ClassVar[str] = "ticket.replied"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Ticket reply")

    number: int
    subject_text: str = field(metadata={"key": "subject"})
    from_customer: bool = False
    first_response: bool = False
    ticket_id: int = field(metadata={"link": "ticket"})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        who = (
            _("The customer replied")
            if payload.get("from_customer")
            else (
                _("First answer from the shop")
                if payload.get("first_response")
                else _("The shop replied")
            )
        )
        return Description(title=_ticket(payload), lines=[who])


@dataclass(frozen=True, kw_only=True)
class TicketStatusChanged(DomainEvent):
    type: ClassVar[str] = "ticket.status_changed"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Ticket status changed")

    number: int
    subject_text: str = field(metadata={"key": "subject"})
    old: str = field(metadata={"key": "from"})
    new: str = field(metadata={"key": "to"})
    reason: str = field(default="", metadata={"omit_empty": True})
    ticket_id: int = field(metadata={"link": "ticket"})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        lines = [f"{_status_label(payload.get('from'))} → {_status_label(payload.get('to'))}"]
        if payload.get("reason"):
            lines.append(_("Reason: %(reason)s") % {"reason": payload["reason"]})
        return Description(title=_ticket(payload), lines=lines)


@dataclass(frozen=True, kw_only=True)
class TicketResolved(DomainEvent):
    """A ticket was resolved (what a follow-up survey waits for)."""

    type: ClassVar[str] = "ticket.resolved"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Ticket resolved")

    number: int
    subject_text: str = field(metadata={"key": "subject"})
    ticket_type: str = ""
    category: str = field(default="", metadata={"omit_empty": True})
    channel: str = ""
    assignee_id: int | None = None
    breached: bool = False
    ticket_id: int = field(metadata={"link": "ticket"})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        lines = [_("Resolved after its SLA target")] if payload.get("breached") else []
        return Description(title=_ticket(payload), lines=lines, tone="ok")


@dataclass(frozen=True, kw_only=True)
class TicketBreached(DomainEvent):
    """A ticket passed its first-response or resolution target (``target``)."""

    type: ClassVar[str] = "ticket.breached"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Ticket past its SLA target")

    number: int
    subject_text: str = field(metadata={"key": "subject"})
    target: str  # first_response, resolution
    due: str  # ISO datetime
    ticket_id: int = field(metadata={"link": "ticket"})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        line = (
            _("No first answer in time")
            if payload.get("target") == "first_response"
            else _("Not resolved in time")
        )
        return Description(title=_ticket(payload), lines=[line], tone="warn")


@dataclass(frozen=True, kw_only=True)
class TicketRecoveryIssued(DomainEvent):
    """A goodwill coupon given to the customer to make up for a ticket (service recovery)."""

    type: ClassVar[str] = "ticket.recovery_issued"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Goodwill coupon given")

    number: int
    code: str
    campaign: str
    ticket_id: int = field(metadata={"link": "ticket"})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        return Description(
            title=_("Goodwill coupon %(code)s") % {"code": payload.get("code", "")},
            lines=[
                _("For ticket #%(number)s · %(campaign)s")
                % {"number": payload.get("number", ""), "campaign": payload.get("campaign", "")}
            ],
            tone="ok",
        )
