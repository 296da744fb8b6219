"""Background work for automations: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.automations.services import runs_due


@shared_task(name="automations.runs_due")
def runs_due_task() -> int:
    """Every minute (beat), and at once after a trigger: carry out the runs whose wait is
    over (each action once)."""
    return runs_due()
