"""The privacy app's own part of a person's data: their requests (with the trail) and the
tombstones of earlier erasures. Erasure keeps each request as a case (what was asked, when,
the status: the shop must be able to show it answered) and blanks who asked and the texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    Holding,
    Subject,
    Sweeper,
    blank_free_text,
    register_part,
    register_unrelated,
    scrub_json,
)
from samphan.privacy.models import DataSubjectRequest, ErasureRecord, RequestEntry


def _requests(subject: Subject) -> Any:
    return DataSubjectRequest.objects.filter(
        workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
    ).order_by("received_on", "pk")


def requests_export(subject: Subject) -> dict[str, Any]:
    tombstones = ErasureRecord.objects.filter(
        workspace_id=subject.workspace_id, customer_ref__in=subject.customer_ids
    )
    return {
        "requests": [
            {
                "kind": r.kind,
                "received_on": r.received_on.isoformat(),
                "due_on": r.due_on.isoformat(),
                "status": r.status,
                "requester_name": r.requester_name,
                "requester_contact": r.requester_contact,
                "details": r.details,
                "outcome": r.outcome,
                "trail": [
                    {"action": e.action, "at": e.at.isoformat(), "note": e.note}
                    for e in r.log.all()
                ],
            }
            for r in _requests(subject).prefetch_related("log")
        ],
        "erasures": [
            {"erased_at": t.erased_at.isoformat(), "mode": t.mode, "reason": t.reason}
            for t in tombstones
        ],
    }


def requests_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    for subject in subjects:
        sweeper = Sweeper.of(subject.identifiers)
        requests = list(_requests(subject))
        changed += DataSubjectRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
            requester_name="", requester_contact="", details="", outcome=""
        )
        for entry in RequestEntry.objects.filter(request__in=requests):
            data, _did = scrub_json(entry.data or {}, sweeper)
            entry.note = ""
            entry.data = blank_free_text(data, sweeper, keep_keys=frozenset({"status", "kind"}))
            entry.save(update_fields=["note", "data"])
            changed += 1
    return changed


register_part(
    key="privacy.requests",
    label=gettext_lazy("Privacy requests and erasures"),
    holds=[
        Holding(
            "privacy.DataSubjectRequest",
            personal=("requester_name", "requester_contact", "details", "outcome"),
            kept=(
                "customer",
                "kind",
                "received_on",
                "due_on",
                "status",
                "closed_at",
                "created_by",
                "created_at",
            ),
        ),
        Holding(
            "privacy.RequestEntry",
            personal=("note", "data"),
            kept=("request", "at", "actor", "actor_label", "action"),
        ),
        # The tombstone: the reason is swept of the person's values when it is written.
        Holding(
            "privacy.ErasureRecord",
            personal=(),
            kept=(
                "customer_ref",
                "mode",
                "reason",
                "erased_at",
                "actor",
                "actor_label",
                "request",
                "parts",
            ),
        ),
    ],
    export=requests_export,
    erase=requests_erase,
    order=95,
)

register_unrelated("privacy.PrivacySettings", "the shop's policy and record-of-processing text")
register_unrelated("privacy.Breach", "an incident: categories and a count of people, no rows")
register_unrelated("privacy.RetentionRun", "counts of what a nightly run did")
