"""Background work for commerce: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.commerce.services import customer_summaries_refresh
from samphan.core.models import Workspace


@shared_task(name="commerce.customer_summaries_refresh")
def customer_summaries_refresh_task(workspace_id: int) -> int:
    workspace = Workspace.objects.get(pk=workspace_id)
    return customer_summaries_refresh(workspace=workspace)


@shared_task(name="commerce.customer_summaries_refresh_all")
def customer_summaries_refresh_all_task() -> int:
    """Nightly: every workspace's purchase summaries and lifecycle stages (time alone moves
    customers to at-risk and lapsed), one task per workspace."""
    ids = list(Workspace.objects.order_by("pk").values_list("pk", flat=True))
    for workspace_id in ids:
        customer_summaries_refresh_task.delay(workspace_id)
    return len(ids)
