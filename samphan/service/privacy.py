"""The service desk's part of a person's data (``core.datasubject``): their tickets, what was
said on them, the files, the status history and pauses, and goodwill coupons.

Erasure keeps each ticket's type, channel, dates, due times and breaches (the shop's service
statistics stay true) and removes what a person wrote or sent: the subject, every message
(replies and notes) and the reasons typed on status changes and pauses are blanked; the files
are deleted, rows and stored files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    DELETED,
    ERASED_MARK,
    Holding,
    Subject,
    register_part,
    register_unrelated,
)
from samphan.service.models import (
    SlaPause,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatusChange,
)


def _tickets(subject: Subject) -> Any:
    return Ticket.objects.filter(
        workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
    )


def tickets_export(subject: Subject) -> list[dict[str, Any]]:
    out = []
    for t in _tickets(subject).order_by("opened_at", "pk"):
        out.append(
            {
                "number": t.number,
                "subject": t.subject,
                "type": t.type,
                "channel": t.channel,
                "status": t.status,
                "opened_at": t.opened_at.isoformat(),
                "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None,
                "messages": [
                    {
                        "at": m.created_at.isoformat(),
                        "kind": m.kind,
                        "from": m.author_kind,
                        "body": m.body,
                    }
                    for m in t.messages.order_by("created_at", "pk")
                ],
                "files": [
                    {"name": a.name, "type": a.content_type, "size": a.size}
                    for a in t.attachments.order_by("pk")
                ],
                "status_changes": [
                    {
                        "at": c.at.isoformat(),
                        "from": c.from_status,
                        "to": c.to_status,
                        "reason": c.reason,
                    }
                    for c in t.status_changes.order_by("at", "pk")
                ],
                "coupons": [r.code for r in t.recoveries.order_by("pk")],
            }
        )
    return out


def tickets_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    for subject in subjects:
        tickets = _tickets(subject)
        for attachment in TicketAttachment.objects.filter(ticket__in=tickets):
            attachment.file.delete(save=False)
            attachment.delete()
            changed += 1
        changed += TicketMessage.objects.filter(ticket__in=tickets).update(
            body=ERASED_MARK, author_label=""
        )
        changed += (
            TicketStatusChange.objects.filter(ticket__in=tickets)
            .exclude(reason="")
            .update(reason=ERASED_MARK)
        )
        changed += (
            SlaPause.objects.filter(ticket__in=tickets)
            .exclude(pause_reason="", resume_reason="")
            .update(pause_reason="", resume_reason="")
        )
        changed += tickets.update(subject=ERASED_MARK)
    return changed


register_part(
    key="service.tickets",
    label=gettext_lazy("Service tickets"),
    holds=[
        Holding(
            "service.Ticket",
            personal=("subject",),
            kept=(
                "number",
                "type",
                "channel",
                "priority",
                "status",
                "category",
                "customer",
                "branch",
                "orders",
                "assignee",
                "team",
                "opened_at",
                "first_responded_at",
                "resolved_at",
                "closed_at",
                "first_response_due",
                "resolution_due",
                "first_response_breached",
                "resolution_breached",
                "escalated_at",
                "created_by",
                "created_at",
                "updated_at",
            ),
        ),
        Holding(
            "service.TicketMessage",
            personal=("body", "author_label"),
            kept=("ticket", "kind", "author_kind", "author", "created_at"),
        ),
        Holding(
            "service.TicketAttachment",
            personal=("file", "name"),
            kept=("ticket", "message", "content_type", "size", "uploaded_by", "created_at"),
            how=DELETED,
        ),
        Holding(
            "service.TicketStatusChange",
            personal=("reason",),
            kept=("ticket", "from_status", "to_status", "actor", "actor_label", "at"),
        ),
        Holding(
            "service.SlaPause",
            personal=("pause_reason", "resume_reason"),
            kept=(
                "ticket",
                "paused_at",
                "paused_by",
                "paused_by_label",
                "resumed_at",
                "resumed_by",
                "resumed_by_label",
            ),
        ),
        Holding(
            "service.TicketRecovery",
            personal=(),
            kept=("ticket", "customer", "campaign", "code", "issued_by", "issued_at"),
        ),
    ],
    export=tickets_export,
    erase=tickets_erase,
    order=40,
)

register_unrelated("service.CannedReply", "the shop's own reply templates")
