"""Background work for customers: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.core.models import Workspace
from samphan.customers.duplicates import duplicates_scan


@shared_task(name="customers.duplicates_scan")
def duplicates_scan_task(workspace_id: int, customer_ids: list[int] | None = None) -> int:
    """Store the workspace's possible duplicates (all, or only those involving
    ``customer_ids``); returns how many pairs were stored."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:  # deleted before the task ran
        return 0
    return duplicates_scan(workspace=workspace, customer_ids=customer_ids)


@shared_task(name="customers.duplicates_scan_all")
def duplicates_scan_all_task() -> int:
    """The nightly entry point: queue one full scan per workspace; returns how many."""
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        duplicates_scan_task.delay(workspace_id)
    return len(ids)
