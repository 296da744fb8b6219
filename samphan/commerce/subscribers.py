"""What commerce does when things happen: keep each customer's purchase summary, purchase rows
and lifecycle stage true to their paid orders, in the transaction that changed them."""

from __future__ import annotations

from collections.abc import Sequence

from samphan.commerce.events import OrderPlaced, OrderRefunded, OrderStatusChanged
from samphan.commerce.lifecycle import lifecycle_refresh
from samphan.commerce.summary import customer_summaries_update
from samphan.customers.events import CustomerMerged, CustomerUnmerged, LifecycleChanged
from samphan.customers.models import Customer
from samphan.timeline.registry import DomainEvent, Phase, subscriber

SUMMARY_BATCH = 1000


@subscriber(
    OrderPlaced,
    OrderStatusChanged,
    OrderRefunded,
    CustomerMerged,
    CustomerUnmerged,
    phase=Phase.IN_TRANSACTION,
)
def purchase_summary_refresh(events: Sequence[DomainEvent]) -> None:
    found: set[int | None] = {e.customer_id for e in events}
    # A merged-away customer's orders moved to the survivor: its summary goes back to zero.
    found.update(e.merged_customer_id for e in events if isinstance(e, CustomerMerged))
    ids = sorted(pk for pk in found if pk)
    if not ids:
        return
    if len(ids) > SUMMARY_BATCH and ids[-1] - ids[0] < 2 * len(ids):
        # Mostly consecutive ids (the new customers of an import): refresh the whole range in
        # one pass; the few in between are refreshed to what they already are.
        customer_summaries_update(
            Customer.objects.filter(
                workspace_id=events[0].workspace_id, pk__gte=ids[0], pk__lte=ids[-1]
            )
        )
        return
    for start in range(0, len(ids), SUMMARY_BATCH):
        batch = ids[start : start + SUMMARY_BATCH]
        customer_summaries_update(
            Customer.objects.filter(workspace_id=events[0].workspace_id, pk__in=batch)
        )


@subscriber(LifecycleChanged, phase=Phase.IN_TRANSACTION)
def lifecycle_derive_after_clearing(events: Sequence[DomainEvent]) -> None:
    """A stage set by hand was cleared: the stage the purchases give applies again, now."""
    ids = [
        e.customer_id
        for e in events
        if isinstance(e, LifecycleChanged) and e.cleared and e.customer_id is not None
    ]
    if ids:
        lifecycle_refresh(Customer.objects.filter(workspace_id=events[0].workspace_id, pk__in=ids))
