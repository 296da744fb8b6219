"""Background work for messaging: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.messaging.services import line_events_process


@shared_task(name="messaging.line_events_process", acks_late=True)
def line_events_process_task(workspace_id: int, event_ids: list[int]) -> dict[str, int]:
    """Apply the LINE webhook events one delivery kept (each once: a processed event is
    skipped, so a retried task does no harm)."""
    return line_events_process(workspace_id=workspace_id, event_ids=event_ids)
