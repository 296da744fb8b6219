"""Background work for messaging: thin wrappers that call one service each."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from samphan.messaging.services import line_events_process


@shared_task(name="messaging.line_events_process", acks_late=True)
def line_events_process_task(workspace_id: int, event_ids: list[int]) -> dict[str, int]:
    """Apply the LINE webhook events one delivery kept (each once: a processed event is
    skipped, so a retried task does no harm)."""
    return line_events_process(workspace_id=workspace_id, event_ids=event_ids)


@shared_task(name="messaging.campaign_start", acks_late=True)
def campaign_start_task(campaign_id: int) -> int:
    """Fix a due campaign's audience into delivery rows and hand them to the senders (a
    campaign not due yet, or started already, is left alone)."""
    from samphan.messaging.campaigns import campaign_start

    return campaign_start(campaign_id=campaign_id)


@shared_task(name="messaging.campaigns_due")
def campaigns_due_task() -> int:
    """Every minute (beat): start scheduled campaigns whose time has come, and hand out again
    the rows of workers that died mid-send (their lease expired)."""
    from samphan.messaging.campaigns import campaigns_start_due
    from samphan.messaging.sending import deliveries_reap

    return campaigns_start_due() + deliveries_reap()


@shared_task(
    name="messaging.deliveries_send",
    bind=True,
    acks_late=True,
    max_retries=8,
    reject_on_worker_lost=True,
)
def deliveries_send_task(self: Any, campaign_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """Send one slice of a campaign. The rows are claimed with a lease, so a redelivered task
    (acks_late, a worker killed) sends nothing twice; a provider that keeps failing puts the
    rows back in the queue and the task is retried later."""
    from samphan.messaging.sending import ProviderDown, deliveries_send

    try:
        outcome = deliveries_send(campaign_id=campaign_id, delivery_ids=delivery_ids)
    except ProviderDown as exc:
        if self.request.is_eager:
            # In-process (no broker): the rows are back in the queue; the minute task or the
            # next send hands them out again instead of blocking the page that sent this.
            return {"sent": 0, "skipped": 0, "failed": 0, "requeued": len(delivery_ids)}
        raise self.retry(exc=exc, countdown=min(600, 30 * 2**self.request.retries)) from exc
    return {
        "sent": outcome.sent,
        "skipped": outcome.skipped,
        "failed": outcome.failed,
        "requeued": outcome.requeued,
    }
