"""The campaign API: shapes, errors a client can act on, and another workspace's objects."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import Actor, actor_for_membership
from samphan.messaging.models import Campaign, Delivery, LineChannel
from samphan.segments.models import Segment
from tests.conftest import ApiClient
from tests.factories import MembershipFactory
from tests.messaging.campaign_helpers import member, no_quiet_hours
from tests.messaging.conftest import LineStub

pytestmark = pytest.mark.django_db


def _body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "ลดวันแม่",
        "audience": {"customer_ids": []},
        "channel": "line",
        "template": {"text": "สวัสดีคุณ{{ name }} มีแต้ม {{ points }} แต้ม"},
        "control_percent": 0,
    }
    body.update(kw)
    return body


def test_create_send_and_read_with_counts(
    owner: Actor,
    api_rw: ApiClient,
    channel: LineChannel,
    line_stub: LineStub,
    django_capture_on_commit_callbacks: Any,
) -> None:
    no_quiet_hours(owner)
    yes, no = member(owner), member(owner, consent=())
    created = api_rw.post("/api/v1/campaigns", _body(audience={"customer_ids": [yes.pk, no.pk]}))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["channel"] == "line"
    assert data["audience_customers"] == 2 and data["counts"]["queued"] == 0
    campaign_id = data["id"]

    preview = api_rw.post(f"/api/v1/campaigns/{campaign_id}/preview", {"customer_id": yes.pk})
    assert preview.status_code == 200
    assert preview.json()["text"] == f"สวัสดีคุณ{yes.first_name} มีแต้ม 0 แต้ม"

    with django_capture_on_commit_callbacks(execute=True):
        sent = api_rw.post(f"/api/v1/campaigns/{campaign_id}/send", {})
    assert sent.status_code == 202, sent.content
    detail = api_rw.get(f"/api/v1/campaigns/{campaign_id}").json()
    assert detail["status"] == "done"
    assert detail["counts"]["sent"] == 1 and detail["counts"]["skipped_consent"] == 1
    assert set(detail["counts"]) >= {"queued", "sent", "delivered", "failed", "control"}
    assert detail["results"]["treated"]["customers"] == 1
    assert detail["results"]["uplift"] is None  # no control group
    again = api_rw.post(f"/api/v1/campaigns/{campaign_id}/send", {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "campaign_not_draft"
    listed = api_rw.get("/api/v1/campaigns").json()
    assert [c["id"] for c in listed["items"]] == [campaign_id]


def test_an_unknown_field_is_a_422_naming_it(owner: Actor, api_rw: ApiClient) -> None:
    customer = member(owner)
    response = api_rw.post(
        "/api/v1/campaigns",
        _body(audience={"customer_ids": [customer.pk]}, template={"text": "สวัสดี {{ nmae }}"}),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "template_unknown_field" and error["details"]["name"] == "nmae"
    assert error["details"]["field"] == "template.text"
    assert not Campaign.objects.exists()


def test_another_workspaces_customers_and_segments_are_never_reached(
    owner: Actor, api_rw: ApiClient
) -> None:
    other = actor_for_membership(MembershipFactory())
    stranger = member(other)
    mine = member(owner)
    response = api_rw.post(
        "/api/v1/campaigns", _body(audience={"customer_ids": [mine.pk, stranger.pk]})
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["ids"] == [stranger.pk]
    segment = Segment.objects.create(
        workspace=other.workspace, name="x", rules={"op": "and", "items": []}
    )
    response = api_rw.post("/api/v1/campaigns", _body(audience={"segment_id": segment.pk}))
    assert response.status_code == 404
    assert not Campaign.objects.exists() and not Delivery.objects.exists()


def test_audience_and_limits_are_checked(owner: Actor, api_rw: ApiClient) -> None:
    customer = member(owner)
    both = api_rw.post("/api/v1/campaigns", _body(audience={}))
    assert both.status_code == 422 and both.json()["error"]["code"] == "audience_required"
    channel = api_rw.post(
        "/api/v1/campaigns", _body(audience={"customer_ids": [customer.pk]}, channel="fax")
    )
    assert channel.status_code == 422
    coupon = api_rw.post(
        "/api/v1/campaigns",
        _body(audience={"customer_ids": [customer.pk]}, template={"text": "{{ coupon_code }}"}),
    )
    assert coupon.json()["error"]["code"] == "coupon_campaign_required"
    huge = api_rw.post("/api/v1/campaigns", _body(audience={"customer_ids": [1] * 100_001}))
    assert huge.status_code == 422


def test_a_read_only_key_cannot_create(owner: Actor, api_ro: ApiClient, api_rw: ApiClient) -> None:
    customer = member(owner)
    assert (
        api_ro.post(
            "/api/v1/campaigns", _body(audience={"customer_ids": [customer.pk]})
        ).status_code
        == 403
    )
