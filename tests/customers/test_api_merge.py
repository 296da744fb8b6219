"""API: /duplicates, /customers/{id}/merge, /merges and /merges/{id}/undo."""

from __future__ import annotations

import datetime as dt

from samphan.api.api import api
from samphan.core.access import Actor, actor_for_membership
from samphan.customers.models import Customer, MergeLog
from tests.conftest import ApiClient
from tests.factories import ContactPointFactory, CustomerFactory, MembershipFactory, OrderFactory


def _twins(actor: Actor) -> tuple[Customer, Customer]:
    a = CustomerFactory(workspace=actor.workspace, first_name="สมหญิง", last_name="ใจดี")
    b = CustomerFactory(
        workspace=actor.workspace,
        title="นางสาว",
        first_name="สมหญิง",
        last_name="ใจดี",
        birthday=dt.date(1990, 4, 13),
    )
    ContactPointFactory(customer=a, kind="phone", value="+66813596920")
    ContactPointFactory(customer=b, kind="phone", value="+66861116920")
    OrderFactory(workspace=actor.workspace, customer=a)
    Customer.objects.filter(pk=a.pk).update(orders_count=1, total_spent_satang=13000)
    return a, b


def test_duplicates_merge_log_and_undo(api_rw: ApiClient, owner: Actor) -> None:
    a, b = _twins(owner)
    found = api_rw.get("/api/v1/duplicates")
    assert found.status_code == 200, found.content
    [pair] = found.json()
    assert pair["survivor"]["id"] == a.pk and pair["merged"]["id"] == b.pk  # a has the order
    codes = {r["code"] for r in pair["reasons"]}
    assert {"same_name", "phone_suffix"} <= codes
    assert pair["score"] >= 80 and all(r["text"] for r in pair["reasons"])

    merged = api_rw.post(
        f"/api/v1/customers/{a.pk}/merge",
        {"merged_id": b.pk, "field_choices": {"birthday": "merged"}},
    )
    assert merged.status_code == 201, merged.content
    body = merged.json()
    assert body["survivor_id"] == a.pk and body["merged_id"] == b.pk
    assert body["moved"]["customers.ContactPoint.customer"] == 1
    assert body["can_undo"] is True and body["undone_at"] is None
    assert body["actor"].startswith("api-key:")
    a.refresh_from_db()
    assert a.birthday == dt.date(1990, 4, 13)
    assert api_rw.get("/api/v1/duplicates").json() == []
    assert api_rw.get(f"/api/v1/customers/{b.pk}").status_code == 404  # hidden

    log = api_rw.get("/api/v1/merges").json()
    assert log["count"] == 1 and log["items"][0]["id"] == body["id"]

    undone = api_rw.post(f"/api/v1/merges/{body['id']}/undo")
    assert undone.status_code == 200, undone.content
    assert undone.json()["undone_at"] is not None and undone.json()["can_undo"] is False
    assert undone.json()["undone_by"] == "api"
    assert api_rw.get(f"/api/v1/customers/{b.pk}").status_code == 200
    again = api_rw.post(f"/api/v1/merges/{body['id']}/undo")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "merge_already_undone"


def test_merge_errors(api_rw: ApiClient, owner: Actor) -> None:
    a, b = _twins(owner)
    same = api_rw.post(f"/api/v1/customers/{a.pk}/merge", {"merged_id": a.pk})
    assert same.status_code == 422 and same.json()["error"]["code"] == "merge_same_customer"
    bad = api_rw.post(
        f"/api/v1/customers/{a.pk}/merge",
        {"merged_id": b.pk, "field_choices": {"gender": "both"}},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "field_choices.gender"
    missing = api_rw.post(f"/api/v1/customers/{a.pk}/merge", {})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "validation_error"
    other = actor_for_membership(MembershipFactory())
    theirs = CustomerFactory(workspace=other.workspace)
    foreign = api_rw.post(f"/api/v1/customers/{a.pk}/merge", {"merged_id": theirs.pk})
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "customer_not_found"
    assert not MergeLog.objects.exists()


def test_undo_order_conflict(api_rw: ApiClient, owner: Actor) -> None:
    a, b, c = (CustomerFactory(workspace=owner.workspace) for _ in range(3))
    first = api_rw.post(f"/api/v1/customers/{a.pk}/merge", {"merged_id": b.pk}).json()
    second = api_rw.post(f"/api/v1/customers/{a.pk}/merge", {"merged_id": c.pk}).json()
    items = {m["id"]: m for m in api_rw.get("/api/v1/merges").json()["items"]}
    assert items[first["id"]]["can_undo"] is False and items[second["id"]]["can_undo"] is True
    blocked = api_rw.post(f"/api/v1/merges/{first['id']}/undo")
    assert blocked.status_code == 409
    assert blocked.json()["error"]["details"]["blocking_merge_ids"] == [second["id"]]


def test_read_only_key_may_list_but_not_merge(api_ro: ApiClient, owner: Actor) -> None:
    a, b = _twins(owner)
    assert api_ro.get("/api/v1/duplicates").status_code == 200
    assert api_ro.get("/api/v1/merges").status_code == 200
    response = api_ro.post(f"/api/v1/customers/{a.pk}/merge", {"merged_id": b.pk})
    assert response.status_code == 403
    assert not MergeLog.objects.exists()


def test_openapi_documents_the_merge_body_with_an_example() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    assert {"/api/v1/duplicates", "/api/v1/merges", "/api/v1/merges/{merge_id}/undo"} <= set(
        schema["paths"]
    )
    body = schema["components"]["schemas"]["MergeIn"]
    assert body["example"]["merged_id"] and "merged_id" in body["required"]
