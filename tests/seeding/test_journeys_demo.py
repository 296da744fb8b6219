"""The demo shop's journeys: made from recipes through the automations service, once."""

from __future__ import annotations

from samphan.automations.models import Journey
from samphan.core.access import Actor
from samphan.seeding.journeys_demo import RECIPES, journeys_seed


def test_demo_journeys_are_made_once(owner: Actor) -> None:
    assert journeys_seed(workspace=owner.workspace) == len(RECIPES)
    journeys = Journey.objects.filter(workspace=owner.workspace)
    assert sorted(journeys.values_list("recipe", flat=True)) == sorted(RECIPES)
    assert all(j.is_active for j in journeys)
    assert journeys_seed(workspace=owner.workspace) == 0
    assert journeys.count() == len(RECIPES)
