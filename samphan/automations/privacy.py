"""The automations' part of a person's data: the journeys they went through, with each step.
Erasure deletes the runs (and their steps): what a journey did is kept where it landed (the
message in the messaging log, the tag and task on the customer, each erased there)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.automations.models import JourneyLog, JourneyRun
from samphan.core.datasubject import DELETED, Holding, Subject, register_part, register_unrelated


def runs_export(subject: Subject) -> list[dict[str, Any]]:
    runs = (
        JourneyRun.objects.filter(
            workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
        )
        .select_related("journey")
        .prefetch_related("log")
        .order_by("started_at", "pk")
    )
    return [
        {
            "journey": run.journey.name,
            "status": run.status,
            "started_at": run.started_at.isoformat(),
            "due_at": run.due_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "steps": [
                {"at": s.at.isoformat(), "action": s.action, "outcome": s.outcome}
                for s in run.log.all()
            ],
        }
        for run in runs
    ]


def runs_erase(subjects: Sequence[Subject]) -> int:
    removed = 0
    for subject in subjects:
        runs = JourneyRun.objects.filter(
            workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
        )
        removed += JourneyLog.objects.filter(run__in=runs).delete()[0]
        removed += runs.delete()[0]
    return removed


register_part(
    key="automations.runs",
    label=gettext_lazy("Automated journeys"),
    holds=[
        Holding(
            "automations.JourneyRun",
            personal=("customer", "reason", "key"),
            kept=(
                "journey",
                "status",
                "started_at",
                "due_at",
                "claimed_at",
                "finished_at",
            ),
            how=DELETED,
        ),
        Holding(
            "automations.JourneyLog",
            personal=("run", "note"),
            kept=("at", "action", "outcome"),
            how=DELETED,
        ),
    ],
    export=runs_export,
    erase=runs_erase,
)
register_unrelated("automations.Journey", "the shop's journeys (triggers, waits, actions)")
