"""Background work for loyalty: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.core.models import Workspace
from samphan.loyalty.services import loyalty_nightly


@shared_task(name="loyalty.nightly")
def loyalty_nightly_task(workspace_id: int) -> dict[str, int]:
    """One workspace: release pending points, expire points, warn 30 days ahead, birthdays."""
    result = loyalty_nightly(workspace=Workspace.objects.get(pk=workspace_id))
    return {
        "released": result.released,
        "expired": result.expired,
        "warned": result.warned,
        "birthdays": result.birthdays,
    }


@shared_task(name="loyalty.nightly_all")
def loyalty_nightly_all_task() -> int:
    """Nightly (celery beat): one task per workspace."""
    ids = list(Workspace.objects.order_by("pk").values_list("pk", flat=True))
    for workspace_id in ids:
        loyalty_nightly_task.delay(workspace_id)
    return len(ids)
