"""What segments do when things happen: saved segments' snapshots follow the new scores."""

from __future__ import annotations

from collections.abc import Sequence

from samphan.analytics.events import MetricsRecomputed
from samphan.core.models import Workspace
from samphan.segments.services import segments_snapshot_all
from samphan.timeline.registry import DomainEvent, Phase, subscriber


@subscriber(MetricsRecomputed, phase=Phase.AFTER_COMMIT)
def snapshots_refresh(events: Sequence[DomainEvent]) -> None:
    segments_snapshot_all(workspace=Workspace.objects.get(pk=events[0].workspace_id))
