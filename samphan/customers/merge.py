"""Merging (Customer 360); finding possible duplicates is ``samphan.customers.duplicates``.

* ``customer_merge``: move everything of one customer to another (orders, contacts, consents,
  timeline, interactions, follow-ups, addresses, tags, referrals, and whatever apps added later
  point at a customer), keep the merged record as a hidden tombstone, log what moved.
* ``merge_undo``: move exactly the logged rows back and restore the survivor's profile.

Rows are found through ``Customer._meta`` (every foreign key to Customer, from any app), so this
module imports no app above customers (ARCHITECTURE rule 1) and needs no change when a new app
adds a model that points at a customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.reverse_related import ForeignObjectRel, ManyToManyRel
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.customers.duplicates import duplicates_forget
from samphan.customers.events import CustomerMerged, CustomerUnmerged
from samphan.customers.models import (
    Customer,
    DuplicateCandidate,
    DuplicateDismissal,
    MergeLog,
)
from samphan.timeline.publish import publish

# Rows about a pair of customer records, not the customer's own data: they stay where they are.
# (A merge removes the merged-away customer's duplicate candidates; dismissals are kept, so an
# undo brings them back.)
NOT_MOVED: tuple[type[models.Model], ...] = (MergeLog, DuplicateCandidate, DuplicateDismissal)

# --- which rows point at a customer -------------------------------------------------------------


@dataclass(frozen=True)
class CustomerLink:
    """One foreign key to Customer: ``model.field`` (a through table's for many-to-many)."""

    model: type[models.Model]
    field: models.ForeignKey[Any, Any]

    @property
    def key(self) -> str:
        """``app_label.Model.field``, the key used in ``MergeLog.moved``."""
        return f"{self.model._meta.app_label}.{self.model._meta.object_name}.{self.field.name}"

    @property
    def column(self) -> str:
        return self.field.attname

    def rows(self) -> QuerySet[Any]:
        # The base manager: a custom default manager must not hide rows from a merge.
        return self.model._base_manager.all()


@cache
def customer_links() -> tuple[CustomerLink, ...]:
    """Every foreign key that points at a customer, from any installed app, including hidden
    ones (``related_name="+"``) and the through tables of many-to-many fields (tags). Not the
    merge log itself and not ``Customer.merged_into``, which record the merge, nor the
    duplicate pairs (``NOT_MOVED``)."""
    found: dict[str, CustomerLink] = {}

    def add(model: type[models.Model], fk: Any) -> None:
        if not isinstance(fk, models.ForeignKey) or model._meta.proxy:
            return
        if model in NOT_MOVED or (model is Customer and fk.name == "merged_into"):
            return
        link = CustomerLink(model=model, field=fk)
        found.setdefault(link.key, link)

    for f in Customer._meta.get_fields(include_hidden=True):
        if isinstance(f, models.ManyToManyField):  # Customer.tags
            through = f.remote_field.through
            if through is not None:
                add(through, through._meta.get_field(f.m2m_field_name()))
        elif isinstance(f, ManyToManyRel):  # another model's many-to-many to Customer
            through = f.through
            if through is not None:
                add(through, through._meta.get_field(f.field.m2m_reverse_field_name()))
        elif isinstance(f, ForeignObjectRel):  # a foreign key or one-to-one from a model
            add(f.related_model, f.field)
    return tuple(sorted(found.values(), key=lambda link: link.key))


def _link_for_key(key: str) -> CustomerLink | None:
    """The link a ``MergeLog.moved`` key names, or None if that model no longer exists."""
    app_label, model_name, field_name = key.split(".")
    try:
        model = apps.get_model(app_label, model_name)
        fk = model._meta.get_field(field_name)
    except (LookupError, FieldDoesNotExist):
        return None
    if not isinstance(fk, models.ForeignKey):
        return None
    return CustomerLink(model=model, field=fk)


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _unique_sets(link: CustomerLink) -> list[tuple[tuple[str, ...], Q | None]]:
    """The unique constraints that include the customer column, as (the other fields, the
    constraint's condition). Moving a row that would break one of them is skipped."""
    opts = link.model._meta
    own = {link.field.name, link.field.attname}
    sets: list[tuple[tuple[str, ...], Q | None]] = []
    if link.field.unique:
        sets.append(((), None))
    for together in opts.unique_together:
        if own & set(together):
            sets.append((tuple(n for n in together if n not in own), None))
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint) and own & set(constraint.fields):
            others = tuple(n for n in constraint.fields if n not in own)
            sets.append((others, constraint.condition))
    return sets


