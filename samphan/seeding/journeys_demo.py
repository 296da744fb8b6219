"""The demo shop's automations: a few ready-made journeys, on, written through the automations
app's service (after the data is seeded, so the seeded history starts none of them). Skipped
when the shop already has journeys."""

from __future__ import annotations

from samphan.automations.models import Journey
from samphan.automations.services import journey_create
from samphan.core.access import actor_for_membership
from samphan.core.models import Membership, Workspace
from samphan.core.roles import Role

RECIPES = ("welcome", "thank_you", "birthday", "win_back", "points_expiry", "low_score")


def journeys_seed(*, workspace: Workspace) -> int:
    """Make the demo's journeys from recipes; answers how many were made."""
    if Journey.objects.filter(workspace=workspace).exists():
        return 0
    owner = Membership.objects.filter(workspace=workspace, role=Role.OWNER).first()
    if owner is None:
        return 0
    actor = actor_for_membership(owner)
    for recipe in RECIPES:
        journey_create(actor=actor, recipe=recipe)
    return len(RECIPES)
