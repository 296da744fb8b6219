"""What the customers app does when things happen: keep the possible-duplicates list fresh.

A customer created or changed by any path (a page, the API, an import, a merge or its undo)
is rescanned for duplicates after the change commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from samphan.core.models import Workspace
from samphan.customers.duplicates import KEY_FIELDS, duplicates_scan
from samphan.customers.events import (
    ContactAdded,
    CustomerCreated,
    CustomerMerged,
    CustomerUnmerged,
    CustomerUpdated,
)
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
    duplicates_scan(workspace=workspace, customer_ids=ids)
