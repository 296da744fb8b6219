"""Writes for segments: create, update, delete, and membership snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Value
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samphan.analytics.clustering import Suggestion, suggestion_get
from samphan.core.access import Actor, require
from samphan.core.bulk import insert_select
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_date
from samphan.customers.models import Customer
from samphan.segments.models import Segment, SegmentMember, SegmentSnapshot, SnapshotReason
from samphan.segments.rules import compile_rules, rules_validate
from samphan.segments.selectors import segment_get

NAME_MAX = 120
# Nightly snapshots keep their member rows this many runs back; older ones keep only the size.
KEEP_RECOMPUTE_MEMBERS = 7


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ApplicationError(
            "segment_name_required", _("Give the segment a name."), {"field": "name"}, status=422
        )
    if len(name) > NAME_MAX:
        raise ApplicationError(
            "segment_name_too_long",
            _("A segment name has at most %(n)d characters.") % {"n": NAME_MAX},
            {"field": "name"},
            status=422,
        )
    return name


def _name_taken(workspace: Workspace, name: str, exclude_id: int | None = None) -> bool:
    qs = Segment.objects.filter(workspace=workspace, name=name)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def _name_taken_error(name: str) -> ApplicationError:
    return ApplicationError(
        "segment_name_taken",
        _("There is already a segment called “%(name)s”.") % {"name": name},
        {"field": "name"},
        status=409,
    )


def segment_create(*, actor: Actor, name: str, rules: Any, description: str = "") -> Segment:
    require(actor, Perm.SEGMENT_MANAGE)
    name = _clean_name(name)
    normal = rules_validate(actor.workspace, rules)
    if _name_taken(actor.workspace, name):
        raise _name_taken_error(name)
    try:
        with transaction.atomic():
            return Segment.objects.create(
                workspace=actor.workspace,
                name=name,
                description=(description or "").strip(),
                rules=normal,
                created_by=actor.user,
            )
    except IntegrityError as exc:  # a concurrent create with the same name
        raise _name_taken_error(name) from exc


def suggestion_segment_texts(*, workspace: Workspace, suggestion: Suggestion) -> tuple[str, str]:
    """A name and a description, in the active language, for a segment saved from a suggested
    segment: the group's explanation, and when and how the rule was made."""
    language = get_language() or "th"
    text = suggestion.explanation(language)
    name = _("Suggested: %(text)s") % {"text": text}
    description = _(
        "Saved from the suggested segments on %(date)s. The rule approximates a group of "
        "%(size)s customers who buy alike (%(text)s)."
    ) % {
        "date": format_date(timezone.localdate(), language=language),
        "size": f"{suggestion.size:,}",
        "text": text,
    }
    return name, description


def _free_name(workspace: Workspace, name: str) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … when it is taken (within ``NAME_MAX``)."""
    name = " ".join(name.split())[:NAME_MAX]
    n = 1
    candidate = name
    while _name_taken(workspace, candidate):
        n += 1
        suffix = f" ({n})"
        candidate = name[: NAME_MAX - len(suffix)] + suffix
    return candidate


def segment_create_from_suggestion(*, actor: Actor, index: int, key: str = "") -> Segment:
    """Save the workspace's suggested segment ``index`` (analytics clustering) as a dynamic
    segment whose rules are the suggestion's rule tree. ``key`` is the fingerprint the page
    showed; a suggestion replaced by a recompute since is refused (409)."""
    require(actor, Perm.SEGMENT_MANAGE)
    suggestion = suggestion_get(actor=actor, index=index, key=key)
    name, description = suggestion_segment_texts(workspace=actor.workspace, suggestion=suggestion)
    return segment_create(
        actor=actor,
        name=_free_name(actor.workspace, name),
        description=description,
        rules=suggestion.rule,
    )


def segment_update(
    *,
    actor: Actor,
    segment_id: int,
    name: str | None = None,
    description: str | None = None,
    rules: Any = None,
) -> Segment:
    """Change what is given (``None`` leaves a value as it is)."""
    require(actor, Perm.SEGMENT_MANAGE)
    segment = segment_get(actor=actor, segment_id=segment_id)
    if name is not None:
        segment.name = _clean_name(name)
        if _name_taken(actor.workspace, segment.name, exclude_id=segment.pk):
            raise _name_taken_error(segment.name)
    if description is not None:
        segment.description = description.strip()
    if rules is not None:
        segment.rules = rules_validate(actor.workspace, rules)
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError as exc:
        raise _name_taken_error(segment.name) from exc
    return segment


def segment_delete(*, actor: Actor, segment_id: int) -> None:
    """Deletes the segment with its snapshots and frozen lists."""
    require(actor, Perm.SEGMENT_MANAGE)
    segment = segment_get(actor=actor, segment_id=segment_id)
    segment.delete()


# --- snapshots --------------------------------------------------------------------------------


def segment_live_queryset(
    *, workspace: Workspace, rules: Any, now: dt.datetime | None = None
) -> QuerySet[Customer]:
    """Live (not merged) customers of the workspace matching ``rules``, without an actor: for
    snapshots taken by the nightly recompute. Pages and the API use
    ``selectors.segment_queryset``, which checks the actor's permission."""
    q = compile_rules(workspace, rules, now=now)
    return Customer.objects.filter(workspace=workspace, merged_into__isnull=True).filter(q)