def _movable_ids(link: CustomerLink, survivor: Customer, merged: Customer) -> list[int]:
    """Ids of the rows pointing at ``merged`` that can point at ``survivor`` instead: all of them
    except rows the survivor already has an equal of (e.g. a tag both customers carry; such a
    row stays with the merged record, and the survivor keeps its own)."""
    theirs_all = link.rows().filter(**{link.column: merged.pk})
    if link.model is Customer:  # referrals: never make a customer refer itself
        theirs_all = theirs_all.exclude(pk__in=[survivor.pk, merged.pk])
    ids = list(theirs_all.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    blocked: set[int] = set()
    for others, condition in _unique_sets(link):
        ours = link.rows().filter(**{link.column: survivor.pk})
        theirs = theirs_all
        if condition is not None:
            ours, theirs = ours.filter(condition), theirs.filter(condition)
        if not others:
            if ours.exists():
                blocked.update(theirs.values_list("pk", flat=True))
            continue
        taken = set(ours.values_list(*others))
        for pk, *values in theirs.values_list("pk", *others):
            if tuple(values) in taken:
                blocked.add(pk)
    return [pk for pk in ids if pk not in blocked]


def _primary_to_demote(link: CustomerLink, survivor: Customer, ids: list[int]) -> list[int]:
    """Moving rows keep one "primary" per kind: the survivor's main phone (address, …) stays
    main; the merged customer's becomes an extra one. Returns the ids to demote."""
    opts = link.model._meta
    try:
        flag = opts.get_field("is_primary")
    except FieldDoesNotExist:
        return []
    if not isinstance(flag, models.BooleanField) or not ids:
        return []
    try:
        opts.get_field("kind")
        group: str | None = "kind"
    except FieldDoesNotExist:
        group = None
    ours = link.rows().filter(**{link.column: survivor.pk, "is_primary": True})
    moving = link.rows().filter(pk__in=ids, is_primary=True)
    if group is None:
        return list(moving.values_list("pk", flat=True)) if ours.exists() else []
    kinds = set(ours.values_list(group, flat=True))
    return list(moving.filter(**{f"{group}__in": kinds}).values_list("pk", flat=True))


# --- the profile fields a merge decides -----------------------------------------------------------

MERGE_FIELDS: tuple[str, ...] = (
    "title", "first_name", "last_name", "nickname", "gender", "birthday", "province",
    "preferred_language", "preferred_channel", "acquisition_source", "referred_by_id",
    "behaviour_type", "lifecycle_stage", "home_branch_id", "notes", "custom_fields",
)  # fmt: skip
# Keys a caller may use for several fields or by their relation name.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("title", "first_name", "last_name"),
    "referred_by": ("referred_by_id",),
    "home_branch": ("home_branch_id",),
}
SURVIVOR, MERGED, BOTH = "survivor", "merged", "both"
BOTH_ALLOWED = frozenset({"notes", "custom_fields"})


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _snapshot(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return dict(value)
    return value


def _restore(name: str, value: Any) -> Any:
    if name == "birthday" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def default_side(name: str, survivor_value: Any, merged_value: Any) -> str:
    """Which value a merge keeps when not told: the survivor's unless it is empty. Two different
    pinned notes or two sets of custom fields are both kept."""
    if _empty(merged_value) or survivor_value == merged_value:
        return SURVIVOR
    if _empty(survivor_value):
        return MERGED
    return BOTH if name in BOTH_ALLOWED else SURVIVOR


def _resolve(name: str, survivor_value: Any, merged_value: Any, side: str) -> Any:
    if side == BOTH:
        if name == "custom_fields":
            combined = dict(merged_value or {})
            combined.update({k: v for k, v in (survivor_value or {}).items() if not _empty(v)})
            return combined
        parts = [p for p in (survivor_value, merged_value) if not _empty(p)]
        return "\n\n".join(dict.fromkeys(parts))  # notes: the survivor's first, no repeats
    return survivor_value if side == SURVIVOR else merged_value


def _parse_choices(field_choices: dict[str, str] | None) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for key, raw in (field_choices or {}).items():
        side = str(raw or "").strip().lower()
        names = FIELD_ALIASES.get(key, (key,))
        for name in names:
            if name not in MERGE_FIELDS:
                raise ApplicationError(
                    "unknown_field",
                    _("Unknown field: %(fields)s") % {"fields": key},
                    {"field": f"field_choices.{key}"},
                    status=422,
                )
            allowed = (SURVIVOR, MERGED, BOTH) if name in BOTH_ALLOWED else (SURVIVOR, MERGED)
            if side not in allowed:
                raise ApplicationError(
                    "invalid_choice",
                    _("Choose %(choices)s for “%(field)s”.")
                    % {"choices": " / ".join(allowed), "field": key},
                    {"field": f"field_choices.{key}", "allowed": list(allowed)},
                    status=422,
                )
            chosen[name] = side
    return chosen


# --- merging --------------------------------------------------------------------------------------


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
    require(actor, Perm.CUSTOMER_EDIT)
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
    require(actor, Perm.CUSTOMER_EDIT)
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


# --- reading the merge log and previewing a merge ----------------------------------------------------


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


__all__ = [
    "MERGE_FIELDS",
    "CustomerLink",
    "FieldChoice",
    "MergePreview",
    "customer_links",
    "customer_merge",
    "default_side",
    "merge_get",
    "merge_log_list",
    "merge_preview",
    "merge_undo",
]
