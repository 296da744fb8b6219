"""Background work for automations: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.automations.services import runs_due, runs_sweep


@shared_task(name="automations.runs_due")
def runs_due_task() -> int:
    """Every minute (beat), and at once after a trigger: carry out the runs whose wait is
    over (each action once)."""
    return runs_due()


@shared_task(name="automations.runs_sweep")
def runs_sweep_task() -> int:
    """Hourly (beat): enter the customers that the time-based triggers find (birthdays, no
    purchase for N days, P(alive) below a threshold), each once per occasion."""
    return runs_sweep()