def segment_snapshot(
    *,
    segment: Segment,
    reason: str = SnapshotReason.MANUAL,
    created_by: Any = None,
    now: dt.datetime | None = None,
) -> SegmentSnapshot:
    """Freeze who is in ``segment`` now: a snapshot row with the size, and one member row per
    customer written by a single ``INSERT … SELECT`` (the members never travel through
    Python, so a segment of a million customers takes one statement)."""
    computed_at = now or timezone.now()
    members = segment_live_queryset(workspace=segment.workspace, rules=segment.rules, now=now)
    with transaction.atomic():
        snapshot = SegmentSnapshot.objects.create(
            workspace=segment.workspace,
            segment=segment,
            computed_at=computed_at,
            reason=reason,
            rules=segment.rules,
            created_by=created_by if created_by is not None and created_by.pk else None,
        )
        select = members.annotate(member_snapshot=Value(snapshot.pk), member_customer=F("pk"))
        snapshot.size = insert_select(
            SegmentMember,
            ("snapshot_id", "customer_id"),
            select.values("member_snapshot", "member_customer"),
            ("member_snapshot", "member_customer"),
        )
        snapshot.save(update_fields=["size"])
    return snapshot


def segment_freeze(*, actor: Actor, segment_id: int) -> SegmentSnapshot:
    """ "Freeze now": a snapshot taken by hand; its member list is never pruned."""
    require(actor, Perm.SEGMENT_MANAGE)
    segment = segment_get(actor=actor, segment_id=segment_id)
    return segment_snapshot(segment=segment, reason=SnapshotReason.MANUAL, created_by=actor.user)


def segments_snapshot_all(
    *,
    workspace: Workspace,
    now: dt.datetime | None = None,
    keep_members: int = KEEP_RECOMPUTE_MEMBERS,
) -> list[SegmentSnapshot]:
    """Snapshot every segment of the workspace (the nightly recompute calls this after the
    analytics metrics are written), then prune the member rows of nightly snapshots older
    than the last ``keep_members`` per segment. A segment whose rules no longer validate
    (say a tag was deleted) is skipped, not fatal: the others still get their snapshot."""
    snapshots: list[SegmentSnapshot] = []
    for segment in Segment.objects.filter(workspace=workspace).order_by("pk"):
        try:
            snapshots.append(
                segment_snapshot(segment=segment, reason=SnapshotReason.RECOMPUTE, now=now)
            )
        except ApplicationError:
            continue
        snapshots_prune(segment=segment, keep=keep_members)
    return snapshots


def snapshots_prune(*, segment: Segment, keep: int = KEEP_RECOMPUTE_MEMBERS) -> int:
    """Drop the member rows of all but the latest ``keep`` nightly snapshots of a segment (the
    snapshot rows and their sizes stay for the chart). Returns how many snapshots were pruned."""
    old = list(
        SegmentSnapshot.objects.filter(
            segment=segment, reason=SnapshotReason.RECOMPUTE, members_pruned_at__isnull=True
        )
        .order_by("-computed_at", "-id")
        .values_list("pk", flat=True)[keep:]
    )
    if not old:
        return 0
    with transaction.atomic():
        SegmentMember.objects.filter(snapshot_id__in=old).delete()
        SegmentSnapshot.objects.filter(pk__in=old).update(members_pruned_at=timezone.now())
    return len(old)
