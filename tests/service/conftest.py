"""Fixtures for the service-desk tests: a 24/7 calendar (plain elapsed time, so due times are
easy to state) and a policy of 60 minutes to the first answer and 240 to resolution."""

from __future__ import annotations

import pytest

from samphan.core.access import Actor
from samphan.service.sla.models import BusinessCalendar, SlaPolicy


@pytest.fixture
def always_open(owner: Actor) -> BusinessCalendar:
    return BusinessCalendar.objects.create(
        workspace=owner.workspace, name="24/7", is_default=True, always_open=True
    )


@pytest.fixture
def policy(owner: Actor, always_open: BusinessCalendar) -> SlaPolicy:
    return SlaPolicy.objects.create(
        workspace=owner.workspace, first_response_minutes=60, resolution_minutes=240
    )
