"""Merging two customers and undoing a merge: move the rows, keep the merged record as a
hidden tombstone, log what moved; an undo moves exactly the logged rows back."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.customers.duplicates import duplicates_forget
from samphan.customers.events import CustomerMerged, CustomerUnmerged
from samphan.customers.merge.fields import (
    MERGE_FIELDS,
    SURVIVOR,
    _parse_choices,
    _resolve,
    _restore,
    _snapshot,
    default_side,
)
from samphan.customers.merge.links import (
    _chunks,
    _link_for_key,
    _movable_ids,
    _primary_to_demote,
    customer_links,
)
from samphan.customers.models import Customer, MergeLog
from samphan.timeline.publish import publish


def _pair_for_update(actor: Actor, survivor_id: int, merged_id: int) -> tuple[Customer, Customer]:
    rows = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(workspace=actor.workspace, pk__in=[survivor_id, merged_id])
        .order_by("pk")  # always lock in the same order
    }
    if survivor_id not in rows or merged_id not in rows:
        raise NotFound("customer_not_found", _("Customer not found."))
    return rows[survivor_id], rows[merged_id]


def _check_pair(survivor: Customer, merged: Customer) -> None:
    if survivor.pk == merged.pk:
        raise ApplicationError(
            "merge_same_customer",
            _("Choose two different customers to merge."),
            {"field": "merged_id"},
            status=422,
        )
    for customer in (survivor, merged):
        if customer.merged_into_id is not None:
            raise ApplicationError(
                "customer_already_merged",
                _("%(name)s (#%(id)s) was already merged into customer #%(into)s.")
                % {
                    "name": customer.display_name,
                    "id": customer.pk,
                    "into": customer.merged_into_id,
                },
                {"customer_id": customer.pk, "merged_into": customer.merged_into_id},
                status=409,
            )


def customer_merge(
    *,
    actor: Actor,
    survivor_id: int,
    merged_id: int,
    field_choices: dict[str, str] | None = None,
) -> MergeLog:
    """Merge customer ``merged_id`` into ``survivor_id``; returns the merge log entry.

    Every row of every app that points at the merged customer moves to the survivor (orders,
    contact points, the PDPA consent ledger, timeline events, interactions, follow-ups,
    addresses, tags, customers they referred, …). ``field_choices`` says which side's value the
    survivor keeps per profile field (``{"birthday": "merged", "notes": "both"}``; ``"name"``
    chooses title, first and last name together); unmentioned fields keep the survivor's value
    unless it is empty. The merged record stays as a tombstone (``merged_into``), hidden from
    every list, so that ``merge_undo`` can restore it.
    """
    require(actor, Perm.CUSTOMER_MERGE)
    chosen = _parse_choices(field_choices)
    with transaction.atomic():
        survivor, merged = _pair_for_update(actor, survivor_id, merged_id)
        _check_pair(survivor, merged)

        before = {name: _snapshot(getattr(survivor, name)) for name in MERGE_FIELDS}
        applied: dict[str, Any] = {}
        from_merged: list[str] = []
        for name in MERGE_FIELDS:
            ours, theirs = getattr(survivor, name), getattr(merged, name)
            side = chosen.get(name) or default_side(name, ours, theirs)
            value = _resolve(name, ours, theirs, side)
            if name == "referred_by_id" and value in (survivor.pk, merged.pk):
                value = None  # one person cannot have referred themself
            if value != ours:
                applied[name] = value
                if side != SURVIVOR:
                    from_merged.append(name)

        moved: dict[str, list[int]] = {}
        demoted: dict[str, list[int]] = {}
        for link in customer_links():
            ids = _movable_ids(link, survivor, merged)
            if not ids:
                continue
            to_demote = _primary_to_demote(link, survivor, ids)
            for chunk in _chunks(to_demote):
                link.rows().filter(pk__in=chunk).update(is_primary=False)
            for chunk in _chunks(ids):
                link.rows().filter(pk__in=chunk).update(**{link.column: survivor.pk})
            moved[link.key] = ids
            if to_demote:
                demoted[link.key] = to_demote

        for name, value in applied.items():
            setattr(survivor, name, value)
        if applied:
            survivor.save(update_fields=list(applied))
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into"])
        duplicates_forget(workspace=actor.workspace, customer_ids=[merged.pk])

        log = MergeLog.objects.create(
            workspace=actor.workspace,
            survivor=survivor,
            merged=merged,
            actor=actor.user,
            moved=moved,
            survivor_before={
                "fields": before,
                # What the merge wrote, so undo restores only fields nobody edited since.
                "applied": {name: _snapshot(value) for name, value in applied.items()},
                "demoted_primary": demoted,
                "actor_label": actor.label,
            },
        )
        counts = {key: len(ids) for key, ids in moved.items()}
        publish(
            CustomerMerged(
                workspace_id=actor.workspace.pk,
                customer_id=survivor.pk,
                actor=actor,
                merged_customer_id=merged.pk,
                merged_name=merged.display_name,
                merge_log_id=log.pk,
                moved=counts,
                fields_from_merged=from_merged,
            )
        )
        audit_record(
            action="customers.merged",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"customer:{survivor.pk}",
            data={
                "merge_id": log.pk,
                "survivor_id": survivor.pk,
                "merged_id": merged.pk,
                "moved": counts,
                "fields_from_merged": from_merged,
            },
        )
    return log


def _later_active_merges(log: MergeLog) -> QuerySet[MergeLog]:
    """Merges after ``log`` that involve either of its customers and are not undone."""
    ids = [log.survivor_id, log.merged_id]
    return MergeLog.objects.filter(
        workspace_id=log.workspace_id, undone_at__isnull=True, pk__gt=log.pk
    ).filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids))


def merge_undo(*, actor: Actor, merge_id: int) -> MergeLog:
    """Undo a merge: the rows it moved go back to the merged customer, the survivor's profile
    fields return to what they were (unless edited since the merge), the merged customer is
    listed again, both purchase summaries are recomputed. Merges are undone newest first."""
    require(actor, Perm.CUSTOMER_MERGE)
    with transaction.atomic():
        log = (
            MergeLog.objects.select_for_update()
            .filter(workspace=actor.workspace, pk=merge_id)
            .first()
        )
        if log is None:
            raise NotFound("merge_not_found", _("Merge not found."))
        if log.undone_at is not None:
            raise ApplicationError(
                "merge_already_undone",
                _("This merge was already undone."),
                {"merge_id": log.pk},
                status=409,
            )
        blocking = list(_later_active_merges(log).order_by("-pk").values_list("pk", flat=True))
        if blocking:
            raise ApplicationError(
                "merge_undo_order",
                _(
                    "A later merge involves these customers: undo merge %(ids)s first "
                    "(merges are undone newest first)."
                )
                % {"ids": ", ".join(f"#{pk}" for pk in blocking)},
                {"blocking_merge_ids": blocking},
                status=409,
            )
        survivor, merged = _pair_for_update(actor, log.survivor_id, log.merged_id)
        if merged.merged_into_id != survivor.pk:
            raise ApplicationError(
                "merge_inconsistent",
                _("The merged customer is no longer part of this merge; it cannot be undone."),
                {"merge_id": log.pk},
                status=409,
            )
        moved_back: dict[str, int] = {}
        for key, ids in (log.moved or {}).items():
            link = _link_for_key(key)
            if link is None:
                continue  # the app that owned these rows is gone
            count = 0
            for chunk in _chunks(list(ids)):
                count += (
                    link.rows()
                    .filter(pk__in=chunk, **{link.column: survivor.pk})
                    .update(**{link.column: merged.pk})
                )
            moved_back[key] = count
        state = log.survivor_before or {}
        for key, ids in (state.get("demoted_primary") or {}).items():
            link = _link_for_key(key)
            if link is not None:
                for chunk in _chunks(list(ids)):
                    link.rows().filter(pk__in=chunk).update(is_primary=True)
        before: dict[str, Any] = state.get("fields") or {}
        restored: list[str] = []
        for name, written in (state.get("applied") or {}).items():
            if name in before and _snapshot(getattr(survivor, name)) == written:
                setattr(survivor, name, _restore(name, before[name]))
                restored.append(name)
        if restored:
            survivor.save(update_fields=restored)
        merged.merged_into = None
        merged.save(update_fields=["merged_into"])

        log.undone_at = timezone.now()
        log.undone_by = actor.user
        log.save(update_fields=["undone_at", "undone_by"])
        for customer, other, role in (
            (survivor, merged, "survivor"),
            (merged, survivor, "restored"),
        ):
            publish(
                CustomerUnmerged(
                    workspace_id=actor.workspace.pk,
                    customer_id=customer.pk,
                    actor=actor,
                    restored_customer_id=other.pk,
                    restored_name=other.display_name,
                    merge_log_id=log.pk,
                    role=role,
                    moved_back=moved_back,
                )
            )
        audit_record(
            action="customers.unmerged",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"customer:{merged.pk}",
            data={
                "merge_id": log.pk,
                "survivor_id": survivor.pk,
                "merged_id": merged.pk,
                "moved_back": moved_back,
                "fields_restored": restored,
            },
        )
    return log
