"""Which rows point at a customer: every foreign key to Customer, from any app, found through
``Customer._meta`` (so a model a new app adds is merged without changes here), and which of a
merged customer's rows can move to the survivor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.fields.reverse_related import ForeignObjectRel, ManyToManyRel

from samphan.customers.models import Customer, DuplicateCandidate, DuplicateDismissal, MergeLog

# Rows about a pair of customer records, not the customer's own data: they stay where they are.
# (A merge removes the merged-away customer's duplicate candidates; dismissals are kept, so an
# undo brings them back.)
NOT_MOVED: tuple[type[models.Model], ...] = (MergeLog, DuplicateCandidate, DuplicateDismissal)


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
