"""Customers' parts of a person's data (the data-subject registry, ``core.datasubject``):
profile, pinned note, contacts, addresses, consents, interactions and follow-ups, duplicates
and merges. Found by the privacy app when Django starts; see docs/privacy.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    DELETED,
    Holding,
    Subject,
    register_part,
    register_unrelated,
    whole_value,
)
from samphan.customers.models import (
    Address,
    ConsentEvent,
    ContactPoint,
    Customer,
    DuplicateCandidate,
    DuplicateDismissal,
    FollowUp,
    FollowUpStatus,
    Interaction,
    MergeLog,
    Tag,
)


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _ids(subjects: Sequence[Subject]) -> list[int]:
    return [pk for s in subjects for pk in s.customer_ids]


# --- profile -------------------------------------------------------------------------------

PROFILE_PERSONAL = (
    "title", "first_name", "last_name", "nickname", "gender", "birthday", "province",
    "preferred_language", "preferred_channel", "referred_by", "behaviour_type",
    "lifecycle_stage_reason", "custom_fields", "tags",
)  # fmt: skip
PROFILE_KEPT = (
    "acquisition_source", "home_branch", "created_at", "lifecycle_stage",
    "lifecycle_stage_by_hand", "lifecycle_stage_set_by", "lifecycle_stage_set_at",
    "merged_into", "orders_count", "total_spent_satang", "first_order_at", "last_order_at",
)  # fmt: skip


def profile_export(subject: Subject) -> dict[str, Any]:
    records = []
    for customer in Customer.objects.filter(pk__in=subject.customer_ids).order_by("pk"):
        record: dict[str, Any] = {"id": customer.pk}
        for name in PROFILE_PERSONAL + PROFILE_KEPT:
            if name == "tags":
                record["tags"] = sorted(t.name for t in customer.tags.all())
            elif name in ("referred_by", "home_branch", "merged_into", "lifecycle_stage_set_by"):
                record[f"{name}_id"] = getattr(customer, f"{name}_id")
            else:
                record[name] = _value(getattr(customer, name))
        records.append(record)
    return {"records": records}


def profile_erase(subjects: Sequence[Subject]) -> int:
    ids = _ids(subjects)
    links = Customer.tags.through.objects.filter(customer_id__in=ids)
    tag_ids = list(links.values_list("tag_id", flat=True))
    links.delete()
    # A tag nobody else has was about them alone ("allergic to X"): it goes too.
    Tag.objects.filter(pk__in=tag_ids, customers__isnull=True).delete()
    return Customer.objects.filter(pk__in=ids).update(
        title="", first_name="", last_name="", nickname="", gender="", birthday=None,
        province="", preferred_language="", preferred_channel="", referred_by=None,
        behaviour_type="", lifecycle_stage_reason="", custom_fields={},
    )  # fmt: skip


def profile_identifiers(workspace_id: int, customer_ids: Sequence[int]) -> Iterable[str]:
    rows = Customer.objects.filter(workspace_id=workspace_id, pk__in=customer_ids).values_list(
        "first_name", "last_name", "nickname"
    )
    for first, last, nickname in rows:
        full = " ".join(p for p in (first, last) if p)
        # A first name or nickname alone is common: only a value that is exactly it is theirs.
        yield from (full, last)
        yield from (whole_value(first), whole_value(nickname))


# --- the pinned note -----------------------------------------------------------------------


def notes_export(subject: Subject) -> dict[str, Any]:
    rows = Customer.objects.filter(pk__in=subject.customer_ids).values_list("pk", "notes")
    return {"pinned": [{"customer_id": pk, "text": text} for pk, text in rows if text]}


def notes_erase(subjects: Sequence[Subject]) -> int:
    return Customer.objects.filter(pk__in=_ids(subjects)).exclude(notes="").update(notes="")


# --- contacts --------------------------------------------------------------------------------


def contacts_export(subject: Subject) -> list[dict[str, Any]]:
    rows = ContactPoint.objects.filter(customer_id__in=subject.customer_ids).order_by("pk")
    return [
        {
            "kind": c.kind,
            "value": c.value,
            "display_name": c.display_name,
            "is_primary": c.is_primary,
            "created_at": _value(c.created_at),
        }
        for c in rows
    ]


def contacts_erase(subjects: Sequence[Subject]) -> int:
    deleted, _ = ContactPoint.objects.filter(customer_id__in=_ids(subjects)).delete()
    return deleted


def contact_identifiers(workspace_id: int, customer_ids: Sequence[int]) -> Iterable[str]:
    rows = ContactPoint.objects.filter(
        workspace_id=workspace_id, customer_id__in=customer_ids
    ).values_list("value", "display_name")
    for value, display_name in rows:
        yield value
        if display_name:
            yield whole_value(display_name)


# --- addresses -------------------------------------------------------------------------------

ADDRESS_FIELDS = ("label", "line", "subdistrict", "district", "province", "postcode", "is_primary")


def addresses_export(subject: Subject) -> list[dict[str, Any]]:
    rows = Address.objects.filter(customer_id__in=subject.customer_ids).order_by("pk")
    return [{name: getattr(a, name) for name in ADDRESS_FIELDS} for a in rows]


def addresses_erase(subjects: Sequence[Subject]) -> int:
    deleted, _ = Address.objects.filter(customer_id__in=_ids(subjects)).delete()
    return deleted


def address_identifiers(workspace_id: int, customer_ids: Sequence[int]) -> Iterable[str]:
    rows = Address.objects.filter(
        workspace_id=workspace_id, customer_id__in=customer_ids
    ).values_list("line", flat=True)
    return [line for line in rows if line]


# --- consents --------------------------------------------------------------------------------


def consents_export(subject: Subject) -> list[dict[str, Any]]:
    rows = ConsentEvent.objects.filter(customer_id__in=subject.customer_ids).order_by(
        "recorded_at", "pk"
    )
    return [
        {
            "purpose": c.purpose,
            "granted": c.granted,
            "recorded_at": _value(c.recorded_at),
            "source": c.source,
            "notice_version": c.notice_version,
            "evidence": c.evidence,
        }
        for c in rows
    ]


def consents_erase(subjects: Sequence[Subject]) -> int:
    # The ledger stays append-only in shape (who agreed to what, when); the evidence, free text
    # that may quote the person, goes.
    return (
        ConsentEvent.objects.filter(customer_id__in=_ids(subjects))
        .exclude(evidence="")
        .update(evidence="")
    )


# --- interactions and follow-ups ------------------------------------------------------------

INTERACTION_TEXT = ("summary", "outcome", "pain_points", "next_step")


def interactions_export(subject: Subject) -> dict[str, Any]:
    interactions = Interaction.objects.filter(customer_id__in=subject.customer_ids).order_by(
        "occurred_at", "pk"
    )
    follow_ups = FollowUp.objects.filter(customer_id__in=subject.customer_ids).order_by(
        "due_at", "pk"
    )
    return {
        "interactions": [
            {
                "kind": i.kind,
                "occurred_at": _value(i.occurred_at),
                **{name: getattr(i, name) for name in INTERACTION_TEXT},
            }
            for i in interactions
        ],
        "follow_ups": [
            {
                "title": f.title,
                "due_at": _value(f.due_at),
                "status": f.status,
                "done_at": _value(f.done_at),
            }
            for f in follow_ups
        ],
    }


def interactions_erase(subjects: Sequence[Subject]) -> int:
    ids = _ids(subjects)
    changed = Interaction.objects.filter(customer_id__in=ids).update(
        **{name: "" for name in INTERACTION_TEXT}
    )
    # Nobody should call an erased person back.
    FollowUp.objects.filter(customer_id__in=ids, status=FollowUpStatus.OPEN).update(
        status=FollowUpStatus.CANCELLED, done_at=timezone.now()
    )
    changed += FollowUp.objects.filter(customer_id__in=ids).update(title="")
    return changed


# --- duplicates and merges -------------------------------------------------------------------


def _pair_filter(ids: Sequence[int]) -> Q:
    return Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids)


def duplicates_export(subject: Subject) -> dict[str, Any]:
    ids = subject.customer_ids
    candidates = DuplicateCandidate.objects.filter(_pair_filter(ids)).order_by("pk")
    dismissals = DuplicateDismissal.objects.filter(_pair_filter(ids)).order_by("pk")
    merges = MergeLog.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids)).order_by("pk")
    return {
        "possible_duplicates": [
            {
                "customer_ids": [c.customer_a_id, c.customer_b_id],
                "score": c.score,
                "reasons": [r.get("code", "") for r in c.reasons if isinstance(r, dict)],
                "computed_at": _value(c.computed_at),
            }
            for c in candidates
        ],
        "not_the_same_person": [
            {
                "customer_ids": [d.customer_a_id, d.customer_b_id],
                "dismissed_at": _value(d.dismissed_at),
            }
            for d in dismissals
        ],
        "merges": [
            {
                "survivor_id": m.survivor_id,
                "merged_id": m.merged_id,
                "merged_at": _value(m.created_at),
                "undone_at": _value(m.undone_at),
                "fields_before": (m.survivor_before or {}).get("fields") or {},
            }
            for m in merges
        ],
    }


def duplicates_erase(subjects: Sequence[Subject]) -> int:
    ids = _ids(subjects)
    changed, _ = DuplicateCandidate.objects.filter(_pair_filter(ids)).delete()
    dismissed, _ = DuplicateDismissal.objects.filter(_pair_filter(ids)).delete()
    changed += dismissed
    # Undo of such a merge then restores no profile field: there is nothing left to restore.
    for log in MergeLog.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids)):
        before = dict(log.survivor_before or {})
        before["fields"] = {}
        before["applied"] = {}
        log.survivor_before = before
        log.save(update_fields=["survivor_before"])
        changed += 1
    return changed


# --- registration ----------------------------------------------------------------------------

register_part(
    key="customers.profile",
    label=gettext_lazy("Profile"),
    holds=[Holding("customers.Customer", personal=PROFILE_PERSONAL, kept=PROFILE_KEPT)],
    export=profile_export,
    erase=profile_erase,
    identifiers=profile_identifiers,
    order=10,
)
register_part(
    key="customers.notes",
    label=gettext_lazy("Pinned note"),
    holds=[Holding("customers.Customer", personal=("notes",))],
    export=notes_export,
    erase=notes_erase,
    order=11,
)
register_part(
    key="customers.contacts",
    label=gettext_lazy("Phones, emails, LINE and marketplace IDs"),
    holds=[
        Holding(
            "customers.ContactPoint",
            personal=("value", "display_name"),
            kept=("customer", "kind", "is_primary", "created_at"),
            how=DELETED,
        )
    ],
    export=contacts_export,
    erase=contacts_erase,
    identifiers=contact_identifiers,
    order=12,
)
register_part(
    key="customers.addresses",
    label=gettext_lazy("Addresses"),
    holds=[
        Holding(
            "customers.Address",
            personal=("label", "line", "subdistrict", "district", "province", "postcode"),
            kept=("customer", "is_primary"),
            how=DELETED,
        )
    ],
    export=addresses_export,
    erase=addresses_erase,
    identifiers=address_identifiers,
    order=13,
)
register_part(
    key="customers.consents",
    label=gettext_lazy("Consents"),
    holds=[
        Holding(
            "customers.ConsentEvent",
            personal=("evidence",),
            kept=(
                "customer",
                "purpose",
                "granted",
                "notice_version",
                "source",
                "recorded_at",
                "actor",
            ),
        )
    ],
    export=consents_export,
    erase=consents_erase,
    order=14,
)
register_part(
    key="customers.interactions",
    label=gettext_lazy("Interactions and follow-ups"),
    holds=[
        Holding(
            "customers.Interaction",
            personal=INTERACTION_TEXT,
            kept=("customer", "kind", "occurred_at", "staff"),
        ),
        Holding(
            "customers.FollowUp",
            personal=("title",),
            kept=(
                "customer",
                "interaction",
                "due_at",
                "assignee",
                "status",
                "done_at",
                "created_by",
                "created_at",
            ),
        ),
    ],
    export=interactions_export,
    erase=interactions_erase,
    order=15,
)
register_part(
    key="customers.duplicates",
    label=gettext_lazy("Duplicates and merges"),
    holds=[
        Holding(
            "customers.DuplicateCandidate",
            personal=("reasons",),
            kept=("customer_a", "customer_b", "score", "computed_at"),
            how=DELETED,
        ),
        Holding(
            "customers.DuplicateDismissal",
            personal=(),
            kept=("customer_a", "customer_b", "dismissed_by", "dismissed_at"),
            how=DELETED,
        ),
        Holding(
            "customers.MergeLog",
            personal=("survivor_before",),
            kept=(
                "survivor",
                "merged",
                "actor",
                "moved",
                "created_at",
                "undone_at",
                "undone_by",
            ),
        ),
    ],
    export=duplicates_export,
    erase=duplicates_erase,
    order=16,
)

register_unrelated(
    "customers.Tag", "a label the shop defines; one that only an erased person had is deleted"
)
register_unrelated("customers.CustomFieldDefinition", "the shop's field definitions")
register_unrelated("customers.DuplicateScan", "when the shop last scanned, and how many pairs")
