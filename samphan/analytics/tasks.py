"""Background work for analytics: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.analytics.recompute import metrics_recompute
from samphan.core.models import Workspace


@shared_task(name="analytics.recompute")
def metrics_recompute_task(workspace_id: int) -> int:
    """Recompute one workspace's customer metrics; returns the ModelRun id (failures are
    recorded on the run, not raised)."""
    workspace = Workspace.objects.get(pk=workspace_id)
    return metrics_recompute(workspace=workspace).pk


@shared_task(name="analytics.recompute_all")
def metrics_recompute_all_task() -> int:
    """The nightly entry point: queue one recompute per workspace; returns how many."""
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        metrics_recompute_task.delay(workspace_id)
    return len(ids)
