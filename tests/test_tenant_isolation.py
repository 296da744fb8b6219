"""A member (or API key) of workspace B gets 404 for workspace A's objects, on every route.

Routes are discovered, not listed: every page URL with an ``<int:…>`` argument and every API
path with a ``{…}`` parameter is tried. A new route whose argument has no entry in
``OBJECT_MAKERS`` fails ``test_every_id_argument_has_an_object_maker`` until one is added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from samphan.api.api import api
from samphan.core.models import ApiKey, Membership, Workspace
from samphan.core.services import api_key_create
from samphan.imports.models import ImportJob
from tests.factories import (
    BranchFactory,
    ContactPointFactory,
    MembershipFactory,
    OrderFactory,
    SalesChannelFactory,
)

# URL argument name → a function that makes such an object in workspace A and returns its id.
OBJECT_MAKERS: dict[str, Callable[[Workspace, Membership], int]] = {
    "import_id": lambda ws, m: (
        ImportJob.objects.create(
            workspace=ws,
            kind="customers",
            original_name="x.csv",
            sha256="0" * 64,
            file="imports/x.csv",
        ).pk
    ),
    "branch_id": lambda ws, m: BranchFactory(workspace=ws).pk,
    "sentiment_label_id": lambda ws, m: (
        __import__("samphan.text.models", fromlist=["SentimentLabel"])
        .SentimentLabel.objects.create(
            workspace=ws, text="อร่อย", text_key="0" * 64, label="positive"
        )
        .pk
    ),
    "channel_id": lambda ws, m: SalesChannelFactory(workspace=ws).pk,
    "customer_id": lambda ws, m: ContactPointFactory(customer__workspace=ws).customer_id,
    "order_id": lambda ws, m: OrderFactory(workspace=ws).pk,
    # Loyalty's reward catalogue (PATCH /loyalty/rewards/{…}, claim, the reward pages).
    "reward_id": lambda ws, m: (
        __import__("samphan.loyalty.models", fromlist=["Reward"])
        .Reward.objects.create(workspace=ws, name="ชาไทยเย็นฟรี", points_cost=1)
        .pk
    ),
    "membership_id": lambda ws, m: MembershipFactory(workspace=ws, role="staff").pk,
    "key_id": lambda ws, m: (
        api_key_create(actor=_owner_actor(m), name="k", scope=ApiKey.Scope.READ).key.pk
    ),
    "contact_id": lambda ws, m: ContactPointFactory(customer__workspace=ws).pk,
    "address_id": lambda ws, m: (
        ContactPointFactory(customer__workspace=ws)
        .customer.addresses.create(workspace=ws, province="กรุงเทพมหานคร")
        .pk
    ),
    "followup_id": lambda ws, m: (
        ContactPointFactory(customer__workspace=ws)
        .customer.follow_ups.create(workspace=ws, title="โทรกลับ", due_at=ws.created_at)
        .pk
    ),
    "survivor_id": lambda ws, m: ContactPointFactory(customer__workspace=ws).customer_id,
    "merged_id": lambda ws, m: ContactPointFactory(customer__workspace=ws).customer_id,
    "other_id": lambda ws, m: ContactPointFactory(customer__workspace=ws).customer_id,
    "merge_id": lambda ws, m: (
        __import__("samphan.customers.merge", fromlist=["customer_merge"])
        .customer_merge(
            actor=_owner_actor(m),
            survivor_id=ContactPointFactory(customer__workspace=ws).customer_id,
            merged_id=ContactPointFactory(customer__workspace=ws).customer_id,
        )
        .pk
    ),
    "segment_id": lambda ws, m: (
        __import__("samphan.segments.models", fromlist=["Segment"])
        .Segment.objects.create(workspace=ws, name="กลุ่มทดสอบ", rules={"op": "and", "items": []})
        .pk
    ),
    "snapshot_id": lambda ws, m: (
        __import__("samphan.segments.services", fromlist=["segment_snapshot"])
        .segment_snapshot(
            segment=__import__(
                "samphan.segments.models", fromlist=["Segment"]
            ).Segment.objects.create(workspace=ws, name="กลุ่มภาพ", rules={"op": "and", "items": []})
        )
        .pk
    ),
    "request_id": lambda ws, m: (
        __import__("samphan.privacy.models", fromlist=["DataSubjectRequest"])
        .DataSubjectRequest.objects.create(
            workspace=ws,
            kind="access",
            received_on=ws.created_at.date(),
            due_on=ws.created_at.date(),
            requester_name="คุณเอ",
        )
        .pk
    ),
    "breach_id": lambda ws, m: (
        __import__("samphan.privacy.models", fromlist=["Breach"])
        .Breach.objects.create(
            workspace=ws, title="ไฟล์หลุด", found_at=ws.created_at, regulator_due_at=ws.created_at
        )
        .pk
    ),
    "calendar_id": lambda ws, m: (
        __import__("samphan.service.sla.services", fromlist=["calendar_ensure_default"])
        .calendar_ensure_default(workspace=ws)
        .pk
    ),
    "policy_id": lambda ws, m: (
        __import__("samphan.service.sla.models", fromlist=["SlaPolicy"])
        .SlaPolicy.objects.create(workspace=ws, first_response_minutes=60, resolution_minutes=480)
        .pk
    ),
    # Service desk (samphan.service): a ticket and a canned reply.
    "ticket_id": lambda ws, m: (
        __import__("samphan.service.models", fromlist=["Ticket"])
        .Ticket.objects.create(
            workspace=ws,
            number=__import__("samphan.service.models", fromlist=["Ticket"])
            .Ticket.objects.filter(workspace=ws)
            .count()
            + 1,
            subject="ของชำรุด",
            opened_at=ws.created_at,
        )
        .pk
    ),
    "attachment_id": lambda ws, m: (
        __import__("samphan.service.models", fromlist=["TicketAttachment"])
        .TicketAttachment.objects.create(
            workspace=ws,
            ticket=__import__("samphan.service.models", fromlist=["Ticket"]).Ticket.objects.create(
                workspace=ws, number=9999, subject="ไฟล์", opened_at=ws.created_at
            ),
            file="tickets/x.txt",
            name="x.txt",
            content_type="text/plain",
            size=1,
        )
        .pk
    ),
    "canned_id": lambda ws, m: (
        __import__("samphan.service.models", fromlist=["CannedReply"])
        .CannedReply.objects.create(workspace=ws, title="ทักทาย", body="สวัสดีค่ะ {{ name }}")
        .pk
    ),
    # Automated journeys (/journeys/{journey_id}, /journeys/{journey_id}/runs).
    "journey_id": lambda ws, m: (
        __import__("samphan.automations.models", fromlist=["Journey"])
        .Journey.objects.create(workspace=ws, name="ต้อนรับ", trigger="low_score", tag="ดูแล")
        .pk
    ),
    # Service-desk ticket categories and teams (PATCH /ticket-categories/{…}, /ticket-teams/{…}).
    "category_id": lambda ws, m: (
        __import__("samphan.service.models", fromlist=["TicketCategory"])
        .TicketCategory.objects.create(workspace=ws, name="ของชำรุด")
        .pk
    ),
    "team_id": lambda ws, m: (
        __import__("samphan.service.models", fromlist=["Team"])
        .Team.objects.create(workspace=ws, name="หน้าร้าน")
        .pk
    ),
    "campaign_id": lambda ws, m: (
        __import__("samphan.messaging.models", fromlist=["Campaign"])
        .Campaign.objects.create(
            workspace=ws,
            name="วันแม่",
            channel="line",
            text="สวัสดีคุณ{{ name }}",
            customer_ids=[ContactPointFactory(customer__workspace=ws).customer_id],
        )
        .pk
    ),
    # Surveys and feedback (samphan.feedback).
    "survey_id": lambda ws, m: (
        __import__("samphan.feedback.models", fromlist=["Survey"])
        .Survey.objects.create(workspace=ws, title="หลังซื้อ", public_nonce="n" * 32)
        .pk
    ),
    "interview_id": lambda ws, m: (
        __import__("samphan.feedback.models", fromlist=["Interview"])
        .Interview.objects.create(
            workspace=ws,
            customer=ContactPointFactory(customer__workspace=ws).customer,
            held_on=ws.created_at.date(),
            summary="ชอบชาเย็น",
        )
        .pk
    ),
    "invitation_id": lambda ws, m: (
        __import__("samphan.feedback.models", fromlist=["SurveyInvitation"])
        .SurveyInvitation.objects.create(
            workspace=ws,
            survey=__import__("samphan.feedback.models", fromlist=["Survey"]).Survey.objects.create(
                workspace=ws, title="หลังซื้อ", public_nonce="n" * 32
            ),
            customer=ContactPointFactory(customer__workspace=ws).customer,
            nonce=__import__("secrets").token_hex(16),
            expires_at=ws.created_at,
        )
        .pk
    ),
}
# Where two apps use one argument name for different objects, the route decides: (a fragment of
# the route, the argument name) → its maker, before OBJECT_MAKERS.
ROUTE_MAKERS: dict[tuple[str, str], Callable[[Workspace, Membership], int]] = {
    ("loyalty/coupons", "campaign_id"): lambda ws, m: (
        __import__("tests.coupons.factories", fromlist=["campaign"])
        .campaign(_owner_actor(m), code="ISO" + str(ws.pk))
        .pk
    ),
}
SKIPPED_PREFIXES = ("admin/", "accounts/", "api/v1/")


def _make(route: str, name: str, ws: Workspace, m: Membership) -> int:
    for (fragment, arg), maker in ROUTE_MAKERS.items():
        if arg == name and fragment in route:
            return maker(ws, m)
    return OBJECT_MAKERS[name](ws, m)


def _owner_actor(membership: Membership) -> Any:
    from samphan.core.access import actor_for_membership

    return actor_for_membership(membership)


def _page_routes() -> list[tuple[str, list[str]]]:
    """(route template, int argument names) for every page URL that takes an id."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                converters = getattr(p.pattern, "converters", {})
                ints = [name for name, conv in converters.items() if "Int" in type(conv).__name__]
                if ints:
                    found.append((route, ints))

    walk(get_resolver().url_patterns, "")
    return found


