"""What analytics does when things happen: the dashboard's cached figures are forgotten when an
event changes what they count (``analytics.dashboard``)."""

from __future__ import annotations

from collections.abc import Sequence

from samphan.analytics.dashboard import dashboard_figures_changed
from samphan.commerce.events import OrderPlaced, OrderRefunded, OrderStatusChanged
from samphan.customers.events import CustomerCreated, CustomerMerged, CustomerUnmerged
from samphan.timeline.registry import DomainEvent, Phase, subscriber


@subscriber(
    OrderPlaced,
    OrderStatusChanged,
    OrderRefunded,
    CustomerCreated,
    CustomerMerged,
    CustomerUnmerged,
    # Declared by privacy, above analytics: named, not imported.
    "customer.erased",
    "privacy.retention_ran",
    # In the transaction, so that a bulk write's events cost one set membership test each and
    # are never serialised for a worker; the cache is told after the commit.
    phase=Phase.IN_TRANSACTION,
)
def dashboard_forget(events: Sequence[DomainEvent]) -> None:
    for workspace_id in {e.workspace_id for e in events}:
        dashboard_figures_changed(workspace_id=workspace_id)
