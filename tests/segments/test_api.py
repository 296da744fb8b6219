"""The segments API: CRUD, live count, members, snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.utils import timezone

from samphan.core.access import Actor
from samphan.customers.models import Customer
from samphan.segments.api import RULES_EXAMPLE
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

BANGKOK: dict[str, Any] = {
    "op": "and",
    "items": [{"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"}],
}


@pytest.fixture
def people(owner: Actor) -> list[int]:
    def person(province: str) -> int:
        return Customer.objects.create(
            workspace=owner.workspace, province=province, created_at=timezone.now()
        ).pk

    inside = [person("กรุงเทพมหานคร") for _ in range(5)]
    person("ขอนแก่น")
    return inside


def test_crud(api_rw: ApiClient, people: list[int]) -> None:
    created = api_rw.post(
        "/api/v1/segments", {"name": "กรุงเทพฯ", "description": "ทดสอบ", "rules": BANGKOK}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    segment_id = body["id"]
    assert body["rules"] == BANGKOK and body["latest_size"] is None
    assert body["summary"]

    listed = api_rw.get("/api/v1/segments").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == segment_id

    rules = {"op": "or", "items": [{"field": "orders_count", "operator": "gte", "value": "1"}]}
    updated = api_rw.request(
        "PUT", f"/api/v1/segments/{segment_id}", {"name": "ซื้อแล้ว", "rules": rules}
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["rules"]["items"][0]["value"] == 1
    assert api_rw.get(f"/api/v1/segments/{segment_id}").json()["name"] == "ซื้อแล้ว"

    assert api_rw.request("DELETE", f"/api/v1/segments/{segment_id}").status_code == 204
    assert api_rw.get(f"/api/v1/segments/{segment_id}").status_code == 404


def test_count_and_bad_rules(api_rw: ApiClient, people: list[int]) -> None:
    response = api_rw.post("/api/v1/segments/count", {"rules": BANGKOK})
    assert response.status_code == 200
    assert response.json()["count"] == 5
    # The documented example is a valid tree.
    assert api_rw.post("/api/v1/segments/count", {"rules": RULES_EXAMPLE}).status_code == 200

    bad = api_rw.post(
        "/api/v1/segments/count",
        {"rules": {"op": "and", "items": [BANGKOK["items"][0], {"field": "orders_count"}]}},
    )
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid_rules"
    assert error["details"]["path"] == "items[1].operator"
    assert error["details"]["field"] == "rules"


def test_members_and_snapshots(api_rw: ApiClient, people: list[int]) -> None:
    segment_id = api_rw.post("/api/v1/segments", {"name": "กทม", "rules": BANGKOK}).json()["id"]
    page = api_rw.get(f"/api/v1/segments/{segment_id}/members?limit=2").json()
    assert [c["id"] for c in page["items"]] == sorted(people)[:2]
    rest = api_rw.get(f"/api/v1/segments/{segment_id}/members?after={page['next_after']}").json()
    assert [c["id"] for c in rest["items"]] == sorted(people)[2:]
    assert rest["next_after"] is None

    snapshot = api_rw.post(f"/api/v1/segments/{segment_id}/snapshots")
    assert snapshot.status_code == 201, snapshot.content
    snap = snapshot.json()
    assert snap["size"] == 5 and snap["reason"] == "manual" and snap["has_members"]
    listed = api_rw.get(f"/api/v1/segments/{segment_id}/snapshots").json()
    assert [s["id"] for s in listed["items"]] == [snap["id"]]
    frozen = api_rw.get(f"/api/v1/segments/{segment_id}/snapshots/{snap['id']}/members").json()
    assert sorted(c["id"] for c in frozen["items"]) == sorted(people)
    assert api_rw.get(f"/api/v1/segments/{segment_id}").json()["latest_size"] == 5


def test_fields_catalogue(api_ro: ApiClient) -> None:
    fields = {f["key"]: f for f in api_ro.get("/api/v1/segments/fields").json()}
    assert fields["province"]["type"] == "choice"
    assert {"value": "กรุงเทพมหานคร", "label": "กรุงเทพมหานคร"} in fields["province"]["choices"]
    assert [o["key"] for o in fields["orders_count"]["operators"]][:2] == ["gte", "lte"]
    assert fields["bought_category"]["period"] is True
    assert fields["p_alive"]["choices"] is None


def test_read_only_key_can_read_but_not_write(api_ro: ApiClient) -> None:
    assert api_ro.get("/api/v1/segments").status_code == 200
    response = api_ro.post("/api/v1/segments", {"name": "x", "rules": BANGKOK})
    assert response.status_code == 403


def test_count_spend_in_a_period(api_rw: ApiClient, owner: Actor) -> None:
    """The API counts "spent more than ฿1,000 in the last 90 days" and "since a date", and
    lists the fields that take a period."""
    from tests.factories import CustomerFactory, OrderFactory

    now = timezone.now()
    recent = CustomerFactory(workspace=owner.workspace)
    OrderFactory(
        workspace=owner.workspace, customer=recent, total_satang=150_000,
        placed_at=now - dt.timedelta(days=10),
    )  # fmt: skip
    old = CustomerFactory(workspace=owner.workspace)
    OrderFactory(
        workspace=owner.workspace, customer=old, total_satang=500_000,
        placed_at=now - dt.timedelta(days=200),
    )  # fmt: skip

    def count(period: dict[str, Any] | None) -> dict[str, Any]:
        condition: dict[str, Any] = {"field": "total_spent", "operator": "gt", "value": 1000}
        if period is not None:
            condition["period"] = period
        response = api_rw.post(
            "/api/v1/segments/count", {"rules": {"op": "and", "items": [condition]}}
        )
        assert response.status_code == 200, response.content
        return cast(dict[str, Any], response.json())

    assert count(None)["count"] == 2
    assert count({"within_days": 90})["count"] == 1
    since = (now - dt.timedelta(days=300)).date().isoformat()
    assert count({"from": since})["count"] == 2
    window = {
        "from": (now - dt.timedelta(days=250)).date().isoformat(),
        "to": (now - dt.timedelta(days=100)).date().isoformat(),
    }
    assert count(window)["count"] == 1
    bad = api_rw.post(
        "/api/v1/segments/count",
        {
            "rules": {
                "op": "and",
                "items": [
                    {
                        "field": "total_spent",
                        "operator": "gt",
                        "value": 1000,
                        "period": {"within_days": 0},
                    }
                ],
            }
        },
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["path"] == "items[0].period.within_days"

    fields = {f["key"]: f for f in api_rw.get("/api/v1/segments/fields").json()}
    assert fields["total_spent"]["period"] is True and fields["orders_count"]["period"] is True