def _api_routes() -> list[tuple[str, str, list[str], dict[str, Any] | None]]:
    """(method, path, path parameters, request-body schema) for every API operation with an id."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    found = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            if params:
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
                found.append((method.upper(), path, params, body.get("schema")))
    return found


def _fill(route: str, values: dict[str, int]) -> str:
    import re

    return re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), route)


def test_routes_were_discovered() -> None:
    assert _page_routes(), "no page route with an id found: is the discovery broken?"
    assert _api_routes(), "no API route with an id found: is the discovery broken?"


def test_every_id_argument_has_an_object_maker() -> None:
    names = {n for _, ns in _page_routes() for n in ns} | {
        n for *_, ns, _ in _api_routes() for n in ns
    }
    assert names - OBJECT_MAKERS.keys() == set(), "add makers to OBJECT_MAKERS"


@pytest.fixture
def two_workspaces(db: None) -> tuple[Membership, Membership]:
    return MembershipFactory(), MembershipFactory()


@pytest.mark.parametrize("route,args", _page_routes(), ids=lambda v: str(v))
@pytest.mark.parametrize("method", ["get", "post"])
def test_page_of_other_workspace_is_404(
    two_workspaces: tuple[Membership, Membership], route: str, args: list[str], method: str
) -> None:
    a, b = two_workspaces
    values = {name: _make(route, name, a.workspace, a) for name in args}
    client = Client()
    client.force_login(b.user)
    response = getattr(client, method)("/" + _fill(route, values))
    assert response.status_code == 404, f"{method.upper()} /{_fill(route, values)}"


def _sample(schema: dict[str, Any] | None, components: dict[str, Any]) -> dict[str, Any]:
    """A minimal valid body for a schema, so the request reaches the view."""
    if not schema:
        return {}
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if "example" in schema:
        return dict(schema["example"])
    defaults = {"string": "ทดสอบ", "integer": 1, "number": 1, "boolean": False, "array": []}
    return {
        name: defaults.get(prop.get("type", "string"), "x")
        for name, prop in schema.get("properties", {}).items()
        if name in schema.get("required", [])
    }


@pytest.mark.parametrize(
    "method,path,params,body", _api_routes(), ids=lambda v: str(v) if isinstance(v, str) else ""
)
def test_api_object_of_other_workspace_is_404(
    two_workspaces: tuple[Membership, Membership],
    method: str,
    path: str,
    params: list[str],
    body: dict[str, Any] | None,
) -> None:
    a, b = two_workspaces
    values = {name: _make(path, name, a.workspace, a) for name in params}
    secret = api_key_create(actor=_owner_actor(b), name="b", scope=ApiKey.Scope.READ_WRITE).secret
    components = api.get_openapi_schema()["components"].get("schemas", {})
    url = path.format(**values)
    response = Client().generic(
        method,
        url,
        data=__import__("json").dumps(_sample(body, components)),
        content_type="application/json",
        headers={"X-API-Key": secret},
    )
    assert response.status_code == 404, f"{method} {url}: {response.content!r}"
    assert response.json()["error"]["code"].endswith("not_found")
