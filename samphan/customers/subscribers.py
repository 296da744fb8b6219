"""What the customers app does when things happen: keep the possible-duplicates list fresh.

A customer created or changed by any path (a page, the API, an import, a merge or its undo)
is rescanned for duplicates after the change commits. A bulk write made of many transactions
(the seeder's chunks) wraps them in ``timeline.publish.deliveries_deferred``, so the rescan
runs once at its end, over all of its customers, on the final data: rescanning each chunk
blocked on the whole workspace's keys every time (50 passes for a 1,000,000-customer seed,
each longer than the last).
"""

from __future__ import annotations

from collections.abc import Sequence

from samphan.core.models import Workspace
from samphan.customers.duplicates import KEY_FIELDS, duplicates_scan
from samphan.customers.duplicates.scan import SCOPED_MAX
from samphan.customers.events import (
    ContactAdded,
    CustomerCreated,
    CustomerMerged,
    CustomerUnmerged,
    CustomerUpdated,
)
from samphan.customers.models import Customer
from samphan.timeline.registry import DomainEvent, Phase, subscriber


def _rescan_needed(event: DomainEvent) -> bool:
    if isinstance(event, CustomerUpdated):
        # A profile edit matters only for the fields pairs are made of; a contact removed or an
        # address changed always does.
        return event.section in ("contacts", "address") or not KEY_FIELDS.isdisjoint(event.changes)
    return True


@subscriber(
    CustomerCreated,
    CustomerUpdated,
    ContactAdded,
    CustomerMerged,
    CustomerUnmerged,
    phase=Phase.AFTER_COMMIT,
)
def duplicates_rescan(events: Sequence[DomainEvent]) -> None:
    ids = sorted({e.customer_id for e in events if e.customer_id and _rescan_needed(e)})
    if not ids:
        return
    workspace = Workspace.objects.get(pk=events[0].workspace_id)
    if _everyone(workspace, ids):
        # Every live customer is new or changed (a seeded or imported shop): that is a full
        # scan, and it is recorded as one ("last scanned"), so nothing scans it all again.
        duplicates_scan(workspace=workspace)
    else:
        duplicates_scan(workspace=workspace, customer_ids=ids)


def _everyone(workspace: Workspace, ids: Sequence[int]) -> bool:
    """Whether ``ids`` take in every live customer of the workspace. Asked only of sets that
    block on the whole workspace anyway (more than ``SCOPED_MAX``)."""
    if len(ids) <= SCOPED_MAX:
        return False
    live = Customer.objects.filter(workspace=workspace, merged_into__isnull=True)
    return set(live.values_list("pk", flat=True).iterator(chunk_size=20_000)) <= set(ids)
