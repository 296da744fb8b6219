"""Reads of automations, scoped to the actor's workspace."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from samphan.automations.models import Journey, JourneyRun, RunStatus
from samphan.automations.services import journey_of
from samphan.core.access import Actor, require
from samphan.core.roles import Perm

RUNS_SHOWN = 200


def journey_list(*, actor: Actor) -> QuerySet[Journey]:
    require(actor, Perm.CAMPAIGN_MANAGE)
    return (
        Journey.objects.filter(workspace=actor.workspace)
        .select_related("category", "after")
        .annotate(
            waiting=Count("runs", filter=Q(runs__status=RunStatus.WAITING)),
            done=Count("runs", filter=Q(runs__status=RunStatus.DONE)),
        )
    )


def journey_get(*, actor: Actor, journey_id: int) -> Journey:
    require(actor, Perm.CAMPAIGN_MANAGE)
    return journey_of(actor, journey_id)


def run_list(*, actor: Actor, journey_id: int) -> QuerySet[JourneyRun]:
    journey = journey_get(actor=actor, journey_id=journey_id)
    return (
        JourneyRun.objects.filter(journey=journey)
        .select_related("customer")
        .prefetch_related("log")
    )
