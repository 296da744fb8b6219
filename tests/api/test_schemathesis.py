"""The whole API fuzzed from its OpenAPI description (schemathesis), as two shops' keys in turn:
no server error, no status code the description leaves out, no answer unlike its schema.

Bounded for CI: ``SAMPHAN_FUZZ_EXAMPLES`` examples per operation and phase (default 15).
The CLI does the same against a running server, for a longer run:
``schemathesis run http://…/api/v1/openapi.json --checks all -H "X-API-Key: sk_…"``.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from samphan.api.api import api
from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import ApiKey
from samphan.core.services import api_key_create
from samphan.customers import interaction_services
from samphan.segments import services as segment_services
from tests.factories import (
    BranchFactory,
    ContactPointFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
)

EXAMPLES = int(os.environ.get("SAMPHAN_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


def _shop(actor: Actor) -> str:
    """A shop with a little of everything the API reads, and a read-write key to it."""
    ws = actor.workspace
    BranchFactory(workspace=ws)
    customers = [CustomerFactory(workspace=ws) for _ in range(3)]
    ContactPointFactory(customer=customers[0])
    for customer in customers[:2]:
        OrderFactory(workspace=ws, customer=customer)
    interaction_services.interaction_log(
        actor=actor, customer_id=customers[0].pk, kind="call", summary="ถามราคา"
    )
    segment = segment_services.segment_create(
        actor=actor, name="ทุกคน", description="", rules={"op": "and", "items": []}
    )
    segment_services.segment_freeze(actor=actor, segment_id=segment.pk)
    return api_key_create(actor=actor, name="fuzz", scope=ApiKey.Scope.READ_WRITE).secret


@pytest.fixture
def keys(owner: Actor) -> Iterator[itertools.cycle[str]]:
    other = actor_for_membership(MembershipFactory())
    secrets = [_shop(owner), _shop(other)]
    # Requests go straight to the WSGI application inside the test's transaction: keep Django
    # from closing the connection at the end of each one (as its test client does).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield itertools.cycle(secrets)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# The description as /api/v1/openapi.json serves it, built without a request (collection has no
# database); the requests go to the WSGI application.
schema = schemathesis.openapi.from_dict(dict(api.get_openapi_schema(path_prefix="/api/v1/")))
schema.app = get_wsgi_application()


class _SafetyNet(logging.Handler):
    """Counts the answers that reached the API's database-error safety net (api/api.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.hits.append(record.getMessage())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.filterwarnings("ignore")
def test_api_never_fails_on_any_input(case: Any, keys: itertools.cycle[str]) -> None:
    net = _SafetyNet()
    logger = logging.getLogger("samphan.api.safety_net")
    logger.addHandler(net)
    try:
        case.call_and_validate(headers={"X-API-Key": next(keys)}, checks=CHECKS)
    finally:
        logger.removeHandler(net)
    # A 422 from the safety net is a gap in the schemas' bounds, not an answer to rely on.
    assert not net.hits, net.hits
