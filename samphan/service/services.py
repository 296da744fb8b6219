"""Writes of the service desk: open a ticket (matching its customer), reply, add a note, move
it through its statuses (pausing the SLA clocks while waiting on the customer), assign it.

Every write locks the ticket row, records what changed (status changes and pauses are kept
rows, never edited but to close a pause), recomputes the due times when the clocks moved, and
publishes its domain event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.models import Order
from samphan.core.access import Actor, require
from samphan.core.date_range import event_time
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Branch, Membership, User
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text
from samphan.customers.models import Customer
from samphan.customers.services.create import customer_create
from samphan.service.deadlines import ticket_dues_refresh
from samphan.service.events import (
    TicketOpened,
    TicketReplied,
    TicketResolved,
    TicketStatusChanged,
)
from samphan.service.models import (
    BODY_MAX,
    REASON_MAX,
    SUBJECT_MAX,
    TRANSITIONS,
    AuthorKind,
    MessageKind,
    SlaPause,
    Team,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    TicketStatusChange,
    TicketType,
)
from samphan.timeline.publish import publish
from samphan.timeline.registry import DomainEvent

ORDERS_MAX = 20
# A ticket's opening time may be a little ahead of the server's clock (a till's clock).
CLOCK_SKEW = dt.timedelta(minutes=5)
NUMBER_ATTEMPTS = 5


def _invalid(code: str, message: str, field: str = "", status: int = 422) -> ApplicationError:
    return ApplicationError(code, message, {"field": field} if field else {}, status=status)


def _choice(value: str, choices: type, field: str) -> str:
    if value not in choices.values:  # type: ignore[attr-defined]
        raise _invalid(
            f"invalid_{field}",
            _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)},  # type: ignore[attr-defined]
            field,
        )
    return value


def _text(value: str, *, field: str, limit: int, required: bool, multiline: bool = False) -> str:
    value = (value or "").strip() if multiline else clean_text(value or "")
    if required and not value:
        raise _invalid(f"{field}_required", _("This field is required."), field)
    if len(value) > limit:
        raise _invalid(
            "too_long",
            _("Use at most %(limit)s characters (this has %(count)s).")
            % {"limit": f"{limit:,}", "count": f"{len(value):,}"},
            field,
        )
    return value


def ticket_of(actor: Actor, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The workspace's ticket, or 404 (another workspace's ticket too)."""
    qs = Ticket.objects.filter(workspace=actor.workspace, pk=ticket_id)
    if for_update:
        # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join (branch), so lock
        # the ticket row only.
        qs = qs.select_for_update(of=("self",))
    ticket = qs.select_related("workspace", "branch").first()
    if ticket is None:
        raise NotFound("ticket_not_found", _("Ticket not found."))
    return ticket


def member_user(actor: Actor, user_id: int, *, field: str = "assignee_id") -> User:
    membership = (
        Membership.objects.select_related("user")
        .filter(workspace=actor.workspace, user_id=user_id)
        .first()
    )
    if membership is None:
        raise _invalid(
            "assignee_not_member", _("The assignee is not a member of this shop."), field
        )
    return membership.user


def _category(actor: Actor, category_id: int | None) -> TicketCategory | None:
    if category_id is None:
        return None
    found = TicketCategory.objects.filter(workspace=actor.workspace, pk=category_id).first()
    if found is None:
        raise _invalid(
            "category_not_found", _("Choose one of the shop's categories."), "category_id"
        )
    return found


