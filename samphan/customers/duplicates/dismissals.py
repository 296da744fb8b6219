"""Not the same person (ไม่ใช่คนเดียวกัน): dismissing a pair so that no scan stores it
again, and restoring it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.customers.duplicates.scan import duplicates_scan_later
from samphan.customers.models import Customer, DuplicateCandidate, DuplicateDismissal

# --- "not the same person" ------------------------------------------------------------------------


def _ordered(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


@dataclass(frozen=True)
class DismissalResult:
    dismissal: DuplicateDismissal
    created: bool  # False: the pair was already dismissed


def _pair_ids(actor: Actor, customer_id: int, other_id: int) -> tuple[int, int]:
    if customer_id == other_id:
        raise ApplicationError(
            "duplicate_same_customer",
            _("Choose two different customers."),
            {"field": "other_id"},
            status=422,
        )
    found = Customer.objects.filter(
        workspace=actor.workspace, pk__in=[customer_id, other_id], merged_into__isnull=True
    ).count()
    if found != 2:
        raise NotFound("customer_not_found", _("Customer not found."))
    return _ordered(customer_id, other_id)


def duplicate_dismiss(*, actor: Actor, customer_id: int, other_id: int) -> DismissalResult:
    """Record that two customers are different people (ไม่ใช่คนเดียวกัน): their pair leaves
    the list now and no scan stores it again, until ``duplicate_restore``. Same permission as
    merging."""
    require(actor, Perm.CUSTOMER_EDIT)
    a, b = _pair_ids(actor, customer_id, other_id)
    with transaction.atomic():
        dismissal, created = DuplicateDismissal.objects.get_or_create(
            workspace=actor.workspace,
            customer_a_id=a,
            customer_b_id=b,
            defaults={"dismissed_by": actor.user, "dismissed_at": timezone.now()},
        )
        DuplicateCandidate.objects.filter(
            workspace=actor.workspace, customer_a_id=a, customer_b_id=b
        ).delete()
        if created:
            audit_record(
                action="customers.duplicate_dismissed",
                workspace=actor.workspace,
                actor=actor.user,
                actor_label=actor.label,
                target=f"customer:{a}",
                data={"customer_ids": [a, b]},
            )
    return DismissalResult(dismissal=dismissal, created=created)


def duplicate_restore(*, actor: Actor, customer_id: int, other_id: int) -> None:
    """Undo ``duplicate_dismiss``: the pair may be suggested again (both customers are rescanned
    after commit)."""
    require(actor, Perm.CUSTOMER_EDIT)
    a, b = _ordered(customer_id, other_id)
    with transaction.atomic():
        dismissal = (
            DuplicateDismissal.objects.select_for_update()
            .filter(workspace=actor.workspace, customer_a_id=a, customer_b_id=b)
            .first()
        )
        if dismissal is None:
            raise NotFound("dismissal_not_found", _("This pair was not marked as different."))
        dismissal.delete()
        audit_record(
            action="customers.duplicate_restored",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"customer:{a}",
            data={"customer_ids": [a, b]},
        )
        duplicates_scan_later(workspace_id=actor.workspace.pk, customer_ids=[a, b])


def duplicate_dismissal_list(*, actor: Actor) -> QuerySet[DuplicateDismissal]:
    """Pairs marked "not the same person", newest first."""
    require(actor, Perm.CUSTOMER_VIEW)
    return (
        DuplicateDismissal.objects.filter(workspace=actor.workspace)
        .select_related("customer_a", "customer_b", "dismissed_by")
        .order_by("-dismissed_at", "-id")
    )
