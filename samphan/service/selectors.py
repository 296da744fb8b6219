"""Reads of the service desk: the queue with its views (mine, unassigned, breaching soon, by
category), one ticket with its conversation and history, a customer's tickets."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.service.models import (
    ACTIVE_STATUSES,
    CannedReply,
    Team,
    Ticket,
    TicketCategory,
    TicketStatus,
)

# "Breaching soon": a running clock due within this time.
SOON = dt.timedelta(hours=1)
VIEWS = ("all", "mine", "unassigned", "breaching_soon", "breached")


def breaching_soon_q(now: dt.datetime) -> Q:
    """Running (new or open), not yet breached, and a target due within ``SOON``."""
    horizon = now + SOON
    return Q(status__in=(TicketStatus.NEW, TicketStatus.OPEN)) & (
        Q(
            first_responded_at__isnull=True,
            first_response_breached=False,
            first_response_due__gte=now,
            first_response_due__lte=horizon,
        )
        | Q(resolution_breached=False, resolution_due__gte=now, resolution_due__lte=horizon)
    )


def breached_q(now: dt.datetime) -> Q:
    """Breached (marked), or past a due time the escalation task has not seen yet."""
    running = Q(status__in=(TicketStatus.NEW, TicketStatus.OPEN))
    return (
        Q(first_response_breached=True)
        | Q(resolution_breached=True)
        | (running & Q(first_responded_at__isnull=True, first_response_due__lt=now))
        | (running & Q(resolution_due__lt=now))
    )


def ticket_list(
    *,
    actor: Actor,
    status: str = "",
    view: str = "all",
    category_id: int | None = None,
    customer_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Ticket]:
    """The workspace's tickets. Without a status, the active ones (new, open, waiting);
    ``status="all"`` every one. ``view``: mine, unassigned, breaching_soon, breached."""
    require(actor, Perm.TICKET_MANAGE)
    now = now or timezone.now()
    qs = Ticket.objects.filter(workspace=actor.workspace)
    if status == "all":
        pass
    elif status:
        if status not in TicketStatus.values:
            raise ApplicationError(
                "invalid_status",
                _("Choose one of: %(values)s.") % {"values": ", ".join(TicketStatus.values)},
                {"field": "status"},
                status=422,
            )
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if view == "mine":
        qs = qs.filter(assignee=actor.user) if actor.user is not None else qs.none()
    elif view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif view == "breaching_soon":
        qs = qs.filter(breaching_soon_q(now))
    elif view == "breached":
        qs = qs.filter(breached_q(now))
    elif view not in ("", "all"):
        raise ApplicationError(
            "invalid_view",
            _("Choose one of: %(values)s.") % {"values": ", ".join(VIEWS)},
            {"field": "view"},
            status=422,
        )
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("customer", "assignee", "category", "team").order_by(
        "-opened_at", "-id"
    )


def ticket_badge(ticket: Ticket, now: dt.datetime | None = None) -> str:
    """``breached``, ``soon`` (due within the hour), ``paused`` (waiting) or ""."""
    now = now or timezone.now()
    running = ticket.status in (TicketStatus.NEW, TicketStatus.OPEN)
    fr = ticket.first_response_due if ticket.first_responded_at is None else None
    res = ticket.resolution_due
    if ticket.breached or (running and any(d is not None and d < now for d in (fr, res))):
        return "breached"
    if ticket.status == TicketStatus.WAITING:
        return "paused"
    if running and any(d is not None and now <= d <= now + SOON for d in (fr, res)):
        return "soon"
    return ""


def ticket_get(*, actor: Actor, ticket_id: int) -> Ticket:
    require(actor, Perm.TICKET_MANAGE)
    ticket = (
        Ticket.objects.filter(workspace=actor.workspace, pk=ticket_id)
        .select_related("customer", "assignee", "category", "team", "branch", "workspace")
        .prefetch_related("orders")
        .first()
    )
    if ticket is None:
        raise NotFound("ticket_not_found", _("Ticket not found."))
    return ticket


def categories(*, actor: Actor, active_only: bool = True) -> QuerySet[TicketCategory]:
    qs = TicketCategory.objects.filter(workspace=actor.workspace)
    return qs.filter(is_active=True) if active_only else qs


def teams(*, actor: Actor, active_only: bool = True) -> QuerySet[Team]:
    qs = Team.objects.filter(workspace=actor.workspace)
    return qs.filter(is_active=True) if active_only else qs


def canned_list(*, actor: Actor) -> QuerySet[CannedReply]:
    require(actor, Perm.TICKET_MANAGE)
    return CannedReply.objects.filter(workspace=actor.workspace)


def queue_counts(*, actor: Actor, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    active = Ticket.objects.filter(workspace=actor.workspace, status__in=ACTIVE_STATUSES)
    return {
        "all": active.count(),
        "mine": active.filter(assignee=actor.user).count() if actor.user is not None else 0,
        "unassigned": active.filter(assignee__isnull=True).count(),
        "breaching_soon": active.filter(breaching_soon_q(now)).count(),
        "breached": active.filter(breached_q(now)).count(),
    }
