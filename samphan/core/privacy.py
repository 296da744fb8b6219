"""Core's part of a person's data (the data-subject registry, ``core.datasubject``): the audit
log's entries about them. Erasure keeps each entry (who did what, when) and removes the
person's values from its target and details; entries about the workspace that quote them (an
export filtered by their phone) have those values swept out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    SCRUBBED,
    Holding,
    Subject,
    Sweeper,
    blank_free_text,
    combined,
    register_part,
    register_unrelated,
    scrub_json,
)
from samphan.core.models import AuditLog

# Detail keys whose values are codes and ids, kept on an entry about the erased person.
CODE_KEYS = frozenset(
    {"format", "from", "to", "status", "purpose", "source", "kind", "section", "number", "mode"}
)
# Workspace entries that may quote a customer's values (filters, search words).
SWEPT_ACTIONS = ("customers.", "customer.", "order.", "privacy.", "imports.", "consent.")
BATCH = 500


def about(customer_ids: Iterable[int]) -> Q:
    """The entries about these customer records."""
    ids = list(customer_ids)
    q = Q(target__in=[f"customer:{pk}" for pk in ids])
    for key in ("customer_id", "survivor_id", "merged_id"):
        q |= Q(**{f"data__{key}__in": ids})
    return q


def _names_them(entry: AuditLog, ids: set[int]) -> bool:
    """An entry about a pair of customers (``customer_ids``), one of them theirs."""
    listed = (entry.data or {}).get("customer_ids") if isinstance(entry.data, dict) else None
    return isinstance(listed, list) and bool(ids & {i for i in listed if isinstance(i, int)})


def _swept(workspace_id: int) -> Any:
    q = Q()
    for prefix in SWEPT_ACTIONS:
        q |= Q(action__startswith=prefix)
    return AuditLog.objects.filter(workspace_id=workspace_id).filter(q)


def _entries(subject: Subject) -> list[AuditLog]:
    ids = set(subject.customer_ids)
    direct = AuditLog.objects.filter(workspace_id=subject.workspace_id).filter(about(ids))
    found = {e.pk: e for e in direct}
    for entry in _swept(subject.workspace_id).iterator(chunk_size=BATCH):
        if entry.pk not in found and _names_them(entry, ids):
            found[entry.pk] = entry
    return sorted(found.values(), key=lambda e: (e.created_at, e.pk))


def audit_export(subject: Subject) -> list[dict[str, Any]]:
    # Which member did it is left out: that is about them, not the person.
    return [
        {"action": e.action, "at": e.created_at.isoformat(), "details": e.data}
        for e in _entries(subject)
    ]


def audit_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    for subject in (combined(subjects),):
        sweeper = Sweeper.of(subject.identifiers)
        own_entries = _entries(subject)
        own = {e.pk for e in own_entries}
        swept = [e for e in _swept(subject.workspace_id).iterator(chunk_size=BATCH)]
        for entry in own_entries + [e for e in swept if e.pk not in own]:
            if entry.pk in own:
                data = blank_free_text(entry.data or {}, sweeper, keep_keys=CODE_KEYS)
                did = data != entry.data
            else:
                data, did = scrub_json(entry.data or {}, sweeper)
            target, did_target = scrub_json(entry.target, sweeper)
            if did or did_target:
                AuditLog.objects.filter(pk=entry.pk).update(data=data, target=target)
                changed += 1
    return changed


register_part(
    key="core.audit",
    label=gettext_lazy("Audit log entries"),
    holds=[
        Holding(
            "core.AuditLog",
            personal=("data", "target"),
            kept=("actor", "actor_label", "action", "ip", "created_at"),
            how=SCRUBBED,
        )
    ],
    export=audit_export,
    erase=audit_erase,
    order=90,
)

register_unrelated("core.User", "the shop's members (staff accounts), not its customers")
register_unrelated("core.Workspace", "the shop itself")
register_unrelated("core.Branch", "the shop's branches and their addresses")
register_unrelated("core.Membership", "a member's role in the shop")
register_unrelated("core.ApiKey", "the shop's integration keys")
