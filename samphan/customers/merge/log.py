"""Reading merges: the merge log, one merge, and the preview of a merge (the fields side by
side, with the default choice)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.customers.merge.fields import BOTH_ALLOWED, MERGE_FIELDS, _empty, default_side
from samphan.customers.merge.links import customer_links
from samphan.customers.merge.merging import _check_pair
from samphan.customers.models import Customer, MergeLog


def merge_log_list(*, actor: Actor) -> QuerySet[MergeLog]:
    """The workspace's merges, newest first. ``blocked`` is true when a later, still active merge
    involves one of the customers (undo that one first)."""
    require(actor, Perm.CUSTOMER_VIEW)
    customer_ids = (OuterRef("survivor_id"), OuterRef("merged_id"))
    later = MergeLog.objects.filter(
        workspace_id=OuterRef("workspace_id"), undone_at__isnull=True, pk__gt=OuterRef("pk")
    ).filter(
        Q(survivor_id=customer_ids[0])
        | Q(merged_id=customer_ids[0])
        | Q(survivor_id=customer_ids[1])
        | Q(merged_id=customer_ids[1])
    )
    return (
        MergeLog.objects.filter(workspace=actor.workspace)
        .select_related("survivor", "merged", "actor", "undone_by")
        .annotate(blocked=Exists(later))
        .order_by("-created_at", "-id")
    )


def merge_get(*, actor: Actor, merge_id: int) -> MergeLog:
    log = merge_log_list(actor=actor).filter(pk=merge_id).first()
    if log is None:
        raise NotFound("merge_not_found", _("Merge not found."))
    return log


@dataclass(frozen=True)
class FieldChoice:
    name: str
    survivor_value: Any
    merged_value: Any
    default: str  # survivor, merged or both

    @property
    def differs(self) -> bool:
        return self.survivor_value != self.merged_value and not _empty(self.merged_value)

    @property
    def allows_both(self) -> bool:
        return self.name in BOTH_ALLOWED


@dataclass(frozen=True)
class MergePreview:
    survivor: Customer
    merged: Customer
    fields: list[FieldChoice]
    # link key → (rows the survivor has, rows that would move from the merged customer)
    counts: dict[str, tuple[int, int]]


def merge_preview(*, actor: Actor, survivor_id: int, merged_id: int) -> MergePreview:
    """Both customers side by side, the profile fields with the value a merge would keep by
    default, and how many rows of each kind each side has."""
    require(actor, Perm.CUSTOMER_VIEW)
    rows = {
        c.pk: c
        for c in Customer.objects.filter(
            workspace=actor.workspace, pk__in=[survivor_id, merged_id]
        ).prefetch_related("contacts", "tags", "addresses")
    }
    if survivor_id not in rows or merged_id not in rows:
        raise NotFound("customer_not_found", _("Customer not found."))
    survivor, merged = rows[survivor_id], rows[merged_id]
    _check_pair(survivor, merged)
    fields = [
        FieldChoice(
            name=name,
            survivor_value=getattr(survivor, name),
            merged_value=getattr(merged, name),
            default=default_side(name, getattr(survivor, name), getattr(merged, name)),
        )
        for name in MERGE_FIELDS
    ]
    counts: dict[str, tuple[int, int]] = {}
    for link in customer_links():
        ours = link.rows().filter(**{link.column: survivor.pk}).count()
        theirs = link.rows().filter(**{link.column: merged.pk})
        if link.model is Customer:
            theirs = theirs.exclude(pk__in=[survivor.pk, merged.pk])
        n = theirs.count()
        if ours or n:
            counts[link.key] = (ours, n)
    return MergePreview(survivor=survivor, merged=merged, fields=fields, counts=counts)
