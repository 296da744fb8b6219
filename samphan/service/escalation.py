"""Breaches and escalation, run every few minutes by Celery beat (``service.escalate_all``).

A ticket whose first answer or resolution is past due is marked breached at once, with a
``ticket.breached`` event (the badge in the queue and the timeline say so). The manager is
told only while the ticket's business calendar is open: a breach found at night is escalated
at the next opening. Telling the manager means a follow-up task for them on the customer (in
their Follow-ups list, due now) when the ticket has a customer, and an email.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samphan.core.access import Actor
from samphan.core.models import Membership, Workspace
from samphan.core.roles import Role
from samphan.customers.interaction_services import followup_create
from samphan.service.deadlines import open_now, ticket_targets
from samphan.service.events import TicketBreached
from samphan.service.models import Ticket, TicketStatus
from samphan.timeline.publish import publish

logger = logging.getLogger(__name__)
RUNNING = (TicketStatus.NEW, TicketStatus.OPEN)


class ServiceDeskActor(Actor):
    """The service desk itself, marking breaches and escalating them."""

    @property
    def label(self) -> str:
        return "service desk"


def desk_actor(workspace: Workspace) -> Actor:
    return ServiceDeskActor(workspace=workspace, role=Role.MANAGER)


@dataclass(frozen=True)
class EscalationResult:
    breached: int
    escalated: int
    waiting: int  # breached, to be escalated at the next opening


def _breaches_mark(workspace: Workspace, now: dt.datetime) -> int:
    due = Ticket.objects.filter(workspace=workspace, status__in=RUNNING).filter(
        Q(
            first_responded_at__isnull=True,
            first_response_due__lt=now,
            first_response_breached=False,
        )
        | Q(resolution_due__lt=now, resolution_breached=False)
    )
    marked = 0
    actor = desk_actor(workspace)
    for ticket_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
            if ticket is None or ticket.status not in RUNNING:
                continue
            events = []
            if (
                ticket.first_responded_at is None
                and ticket.first_response_due is not None
                and ticket.first_response_due < now
                and not ticket.first_response_breached
            ):
                ticket.first_response_breached = True
                events.append(("first_response", ticket.first_response_due))
            if (
                ticket.resolution_due is not None
                and ticket.resolution_due < now
                and not ticket.resolution_breached
            ):
                ticket.resolution_breached = True
                events.append(("resolution", ticket.resolution_due))
            if not events:
                continue
            ticket.save(update_fields=["first_response_breached", "resolution_breached"])
            publish(
                [
                    TicketBreached(
                        workspace_id=workspace.pk,
                        customer_id=ticket.customer_id,
                        actor=actor,
                        occurred_at=at,
                        number=ticket.number,
                        subject_text=ticket.subject,
                        target=target,
                        due=at.isoformat(),
                        ticket_id=ticket.pk,
                    )
                    for target, at in events
                ]
            )
            marked += 1
    return marked


def escalation_manager(workspace: Workspace) -> Membership | None:
    """Who hears about breaches: the longest-standing manager, else the owner."""
    for role in (Role.MANAGER, Role.OWNER):
        found = (
            Membership.objects.select_related("user")
            .filter(workspace=workspace, role=role, user__is_active=True)
            .order_by("created_at", "pk")
            .first()
        )
        if found is not None:
            return found
    return None


def _notify(ticket: Ticket, manager: Membership, now: dt.datetime) -> None:
    actor = desk_actor(ticket.workspace)
    title = _("Ticket #%(number)s is past its SLA target: %(subject)s") % {
        "number": ticket.number,
        "subject": ticket.subject,
    }
    if ticket.customer_id is not None:
        followup_create(
            actor=actor,
            customer_id=ticket.customer_id,
            title=title[:200],
            due_at=now,
            assignee_id=manager.user_id,
        )
    link = reverse("service:ticket", kwargs={"ticket_id": ticket.pk})
    body = "\n".join([title, "", _("Open it: %(link)s") % {"link": link}])
    user = manager.user

    def send() -> None:
        try:
            send_mail(
                f"[{ticket.workspace.name}] {title}"[:200],
                body,
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        except Exception:  # the escalation is recorded; a mail server hiccup is logged
            logger.exception("ticket %s: escalation mail to %s not sent", ticket.pk, user.pk)

    transaction.on_commit(send)


def tickets_escalate(*, workspace: Workspace, now: dt.datetime | None = None) -> EscalationResult:
    """Mark the workspace's breaches, then tell a manager about each breached ticket not yet
    escalated whose calendar is open now (its policy may say not to escalate)."""
    now = now or timezone.now()
    marked = _breaches_mark(workspace, now)
    pending = Ticket.objects.filter(
        workspace=workspace, status__in=RUNNING, escalated_at__isnull=True
    ).filter(Q(first_response_breached=True) | Q(resolution_breached=True))
    escalated = waiting = 0
    manager = escalation_manager(workspace)
    for ticket in pending.select_related("workspace", "branch", "customer"):
        targets = ticket_targets(ticket)
        if targets is not None and not targets.escalate:
            continue
        if not open_now(ticket, now):
            waiting += 1
            continue
        with transaction.atomic():
            claimed = Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if not claimed or manager is None:
                continue
            with translation.override(manager.user.language or settings.LANGUAGE_CODE):
                _notify(ticket, manager, now)
        escalated += 1
    return EscalationResult(breached=marked, escalated=escalated, waiting=waiting)
