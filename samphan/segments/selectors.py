"""Reads for segments, workspace-scoped: another workspace's segment is a 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.segments.models import Segment, SegmentMember, SegmentSnapshot
from samphan.segments.rules import segment_queryset

MEMBERS_PAGE_MAX = 200


def segment_list(*, actor: Actor) -> QuerySet[Segment]:
    """The workspace's segments by name, each with ``latest_size`` / ``latest_at`` (its most
    recent snapshot; None before the first)."""
    require(actor, Perm.SEGMENT_MANAGE)
    latest = SegmentSnapshot.objects.filter(segment=OuterRef("pk")).order_by("-computed_at", "-id")
    return (
        Segment.objects.filter(workspace=actor.workspace)
        .annotate(
            latest_size=Subquery(latest.values("size")[:1]),
            latest_at=Subquery(latest.values("computed_at")[:1]),
        )
        .order_by("name", "id")
    )


def segment_get(*, actor: Actor, segment_id: int) -> Segment:
    segment = segment_list(actor=actor).filter(pk=segment_id).first()
    if segment is None:
        raise NotFound("segment_not_found", _("Segment not found."))
    return segment


def segment_count(*, actor: Actor, tree: Any, now: dt.datetime | None = None) -> int:
    """The live count for a rule tree (the builder calls this on every change). One
    ``SELECT COUNT(*)`` over customers: conditions on other tables are ``EXISTS``, so no row
    is counted twice and no ``DISTINCT`` is needed."""
    require(actor, Perm.SEGMENT_MANAGE)
    return _count(segment_queryset(actor, tree, now=now))


def _count(qs: QuerySet[Customer]) -> int:
    if connection.vendor != "postgresql":
        return qs.count()
    # PostgreSQL would JIT-compile every large count anew (30–45 ms at a million customers)
    # for a plan that is a scan and semi-joins either way; the count is faster without it.
    # The semi-joins hash up to a million customer ids: let them do it in memory, not in
    # temporary files (the default 4 MB spills at a few hundred thousand).
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        return qs.count()


def segment_customers(*, actor: Actor, segment_id: int) -> QuerySet[Customer]:
    """Who is in the segment now (its rules evaluated live)."""
    segment = segment_get(actor=actor, segment_id=segment_id)
    return segment_queryset(actor, segment.rules)


@dataclass(frozen=True)
class MemberPage:
    rows: list[Customer]
    next_after: int | None  # pass as ``after`` for the next page; None on the last page


def _keyset_page(qs: QuerySet[Customer], after: int | None, limit: int) -> MemberPage:
    limit = max(1, min(limit, MEMBERS_PAGE_MAX))
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return MemberPage(rows=rows, next_after=rows[-1].pk if more else None)


def segment_members_page(
    *, actor: Actor, segment_id: int, after: int | None = None, limit: int = 50
) -> MemberPage:
    """One page of the segment's current members, by customer id (keyset, never OFFSET)."""
    return _keyset_page(segment_customers(actor=actor, segment_id=segment_id), after, limit)


def snapshot_list(*, actor: Actor, segment_id: int) -> QuerySet[SegmentSnapshot]:
    segment = segment_get(actor=actor, segment_id=segment_id)
    return SegmentSnapshot.objects.filter(
        workspace=actor.workspace, segment=segment
    ).select_related("created_by")


def snapshot_get(*, actor: Actor, segment_id: int, snapshot_id: int) -> SegmentSnapshot:
    snapshot = snapshot_list(actor=actor, segment_id=segment_id).filter(pk=snapshot_id).first()
    if snapshot is None:
        raise NotFound("snapshot_not_found", _("Snapshot not found."))
    return snapshot


def snapshot_customers(*, actor: Actor, segment_id: int, snapshot_id: int) -> QuerySet[Customer]:
    """The frozen list: who was in the segment when the snapshot was taken (customers merged
    since then are left out; their survivor is in the list if they were)."""
    snapshot = snapshot_get(actor=actor, segment_id=segment_id, snapshot_id=snapshot_id)
    members = SegmentMember.objects.filter(snapshot=snapshot).values("customer_id")
    return Customer.objects.filter(
        workspace=actor.workspace, merged_into__isnull=True, pk__in=members
    )


def snapshot_members_page(
    *,
    actor: Actor,
    segment_id: int,
    snapshot_id: int,
    after: int | None = None,
    limit: int = 50,
) -> MemberPage:
    qs = snapshot_customers(actor=actor, segment_id=segment_id, snapshot_id=snapshot_id)
    return _keyset_page(qs, after, limit)


def segment_size_history(
    *, actor: Actor, segment_id: int, limit: int = 90
) -> list[tuple[dt.datetime, int]]:
    """(computed_at, size) of the latest ``limit`` snapshots, oldest first, for the chart."""
    rows = list(
        snapshot_list(actor=actor, segment_id=segment_id)
        .order_by("-computed_at", "-id")
        .values_list("computed_at", "size")[:limit]
    )
    return rows[::-1]


def segment_size_histories(
    *, actor: Actor, segment_ids: list[int], since: dt.datetime
) -> dict[int, list[tuple[dt.datetime, int]]]:
    """Size over time for several segments at once (the list page's small charts)."""
    require(actor, Perm.SEGMENT_MANAGE)
    found: dict[int, list[tuple[dt.datetime, int]]] = {pk: [] for pk in segment_ids}
    rows = (
        SegmentSnapshot.objects.filter(
            workspace=actor.workspace, segment_id__in=segment_ids, computed_at__gte=since
        )
        .order_by("computed_at", "id")
        .values_list("segment_id", "computed_at", "size")
    )
    for segment_id, at, size in rows:
        found[segment_id].append((at, size))
    return found
