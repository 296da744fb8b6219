"""Storing the candidates: full and incremental scans (``duplicates_scan``), the rescan after
a customer changes, and the status of the last full scan."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.customers.duplicates.candidates import (
    _chunks,
    _people,
    _Scored,
    _scored,
    name_counts,
)
from samphan.customers.duplicates.keys import MAX_PAIRS, _blocks, _candidate_pairs, _scope
from samphan.customers.models import Customer, DuplicateCandidate, DuplicateDismissal, DuplicateScan

logger = logging.getLogger(__name__)

# --- the stored candidates ------------------------------------------------------------------------

# "Scan again" is refused while a scan started less than this ago has not finished; an older
# unfinished scan is presumed dead (a worker restarted).
SCAN_RUNNING_GRACE = dt.timedelta(minutes=15)
# Fields whose change can make or break a pair (contacts and addresses are rescanned too).
KEY_FIELDS = frozenset({"first_name", "last_name", "nickname", "birthday"})
# An incremental scan of more customers than this blocks on the whole workspace's keys.
SCOPED_MAX = 1000


def _found(workspace: Workspace, ids: Collection[int] | None) -> list[_Scored]:
    if ids is None:
        pairs = _candidate_pairs(_blocks(workspace), limit=MAX_PAIRS)
        # In a large shop MAX_PAIRS cuts the full scan short, but an incremental scan blocks on
        # one customer's keys without that limit: the pairs it stored are scored again and kept
        # while they still qualify, instead of vanishing every night.
        pairs |= set(
            DuplicateCandidate.objects.filter(workspace=workspace).values_list(
                "customer_a_id", "customer_b_id"
            )
        )
    else:
        # Many customers at once (an import): one pass over the whole workspace's keys is
        # cheaper than narrowing to theirs, and finds the same pairs.
        scope = None if len(ids) > SCOPED_MAX else _scope(workspace, ids)
        pairs = _candidate_pairs(_blocks(workspace, scope), limit=None, involving=ids)
    if not pairs:
        return []
    people = _people({pk for pair in pairs for pk in pair})
    return _scored(pairs, people, name_counts(workspace, people.values()))


def _store(workspace: Workspace, found: list[_Scored], ids: Collection[int] | None) -> int:
    """Replace the stored pairs (all of the workspace's, or those involving ``ids``) with
    ``found``, leaving out dismissed pairs and customers merged meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        stale = DuplicateCandidate.objects.filter(workspace=workspace)
        dismissed_qs = DuplicateDismissal.objects.filter(workspace=workspace)
        dismissed: set[tuple[int, int]] = set()
        if ids is None:
            stale.delete()
            dismissed.update(dismissed_qs.values_list("customer_a_id", "customer_b_id"))
        elif len(ids) > SCOPED_MAX:
            # The stored pairs are few next to an import's customers: pick them out here.
            wanted = set(ids)
            stale_ids = [
                pk
                for pk, a, b in stale.values_list("pk", "customer_a_id", "customer_b_id")
                if a in wanted or b in wanted
            ]
            for part in _chunks(stale_ids):
                DuplicateCandidate.objects.filter(pk__in=part).delete()
            dismissed.update(
                (a, b)
                for a, b in dismissed_qs.values_list("customer_a_id", "customer_b_id")
                if a in wanted or b in wanted
            )
        else:
            involved = Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids)
            stale.filter(involved).delete()
            dismissed.update(
                dismissed_qs.filter(involved).values_list("customer_a_id", "customer_b_id")
            )
        # Customers merged while this scan ran. Tombstones are few (merges are made by hand);
        # an incremental scan looks up only its own pairs' customers.
        tombstones = Customer.objects.filter(workspace=workspace, merged_into__isnull=False)
        if ids is not None and len(ids) <= SCOPED_MAX:
            tombstones = tombstones.filter(pk__in={pk for f in found for pk in (f.a, f.b)})
        merged = set(tombstones.values_list("pk", flat=True))
        rows = [
            DuplicateCandidate(
                workspace=workspace,
                customer_a_id=f.a,
                customer_b_id=f.b,
                score=f.score,
                reasons=[r.as_json() for r in f.reasons],
                computed_at=now,
            )
            for f in found
            if (f.a, f.b) not in dismissed and f.a not in merged and f.b not in merged
        ]
        # A concurrent incremental scan may have stored one of these pairs first.
        DuplicateCandidate.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def duplicates_scan(*, workspace: Workspace, customer_ids: Iterable[int] | None = None) -> int:
    """Find and store the workspace's possible duplicates; returns how many pairs are stored.

    Without ``customer_ids``: a full scan (nightly, "Scan again"), recorded as a
    ``DuplicateScan`` for "last scanned at"; it stores the pairs ``duplicate_candidates``
    computes, plus those earlier incremental scans found beyond its ``MAX_PAIRS`` limit if
    they still score high enough. With ``customer_ids``: only the pairs involving those
    customers are recomputed, blocking on their own keys (tens of milliseconds; run after a
    customer is created or edited, merged or unmerged). Dismissed pairs are never stored; pairs
    of merged-away customers are removed."""
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        if not ids:
            return 0
        live = [
            pk
            for part in _chunks(ids)
            for pk in Customer.objects.filter(
                workspace=workspace, pk__in=part, merged_into__isnull=True
            ).values_list("pk", flat=True)
        ]
        found = _found(workspace, live) if live else []
        return _store(workspace, found, ids)
    scan = DuplicateScan.objects.create(workspace=workspace, started_at=timezone.now())
    try:
        stored = _store(workspace, _found(workspace, None), None)
    except Exception:
        scan.delete()  # not "running" for the next quarter of an hour
        raise
    scan.finished_at = timezone.now()
    scan.candidates = stored
    scan.save(update_fields=["finished_at", "candidates"])
    return stored


