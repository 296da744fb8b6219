"""Writes for notes, interactions and follow-up tasks; each writes its timeline event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Membership, User
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text
from samphan.customers.events import FollowupCreated, FollowupDone, InteractionLogged, NoteAdded
from samphan.customers.models import (
    Customer,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
)
from samphan.customers.services.common import NOTE_MAX, _customer_for_update, _invalid
from samphan.timeline.models import TimelineEvent
from samphan.timeline.publish import publish

# --- notes -------------------------------------------------------------------------------------


def note_add(*, actor: Actor, customer_id: int, text: str, pin: bool = False) -> TimelineEvent:
    """A note on the timeline; a pinned note also becomes the note shown at the top of the
    customer page (``Customer.notes``)."""
    require(actor, Perm.CUSTOMER_EDIT)
    text = (text or "").strip()
    if not text:
        raise _invalid("note_empty", _("Write the note first."), "text")
    if len(text) > NOTE_MAX:
        raise _invalid("too_long", _("The note is too long."), "text")
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        if pin:
            customer.notes = text
            customer.save(update_fields=["notes"])
        return publish(
            NoteAdded(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                text=text,
                pinned=pin,
            )
        )[0]


# --- interactions and follow-ups ---------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpInput:
    title: str
    due_at: dt.datetime
    assignee_id: int | None = None


@dataclass(frozen=True)
class InteractionResult:
    interaction: Interaction
    followup: FollowUp | None


def interaction_log(
    *,
    actor: Actor,
    customer_id: int,
    kind: str,
    summary: str = "",
    outcome: str = "",
    pain_points: str = "",
    next_step: str = "",
    occurred_at: dt.datetime | None = None,
    followup: FollowUpInput | None = None,
) -> InteractionResult:
    """Log a call, chat, visit, meeting or email: what it was about, the outcome, the
    customer's pain points and the next step; optionally schedule the follow-up in the same
    transaction."""
    require(actor, Perm.CUSTOMER_EDIT)
    if kind not in InteractionKind.values:
        raise _invalid("invalid_kind", _("Choose call, chat, visit, meeting or email."), "kind")
    summary, pain_points = (summary or "").strip(), (pain_points or "").strip()
    outcome, next_step = clean_text(outcome), clean_text(next_step)
    if not (summary or outcome or pain_points or next_step):
        raise _invalid(
            "interaction_empty", _("Write what was said or what came out of it."), "summary"
        )
    for field, text, limit in (
        ("summary", summary, NOTE_MAX), ("pain_points", pain_points, NOTE_MAX),
        ("outcome", outcome, 200), ("next_step", next_step, 200),
    ):  # fmt: skip
        if len(text) > limit:
            raise _invalid("too_long", _("This is too long."), field)
    now = timezone.now()
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > now + dt.timedelta(minutes=5):
        raise _invalid(
            "interaction_in_future", _("An interaction cannot be in the future."), "occurred_at"
        )
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        interaction = Interaction.objects.create(
            workspace=actor.workspace,
            customer=customer,
            kind=kind,
            occurred_at=occurred_at,
            summary=summary,
            outcome=outcome,
            pain_points=pain_points,
            next_step=next_step,
            staff=actor.user,
        )
        publish(
            InteractionLogged(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                interaction_id=interaction.pk,
                kind=kind,
                summary=summary,
                outcome=outcome,
                pain_points=pain_points,
                next_step=next_step,
                occurred_at=occurred_at,
            )
        )
        task = None
        if followup is not None:
            task = _followup_create(actor, customer, followup, interaction=interaction)
    return InteractionResult(interaction=interaction, followup=task)


def _assignee(actor: Actor, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return actor.user
    membership = (
        Membership.objects.select_related("user")
        .filter(workspace=actor.workspace, user_id=assignee_id)
        .first()
    )
    if membership is None:
        raise _invalid(
            "assignee_not_member", _("The assignee is not a member of this shop."), "assignee_id"
        )
    return membership.user


def _followup_create(
    actor: Actor, customer: Customer, data: FollowUpInput, *, interaction: Interaction | None
) -> FollowUp:
    title = clean_text(data.title)
    if not title:
        raise _invalid("followup_title_required", _("Say what needs to be done."), "title")
    if len(title) > 200:
        raise _invalid("too_long", _("This is too long."), "title")
    due_at = data.due_at
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    assignee = _assignee(actor, data.assignee_id)
    task = FollowUp.objects.create(
        workspace=actor.workspace,
        customer=customer,
        interaction=interaction,
        title=title,
        due_at=due_at,
        assignee=assignee,
        created_by=actor.user,
    )
    publish(
        FollowupCreated(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            followup_id=task.pk,
            title=title,
            due_at=due_at,
            assignee=str(assignee) if assignee is not None else "",
        )
    )
    return task


def followup_create(
    *,
    actor: Actor,
    customer_id: int,
    title: str,
    due_at: dt.datetime,
    assignee_id: int | None = None,
) -> FollowUp:
    """A follow-up task on a customer, due at a time, for a member (the actor by default)."""
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        return _followup_create(
            actor,
            customer,
            FollowUpInput(title=title, due_at=due_at, assignee_id=assignee_id),
            interaction=None,
        )


def _followup_close(actor: Actor, followup_id: int, status: str, note: str) -> FollowUp:
    require(actor, Perm.CUSTOMER_EDIT)
    note = clean_text(note)[:500]
    with transaction.atomic():
        task = (
            FollowUp.objects.select_for_update()
            .filter(
                workspace=actor.workspace,
                pk=followup_id,
                customer__merged_into__isnull=True,
            )
            .first()
        )
        if task is None:
            raise NotFound("followup_not_found", _("Follow-up not found."))
        if task.status != FollowUpStatus.OPEN:
            raise ApplicationError(
                "followup_closed",
                _("This follow-up is already closed (%(status)s).")
                % {"status": task.get_status_display()},
                {"status": task.status},
                status=409,
            )
        task.status = status
        task.done_at = timezone.now()
        task.save(update_fields=["status", "done_at"])
        publish(
            FollowupDone(
                workspace_id=actor.workspace.pk,
                customer_id=task.customer_id,
                actor=actor,
                followup_id=task.pk,
                title=task.title,
                status=status,
                note=note,
            )
        )
    return task


def followup_complete(*, actor: Actor, followup_id: int, note: str = "") -> FollowUp:
    return _followup_close(actor, followup_id, FollowUpStatus.DONE, note)


def followup_cancel(*, actor: Actor, followup_id: int, note: str = "") -> FollowUp:
    return _followup_close(actor, followup_id, FollowUpStatus.CANCELLED, note)


__all__ = [
    "FollowUpInput",
    "InteractionResult",
    "followup_cancel",
    "followup_complete",
    "followup_create",
    "interaction_log",
    "note_add",
]
