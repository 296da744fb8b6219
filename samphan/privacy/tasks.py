"""Background work for privacy: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.privacy.breaches import breach_reminders_send
from samphan.privacy.retention import retention_run_all


@shared_task(name="privacy.retention_run_all")
def retention_run_all_task() -> int:
    """Nightly: apply each switched-on retention policy; returns how many workspaces ran."""
    return retention_run_all()


@shared_task(name="privacy.breach_reminders")
def breach_reminders_task() -> int:
    """Hourly: remind owners and managers of breach notifications that are due."""
    return breach_reminders_send()
