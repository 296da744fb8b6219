"""Background work for segments: thin wrappers that call one service each.

The nightly recompute (``analytics.recompute``) already calls ``segments_snapshot_all`` once
the metrics are written (a lazy, optional import: analytics sits below segments). This task
takes the snapshots on their own, for a schedule or a one-off run without a recompute.
"""

from __future__ import annotations

from celery import shared_task

from samphan.core.models import Workspace
from samphan.segments.services import segments_snapshot_all


@shared_task(name="segments.snapshot_all")
def segments_snapshot_all_task(workspace_id: int) -> int:
    """Snapshot every segment of one workspace; returns how many snapshots were taken."""
    workspace = Workspace.objects.get(pk=workspace_id)
    return len(segments_snapshot_all(workspace=workspace))