def duplicates_forget(*, workspace: Workspace, customer_ids: Iterable[int]) -> int:
    """Remove the stored pairs of customers that no longer stand alone (merged away)."""
    ids = list(customer_ids)
    deleted, _per_model = DuplicateCandidate.objects.filter(
        Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids), workspace=workspace
    ).delete()
    return deleted


def _launch(workspace_id: int, customer_ids: list[int] | None) -> None:
    from samphan.customers.tasks import duplicates_scan_task

    try:
        duplicates_scan_task.delay(workspace_id, customer_ids)
    except Exception:
        # The change that asked for the rescan is committed; a failed scan must not undo the
        # page's success (the nightly full scan catches up).
        logger.exception("duplicate scan of workspace %s failed", workspace_id)


def duplicates_scan_later(*, workspace_id: int, customer_ids: Iterable[int]) -> None:
    """Rescan these customers' pairs once the current transaction commits (a Celery task; inline
    in the embedded mode)."""
    ids = sorted(set(customer_ids))
    if ids:
        transaction.on_commit(lambda: _launch(workspace_id, ids))


@dataclass(frozen=True)
class ScanStatus:
    scanned_at: dt.datetime | None  # when the last full scan finished; None: never scanned
    candidates: int  # pairs that scan stored
    running_since: dt.datetime | None  # a full scan in progress


def duplicate_scan_status(*, actor: Actor) -> ScanStatus:
    require(actor, Perm.CUSTOMER_VIEW)
    scans = DuplicateScan.objects.filter(workspace=actor.workspace)
    done = scans.filter(finished_at__isnull=False).order_by("-finished_at").first()
    running = (
        scans.filter(finished_at__isnull=True, started_at__gte=timezone.now() - SCAN_RUNNING_GRACE)
        .order_by("-started_at")
        .first()
    )
    return ScanStatus(
        scanned_at=done.finished_at if done is not None else None,
        candidates=done.candidates if done is not None else 0,
        running_since=running.started_at if running is not None else None,
    )


def duplicates_scan_request(*, actor: Actor) -> None:
    """Queue a full scan of the actor's workspace ("Scan again"). With a broker a worker runs
    it; in the embedded mode it runs right after the request's transaction commits."""
    require(actor, Perm.CUSTOMER_EDIT)
    if duplicate_scan_status(actor=actor).running_since is not None:
        raise ApplicationError(
            "duplicate_scan_running",
            _("A scan for duplicates is already running. Try again in a few minutes."),
            status=409,
        )
    workspace_id = actor.workspace.pk
    transaction.on_commit(lambda: _launch(workspace_id, None))
