"""Background work for the service desk: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.core.models import Workspace
from samphan.service.escalation import tickets_escalate
from samphan.service.models import ACTIVE_STATUSES, Ticket


@shared_task(name="service.escalate")
def tickets_escalate_task(workspace_id: int) -> dict[str, int]:
    """One workspace: mark breached tickets, escalate them to a manager in business hours."""
    result = tickets_escalate(workspace=Workspace.objects.get(pk=workspace_id))
    return {"breached": result.breached, "escalated": result.escalated, "waiting": result.waiting}


@shared_task(name="service.escalate_all")
def tickets_escalate_all_task() -> int:
    """Every few minutes (celery beat): one task per workspace with tickets still open."""
    ids = list(
        Ticket.objects.filter(status__in=ACTIVE_STATUSES)
        .order_by("workspace_id")
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    for workspace_id in ids:
        tickets_escalate_task.delay(workspace_id)
    return len(ids)