def _team(actor: Actor, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    found = Team.objects.filter(workspace=actor.workspace, pk=team_id).first()
    if found is None:
        raise _invalid("team_not_found", _("Choose one of the shop's teams."), "team_id")
    return found


def _branch(actor: Actor, branch_id: int | None) -> Branch | None:
    if branch_id is None:
        return None
    found = Branch.objects.filter(workspace=actor.workspace, pk=branch_id).first()
    if found is None:
        raise _invalid("branch_not_found", _("Choose one of the shop's branches."), "branch_id")
    return found


def _orders(actor: Actor, order_ids: Sequence[int]) -> list[Order]:
    wanted = list(dict.fromkeys(order_ids))
    if len(wanted) > ORDERS_MAX:
        raise _invalid(
            "too_many_orders",
            _("Link at most %(max)s orders to a ticket.") % {"max": ORDERS_MAX},
            "order_ids",
        )
    if not wanted:
        return []
    found = list(Order.objects.filter(workspace=actor.workspace, pk__in=wanted))
    if len(found) != len(wanted):
        raise _invalid("order_not_found", _("Some orders were not found."), "order_ids")
    return found


def _customer(
    actor: Actor, customer_id: int | None, name: str, phone: str, email: str
) -> Customer | None:
    """The given customer, or the one who owns the phone or email (created when new)."""
    if customer_id is not None:
        found = Customer.objects.filter(
            workspace=actor.workspace, pk=customer_id, merged_into__isnull=True
        ).first()
        if found is None:
            raise _invalid("customer_not_found", _("Customer not found."), "customer_id")
        return found
    contacts = [(kind, value) for kind, value in (("phone", phone), ("email", email)) if value]
    if not contacts:
        return None
    return customer_create(actor=actor, first_name=name, contacts=contacts).customer


def _opened_at(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    value = event_time(value, field="opened_at")
    if value > now + CLOCK_SKEW:
        raise _invalid(
            "opened_in_future", _("A ticket cannot be opened in the future."), "opened_at"
        )
    return min(value, now)


def _happened_at(ticket: Ticket, value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When a reply or a change happened: now, or a time given for history brought from another
    system, which may not be in the future nor before the ticket's latest change (the
    history stays in order, so its pauses and due times stay true)."""
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    value = event_time(value, field="at")
    if value > now + CLOCK_SKEW:
        raise _invalid("at_in_future", _("This cannot have happened in the future."), "at")
    latest = max(
        [
            ticket.opened_at,
            *TicketMessage.objects.filter(ticket=ticket).values_list("created_at", flat=True),
            *TicketStatusChange.objects.filter(ticket=ticket).values_list("at", flat=True),
        ]
    )
    if value < latest:
        raise _invalid(
            "at_out_of_order",
            _("Give the times in order: this is before the ticket's last change."),
            "at",
        )
    return min(value, now)


def _next_number(actor: Actor) -> int:
    top = Ticket.objects.filter(workspace=actor.workspace).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


def _status_row(
    actor: Actor, ticket: Ticket, old: str, new: str, reason: str, at: dt.datetime
) -> TicketStatusChange:
    return TicketStatusChange.objects.create(
        workspace=actor.workspace,
        ticket=ticket,
        from_status=old,
        to_status=new,
        actor=actor.user,
        actor_label=actor.label,
        reason=reason,
        at=at,
    )


def ticket_create(
    *,
    actor: Actor,
    subject: str,
    body: str = "",
    ticket_type: str = TicketType.QUESTION,
    channel: str = TicketChannel.PHONE,
    priority: str = TicketPriority.NORMAL,
    category_id: int | None = None,
    customer_id: int | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    order_ids: Sequence[int] = (),
    assignee_id: int | None = None,
    team_id: int | None = None,
    branch_id: int | None = None,
    opened_at: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket. The customer is the one given, or the one who owns ``phone`` or
    ``email`` (matched, or created, through the customers app). ``body`` is what the customer
    said (the first message). ``opened_at`` keeps the opening time of a ticket brought from
    another system; its due times count from then."""
    require(actor, Perm.TICKET_MANAGE)
    subject = _text(subject, field="subject", limit=SUBJECT_MAX, required=True)
    body = _text(body, field="body", limit=BODY_MAX, required=False, multiline=True)
    _choice(ticket_type, TicketType, "type")
    _choice(channel, TicketChannel, "channel")
    _choice(priority, TicketPriority, "priority")
    name = _text(name, field="name", limit=100, required=False)
    now = timezone.now()
    opened = _opened_at(opened_at, now)
    category = _category(actor, category_id)
    team = _team(actor, team_id)
    branch = _branch(actor, branch_id)
    assignee = member_user(actor, assignee_id) if assignee_id is not None else None
    orders = _orders(actor, order_ids)
    with transaction.atomic():
        customer = _customer(actor, customer_id, name, phone, email)
        if customer is not None and any(o.customer_id not in (None, customer.pk) for o in orders):
            raise _invalid(
                "order_of_another_customer",
                _("A linked order belongs to another customer."),
                "order_ids",
            )
        for attempt in range(NUMBER_ATTEMPTS):
            try:
                with transaction.atomic():
                    ticket = Ticket.objects.create(
                        workspace=actor.workspace,
                        number=_next_number(actor),
                        subject=subject,
                        type=ticket_type,
                        channel=channel,
                        priority=priority,
                        category=category,
                        customer=customer,
                        branch=branch,
                        assignee=assignee,
                        team=team,
                        opened_at=opened,
                        created_by=actor.user,
                    )
                break
            except IntegrityError:
                if attempt == NUMBER_ATTEMPTS - 1:
                    raise
        if orders:
            ticket.orders.set(orders)
        if body:
            TicketMessage.objects.create(
                workspace=actor.workspace,
                ticket=ticket,
                kind=MessageKind.REPLY,
                author_kind=AuthorKind.CUSTOMER,
                author_label=customer.display_name if customer is not None else name,
                body=body,
                created_at=opened,
            )
        _status_row(actor, ticket, "", TicketStatus.NEW, "", opened)
        ticket_dues_refresh(ticket, pauses=[])
        ticket.save(update_fields=["first_response_due", "resolution_due"])
        publish(
            TicketOpened(
                workspace_id=actor.workspace.pk,
                customer_id=ticket.customer_id,
                actor=actor,
                occurred_at=opened,
                number=ticket.number,
                subject_text=subject,
                ticket_type=ticket_type,
                channel=channel,
                priority=priority,
                ticket_id=ticket.pk,
            )
        )
    return ticket


# --- the conversation ----------------------------------------------------------------------


def _message(
    actor: Actor, ticket: Ticket, body: str, kind: str, author_kind: str, at: dt.datetime
) -> TicketMessage:
    staff = author_kind == AuthorKind.STAFF
    return TicketMessage.objects.create(
        workspace=actor.workspace,
        ticket=ticket,
        kind=kind,
        author_kind=author_kind,
        author=actor.user if staff else None,
        author_label=actor.label
        if staff
        else (ticket.customer.display_name if ticket.customer else ""),
        body=body,
        created_at=at,
    )


def ticket_reply(
    *,
    actor: Actor,
    ticket_id: int,
    body: str,
    from_customer: bool = False,
    at: dt.datetime | None = None,
) -> TicketMessage:
    """A reply on the ticket. The shop's first reply is its first response (a new ticket
    becomes open). A customer's reply while the ticket waits on them starts the clocks again
    (the ticket is open again); on a resolved ticket it reopens it. A closed ticket takes no
    replies: open a new one. ``at``: when it was written, for history brought from another
    system (now when empty)."""
    require(actor, Perm.TICKET_MANAGE)
    body = _text(body, field="body", limit=BODY_MAX, required=True, multiline=True)
    with transaction.atomic():
        ticket = ticket_of(actor, ticket_id, for_update=True)
        now = _happened_at(ticket, at, timezone.now())
        if ticket.status == TicketStatus.CLOSED:
            raise ApplicationError(
                "ticket_closed",
                _("This ticket is closed; reopen it or open a new one."),
                status=409,
            )
        first = False
        if from_customer:
            message = _message(actor, ticket, body, MessageKind.REPLY, AuthorKind.CUSTOMER, now)
            if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
                _move(actor, ticket, TicketStatus.OPEN, _("The customer replied."), now)
        else:
            message = _message(actor, ticket, body, MessageKind.REPLY, AuthorKind.STAFF, now)
            if ticket.first_responded_at is None:
                first = True
                ticket.first_responded_at = now
                if ticket.first_response_due is not None and now > ticket.first_response_due:
                    ticket.first_response_breached = True
                ticket.save(update_fields=["first_responded_at", "first_response_breached"])
            if ticket.status == TicketStatus.NEW:
                _move(actor, ticket, TicketStatus.OPEN, "", now)
        publish(
            TicketReplied(
                workspace_id=actor.workspace.pk,
                customer_id=ticket.customer_id,
                actor=actor,
                occurred_at=now,
                number=ticket.number,
                subject_text=ticket.subject,
                from_customer=from_customer,
                first_response=first,
                ticket_id=ticket.pk,
            )
        )
    return message


def ticket_note(*, actor: Actor, ticket_id: int, body: str) -> TicketMessage:
    """An internal note: for the staff, never shown to the customer, no timeline event."""
    require(actor, Perm.TICKET_MANAGE)
    body = _text(body, field="body", limit=BODY_MAX, required=True, multiline=True)
    with transaction.atomic():
        ticket = ticket_of(actor, ticket_id, for_update=True)
        return _message(actor, ticket, body, MessageKind.NOTE, AuthorKind.STAFF, timezone.now())


# --- status --------------------------------------------------------------------------------


def _pause(actor: Actor, ticket: Ticket, reason: str, at: dt.datetime) -> None:
    if not ticket.pauses.filter(resumed_at__isnull=True).exists():
        SlaPause.objects.create(
            workspace=actor.workspace,
            ticket=ticket,
            paused_at=at,
            paused_by=actor.user,
            paused_by_label=actor.label,
            pause_reason=reason,
        )


def _resume(actor: Actor, ticket: Ticket, reason: str, at: dt.datetime) -> None:
    ticket.pauses.filter(resumed_at__isnull=True).update(
        resumed_at=at, resumed_by=actor.user, resumed_by_label=actor.label, resume_reason=reason
    )


def _move(actor: Actor, ticket: Ticket, new: str, reason: str, at: dt.datetime) -> None:
    """Move ``ticket`` (locked) to ``new``: the status row, the pauses, the dates, the due
    times and the events. The clocks stop while waiting on the customer and while resolved
    or closed (a reopened ticket goes on from where it stopped)."""
    old = ticket.status
    if new == old or new not in TRANSITIONS[old]:
        raise ApplicationError(
            "invalid_transition",
            _("A ticket that is “%(old)s” cannot become “%(new)s”.")
            % {"old": TicketStatus(old).label, "new": TicketStatus(new).label},
            {"field": "status", "from": old, "to": new, "allowed": sorted(TRANSITIONS[old])},
            status=409,
        )
    _status_row(actor, ticket, old, new, reason, at)
    running = (TicketStatus.NEW, TicketStatus.OPEN)
    if old in running and new not in running:
        _pause(actor, ticket, reason or str(TicketStatus(new).label), at)
    elif old not in running and new in running:
        _resume(actor, ticket, reason, at)
    ticket.status = new
    if new == TicketStatus.RESOLVED:
        ticket.resolved_at = at
        if ticket.resolution_due is not None and at > ticket.resolution_due:
            ticket.resolution_breached = True
    elif new == TicketStatus.CLOSED:
        ticket.closed_at = at
    elif old in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = ticket.closed_at = None
    ticket_dues_refresh(ticket)
    ticket.save(
        update_fields=[
            "status",
            "resolved_at",
            "closed_at",
            "resolution_breached",
            "first_response_due",
            "resolution_due",
            "updated_at",
        ]
    )
    events: list[DomainEvent] = [
        TicketStatusChanged(
            workspace_id=actor.workspace.pk,
            customer_id=ticket.customer_id,
            actor=actor,
            occurred_at=at,
            number=ticket.number,
            subject_text=ticket.subject,
            old=old,
            new=new,
            reason=reason,
            ticket_id=ticket.pk,
        )
    ]
    if new == TicketStatus.RESOLVED:
        events.append(
            TicketResolved(
                workspace_id=actor.workspace.pk,
                customer_id=ticket.customer_id,
                actor=actor,
                occurred_at=at,
                number=ticket.number,
                subject_text=ticket.subject,
                ticket_type=ticket.type,
                category=ticket.category.name if ticket.category_id and ticket.category else "",
                channel=ticket.channel,
                assignee_id=ticket.assignee_id,
                breached=ticket.breached,
                ticket_id=ticket.pk,
            )
        )
    publish(events)


def ticket_status_change(
    *,
    actor: Actor,
    ticket_id: int,
    status: str,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Ticket:
    """Move the ticket along new → open → waiting → resolved → closed, or reopen it (resolved
    or closed → open). Waiting pauses both SLA clocks, leaving it resumes them; every pause
    and resume is kept with who and why. ``at`` as for ``ticket_reply``."""
    require(actor, Perm.TICKET_MANAGE)
    with transaction.atomic():
        ticket = ticket_of(actor, ticket_id, for_update=True)
        _choice(status, TicketStatus, "status")
        reason = _text(reason, field="reason", limit=REASON_MAX, required=False)
        _move(actor, ticket, status, reason, _happened_at(ticket, at, timezone.now()))
    return ticket


def ticket_assign(
    *, actor: Actor, ticket_id: int, assignee_id: int | None, team_id: int | None = None
) -> Ticket:
    """Give the ticket to a member of the shop (None: nobody) and optionally a team."""
    require(actor, Perm.TICKET_MANAGE)
    with transaction.atomic():
        ticket = ticket_of(actor, ticket_id, for_update=True)
        ticket.assignee = member_user(actor, assignee_id) if assignee_id is not None else None
        ticket.team = _team(actor, team_id)
        ticket.save(update_fields=["assignee", "team", "updated_at"])
    return ticket


def ticket_update(
    *,
    actor: Actor,
    ticket_id: int,
    priority: str | None = None,
    ticket_type: str | None = None,
    category_id: int | None = None,
    clear_category: bool = False,
    team_id: int | None = None,
    clear_team: bool = False,
) -> Ticket:
    """Change the priority, type, category or team (``clear_*``: none); a new priority or
    type may bring another SLA policy, so the due times are recomputed. Another shop's
    category or team is refused as unknown (422), never told apart."""
    require(actor, Perm.TICKET_MANAGE)
    with transaction.atomic():
        ticket = ticket_of(actor, ticket_id, for_update=True)
        if priority is not None:
            ticket.priority = _choice(priority, TicketPriority, "priority")
        if ticket_type is not None:
            ticket.type = _choice(ticket_type, TicketType, "type")
        if category_id is not None or clear_category:
            ticket.category = None if clear_category else _category(actor, category_id)
        if team_id is not None or clear_team:
            ticket.team = None if clear_team else _team(actor, team_id)
        ticket_dues_refresh(ticket)
        ticket.save()
    return ticket


# --- categories and teams ------------------------------------------------------------------


_Named = TypeVar("_Named", TicketCategory, Team)


def _name_taken(kind: str) -> ApplicationError:
    if kind == "category":
        return _invalid(
            "category_exists", _("There is already a category with this name."), "name", 409
        )
    return _invalid("team_exists", _("There is already a team with this name."), "name", 409)


def _named_create(actor: Actor, model: type[_Named], kind: str, name: str) -> _Named:
    """A category or a team of the workspace; a name in use is a 409."""
    require(actor, Perm.TICKET_MANAGE)
    name = _text(name, field="name", limit=100, required=True)
    try:
        with transaction.atomic():
            return model.objects.create(workspace=actor.workspace, name=name)
    except IntegrityError as exc:
        raise _name_taken(kind) from exc


def _named_update(
    actor: Actor,
    model: type[_Named],
    kind: str,
    pk: int,
    name: str | None,
    is_active: bool | None,
) -> _Named:
    """Rename a category or a team, or take it out of use (its tickets keep it); another
    shop's: 404."""
    require(actor, Perm.TICKET_MANAGE)
    with transaction.atomic():
        found = model.objects.select_for_update().filter(workspace=actor.workspace, pk=pk).first()
        if found is None:
            raise NotFound(
                f"{kind}_not_found",
                _("Category not found.") if kind == "category" else _("Team not found."),
            )
        if name is not None:
            found.name = _text(name, field="name", limit=100, required=True)
        if is_active is not None:
            found.is_active = is_active
        try:
            with transaction.atomic():
                found.save()
        except IntegrityError as exc:
            raise _name_taken(kind) from exc
    return found


def category_create(*, actor: Actor, name: str) -> TicketCategory:
    return _named_create(actor, TicketCategory, "category", name)


def team_create(*, actor: Actor, name: str) -> Team:
    return _named_create(actor, Team, "team", name)


def category_update(
    *, actor: Actor, category_id: int, name: str | None = None, is_active: bool | None = None
) -> TicketCategory:
    return _named_update(actor, TicketCategory, "category", category_id, name, is_active)


def team_update(
    *, actor: Actor, team_id: int, name: str | None = None, is_active: bool | None = None
) -> Team:
    return _named_update(actor, Team, "team", team_id, name, is_active)
