"""API: profile, contacts, consents, timeline, interactions and tasks of a customer."""

from __future__ import annotations

from typing import Any

import pytest

from samphan.core.access import Actor
from samphan.customers.models import ContactPoint, Customer, FollowUp
from tests.factories import ContactPointFactory, CustomerFactory, MembershipFactory


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return ContactPointFactory(customer__workspace=owner.workspace, value="+66813596920").customer


def _patch(api: Any, path: str, body: dict[str, Any]) -> Any:
    return api.request("PATCH", path, body)


def test_patch_changes_only_the_fields_sent(api_rw: Any, customer: Customer) -> None:
    response = _patch(
        api_rw,
        f"/api/v1/customers/{customer.pk}",
        {
            "nickname": "มะลิ",
            "behaviour_type": "hesitant",
            "tags": ["VIP"],
            "birthday": "1990-04-13",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["nickname"] == "มะลิ" and body["tags"] == ["VIP"]
    assert body["first_name"] == customer.first_name  # untouched
    assert body["behaviour_tip"].startswith("ช่วยให้ลูกค้ามั่นใจ")
    assert body["birthday"] == "1990-04-13"
    bad = _patch(api_rw, f"/api/v1/customers/{customer.pk}", {"lifecycle_stage": "vip"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "lifecycle_stage"


def test_patch_example_in_the_openapi_schema_is_valid(api_rw: Any, customer: Customer) -> None:
    schema = api_rw.get("/api/v1/openapi.json").json()
    example = schema["components"]["schemas"]["CustomerPatchIn"]["example"]
    assert _patch(api_rw, f"/api/v1/customers/{customer.pk}", example).status_code == 200


def test_read_only_key_cannot_patch(api_ro: Any, customer: Customer) -> None:
    response = _patch(api_ro, f"/api/v1/customers/{customer.pk}", {"nickname": "x"})
    assert response.status_code == 403


def test_contacts_list_add_remove(api_rw: Any, owner: Actor, customer: Customer) -> None:
    path = f"/api/v1/customers/{customer.pk}/contacts"
    added = api_rw.post(path, {"kind": "phone", "value": "089-123-4567"})
    assert added.status_code == 201 and added.json()["value"] == "+66891234567"
    again = api_rw.post(path, {"kind": "phone", "value": "0891234567"})
    assert again.status_code == 200 and again.json()["id"] == added.json()["id"]
    listed = api_rw.get(path).json()
    assert {c["value"] for c in listed} == {"+66813596920", "+66891234567"}
    other = CustomerFactory(workspace=owner.workspace)
    taken = api_rw.post(
        f"/api/v1/customers/{other.pk}/contacts", {"kind": "phone", "value": "0891234567"}
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "contact_taken"
    assert taken.json()["error"]["details"]["customer_id"] == customer.pk
    removed = api_rw.request("DELETE", f"{path}/{added.json()['id']}")
    assert removed.status_code == 204
    assert not ContactPoint.objects.filter(value="+66891234567").exists()
    missing = api_rw.request("DELETE", f"{path}/{added.json()['id']}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "contact_not_found"


def test_consents_current_state_and_ledger(api_rw: Any, customer: Customer) -> None:
    path = f"/api/v1/customers/{customer.pk}/consents"
    given = api_rw.post(path, {"purpose": "marketing_line", "granted": True, "source": "line"})
    assert given.status_code == 201 and given.json()["source"] == "line"
    withdrawn = api_rw.post(path, {"purpose": "marketing_line", "granted": False})
    assert withdrawn.status_code == 201 and withdrawn.json()["source"] == "api"
    body = api_rw.get(path).json()
    current = {c["purpose"]: c["granted"] for c in body["current"]}
    assert current["marketing_line"] is False and current["marketing_sms"] is None
    assert [h["granted"] for h in body["history"]] == [False, True]
    assert api_rw.post(path, {"purpose": "spam", "granted": True}).status_code == 422


def test_timeline_filters_and_pages_with_a_cursor(api_rw: Any, customer: Customer) -> None:
    for i in range(3):
        api_rw.post(
            f"/api/v1/customers/{customer.pk}/interactions", {"kind": "chat", "summary": f"แชท {i}"}
        )
    api_rw.post(
        f"/api/v1/customers/{customer.pk}/consents", {"purpose": "profiling", "granted": True}
    )
    path = f"/api/v1/customers/{customer.pk}/timeline"
    first = api_rw.get(path, data={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api_rw.get(path, data={"limit": 2, "before": first["next_cursor"]}).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"]
    last = api_rw.get(path, data={"limit": 2, "before": rest["next_cursor"]}).json()
    assert [i["type"] for i in last["items"]] == ["customer.created"]
    assert last["next_cursor"] == ""
    assert first["items"][0]["actor"].startswith("api-key:")
    chats = api_rw.get(path, data={"type": "interaction.logged"}).json()
    assert [i["payload"]["summary"] for i in chats["items"]] == ["แชท 2", "แชท 1", "แชท 0"]
    both = api_rw.get(f"{path}?type=interaction.logged&type=consent.changed").json()
    assert len(both["items"]) == 4
    bad = api_rw.get(path, data={"before": "garbage"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"


def test_interactions_with_follow_up_and_tasks(
    api_rw: Any, owner: Actor, owner_membership: Any, customer: Customer
) -> None:
    path = f"/api/v1/customers/{customer.pk}/interactions"
    created = api_rw.post(
        path,
        {
            "kind": "meeting",
            "summary": "คุยเรื่องสัญญารายปี",
            "pain_points": "ราคาสูง",
            "follow_up": {
                "title": "ส่งสัญญาฉบับร่าง",
                "due_at": "2020-01-01T10:00:00+07:00",
                "assignee_id": owner_membership.user_id,
            },
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["staff_id"] is None  # an API key is not a person
    assert body["follow_up"]["assignee_id"] == owner_membership.user_id
    assert [i["summary"] for i in api_rw.get(path).json()] == ["คุยเรื่องสัญญารายปี"]

    overdue = api_rw.get("/api/v1/tasks", data={"overdue": "true"}).json()
    assert [t["title"] for t in overdue] == ["ส่งสัญญาฉบับร่าง"]
    mine = api_rw.get("/api/v1/tasks", data={"mine": "true"})
    assert mine.status_code == 422 and mine.json()["error"]["code"] == "mine_needs_user"
    by_assignee = api_rw.get("/api/v1/tasks", data={"assignee_id": owner_membership.user_id})
    assert len(by_assignee.json()) == 1

    task = api_rw.post(
        f"/api/v1/customers/{customer.pk}/tasks",
        {"title": "โทรหา", "due_at": "2030-01-15T10:00:00+07:00"},
    )
    assert task.status_code == 201 and task.json()["assignee_id"] is None
    done = api_rw.post(f"/api/v1/tasks/{task.json()['id']}/complete", {"note": "คุยแล้ว"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    twice = api_rw.post(f"/api/v1/tasks/{task.json()['id']}/complete")
    assert twice.status_code == 409
    outsider = MembershipFactory()
    bad = api_rw.post(
        f"/api/v1/customers/{customer.pk}/tasks",
        {"title": "x", "due_at": "2030-01-15T10:00:00+07:00", "assignee_id": outsider.user_id},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "assignee_not_member"
    assert FollowUp.objects.count() == 2


def test_another_workspace_customer_is_404(api_rw: Any) -> None:
    stranger = CustomerFactory()
    response = api_rw.post(
        f"/api/v1/customers/{stranger.pk}/consents", {"purpose": "profiling", "granted": True}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"
