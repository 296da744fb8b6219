"""Segments' part of a person's data (the data-subject registry, ``core.datasubject``): the
frozen lists (membership snapshots) they are on. Erasure takes them off every list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.datasubject import DELETED, Holding, Subject, register_part, register_unrelated
from samphan.segments.models import SegmentMember


def membership_export(subject: Subject) -> list[dict[str, Any]]:
    rows = (
        SegmentMember.objects.filter(customer_id__in=subject.customer_ids)
        .select_related("snapshot__segment")
        .order_by("snapshot__computed_at", "pk")
    )
    return [
        {
            "segment": m.snapshot.segment.name,
            "snapshot_at": m.snapshot.computed_at.isoformat(),
            "reason": m.snapshot.reason,
        }
        for m in rows
    ]


def membership_erase(subjects: Sequence[Subject]) -> int:
    ids = [pk for s in subjects for pk in s.customer_ids]
    deleted, _ = SegmentMember.objects.filter(customer_id__in=ids).delete()
    return deleted


register_part(
    key="segments.membership",
    label=gettext_lazy("Segment lists"),
    holds=[
        Holding("segments.SegmentMember", personal=(), kept=("snapshot", "customer"), how=DELETED)
    ],
    export=membership_export,
    erase=membership_erase,
    order=50,
)

register_unrelated("segments.Segment", "a segment's name and conditions, written by the shop")
register_unrelated("segments.SegmentSnapshot", "a segment's size at a moment, and its rules")
