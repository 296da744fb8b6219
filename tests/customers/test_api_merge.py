"""API: /duplicates (stored, scan, dismissals), /customers/{id}/merge, /merges and
/merges/{id}/undo."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.utils import timezone

from samphan.api.api import api
from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import AuditLog, Membership
from samphan.customers.duplicates import THRESHOLD, duplicates_scan
from samphan.customers.models import Customer, DuplicateDismissal, MergeLog
from tests.conftest import ApiClient
from tests.factories import ContactPointFactory, CustomerFactory, MembershipFactory, OrderFactory


def _customer(**kw: Any) -> Customer:
    return cast(Customer, CustomerFactory(**kw))


def _other_actor() -> Actor:
    return actor_for_membership(cast(Membership, MembershipFactory()))


def _twins(actor: Actor) -> tuple[Customer, Customer]:
    a = _customer(workspace=actor.workspace, first_name="สมหญิง", last_name="ใจดี")
    b = _customer(
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


def test_duplicates_merge_log_and_undo(
    api_rw: ApiClient, owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    a, b = _twins(owner)
    duplicates_scan(workspace=owner.workspace)
    found = api_rw.get("/api/v1/duplicates")
    assert found.status_code == 200, found.content
    [pair] = found.json()
    assert pair["survivor"]["id"] == a.pk and pair["merged"]["id"] == b.pk  # a has the order
    codes = {r["code"] for r in pair["reasons"]}
    assert {"same_name", "phone_suffix"} <= codes
    # The same name and last 4 digits: listed, not certain (evidence-weighted since issue 11).
    assert pair["score"] >= THRESHOLD and all(r["text"] for r in pair["reasons"])
    assert sum(r["points"] for r in pair["reasons"]) == pair["score"]

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

    with django_capture_on_commit_callbacks(execute=True):  # the rescan after the undo
        undone = api_rw.post(f"/api/v1/merges/{body['id']}/undo")
    assert undone.status_code == 200, undone.content
    assert undone.json()["undone_at"] is not None and undone.json()["can_undo"] is False
    assert undone.json()["undone_by"] == "api"
    assert api_rw.get(f"/api/v1/customers/{b.pk}").status_code == 200
    assert len(api_rw.get("/api/v1/duplicates").json()) == 1  # suggested again
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
    other = _other_actor()
    theirs = _customer(workspace=other.workspace)
    foreign = api_rw.post(f"/api/v1/customers/{a.pk}/merge", {"merged_id": theirs.pk})
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "customer_not_found"
    assert not MergeLog.objects.exists()


def test_undo_order_conflict(api_rw: ApiClient, owner: Actor) -> None:
    a, b, c = (_customer(workspace=owner.workspace) for _ in range(3))
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
    assert api_ro.get("/api/v1/duplicates/scan").status_code == 200
    assert api_ro.get("/api/v1/duplicates/dismissals").status_code == 200
    assert api_ro.get("/api/v1/merges").status_code == 200
    response = api_ro.post(f"/api/v1/customers/{a.pk}/merge", {"merged_id": b.pk})
    assert response.status_code == 403
    assert not MergeLog.objects.exists()
    dismiss = api_ro.post("/api/v1/duplicates/dismissals", {"customer_id": a.pk, "other_id": b.pk})
    assert dismiss.status_code == 403 and not DuplicateDismissal.objects.exists()
    assert api_ro.post("/api/v1/duplicates/scan").status_code == 403


def test_scan_status_and_scan_again(
    api_rw: ApiClient, owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    a, b = _twins(owner)
    before = api_rw.get("/api/v1/duplicates/scan").json()
    assert before == {"scanned_at": None, "candidates": 0, "running": False}
    assert api_rw.get("/api/v1/duplicates").json() == []  # never scanned
    with django_capture_on_commit_callbacks(execute=True):
        queued = api_rw.post("/api/v1/duplicates/scan")
    assert queued.status_code == 202, queued.content
    after = api_rw.get("/api/v1/duplicates/scan").json()
    assert after["scanned_at"] is not None and after["candidates"] == 1
    [pair] = api_rw.get("/api/v1/duplicates").json()
    assert {pair["survivor"]["id"], pair["merged"]["id"]} == {a.pk, b.pk}


def test_duplicates_limit_and_offset(api_rw: ApiClient, owner: Actor) -> None:
    for i in range(5):
        born = dt.date(1980, 1, 1) + dt.timedelta(days=i)
        for _ in range(2):
            _customer(
                workspace=owner.workspace, first_name=f"ชื่อ{i}", last_name="สกุล", birthday=born
            )
    duplicates_scan(workspace=owner.workspace)
    everything = api_rw.get("/api/v1/duplicates").json()
    assert len(everything) == 5
    page = api_rw.get("/api/v1/duplicates?limit=2&offset=2").json()
    assert page == everything[2:4]


def test_dismiss_and_restore(api_rw: ApiClient, owner: Actor) -> None:
    a, b = _twins(owner)
    duplicates_scan(workspace=owner.workspace)
    body = {"customer_id": b.pk, "other_id": a.pk}
    made = api_rw.post("/api/v1/duplicates/dismissals", body)
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["customer_a"]["id"] == min(a.pk, b.pk) and out["customer_b"]["id"] == max(a.pk, b.pk)
    assert out["dismissed_by"] == "api" and out["dismissed_at"]
    assert api_rw.post("/api/v1/duplicates/dismissals", body).status_code == 200  # already
    assert api_rw.get("/api/v1/duplicates").json() == []
    duplicates_scan(workspace=owner.workspace)
    assert api_rw.get("/api/v1/duplicates").json() == []  # a rescan does not bring it back
    listed = api_rw.get("/api/v1/duplicates/dismissals").json()
    assert listed["count"] == 1 and listed["items"][0]["customer_b"]["id"] == max(a.pk, b.pk)
    assert AuditLog.objects.get(action="customers.duplicate_dismissed").actor_label

    gone = api_rw.request("DELETE", f"/api/v1/duplicates/dismissals/{a.pk}/{b.pk}")
    assert gone.status_code == 204
    assert not DuplicateDismissal.objects.exists()
    duplicates_scan(workspace=owner.workspace)
    assert len(api_rw.get("/api/v1/duplicates").json()) == 1
    missing = api_rw.request("DELETE", f"/api/v1/duplicates/dismissals/{a.pk}/{b.pk}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "dismissal_not_found"


def test_dismiss_errors_and_other_workspaces(api_rw: ApiClient, owner: Actor) -> None:
    a, _b = _twins(owner)
    same = api_rw.post("/api/v1/duplicates/dismissals", {"customer_id": a.pk, "other_id": a.pk})
    assert same.status_code == 422 and same.json()["error"]["code"] == "duplicate_same_customer"
    other = _other_actor()
    theirs = _customer(workspace=other.workspace, first_name="สมหญิง", last_name="ใจดี")
    foreign = api_rw.post(
        "/api/v1/duplicates/dismissals", {"customer_id": a.pk, "other_id": theirs.pk}
    )
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "customer_not_found"
    their_pair = DuplicateDismissal.objects.create(
        workspace=other.workspace,
        customer_a=theirs,
        customer_b=_customer(workspace=other.workspace),
        dismissed_at=timezone.now(),
    )
    assert api_rw.get("/api/v1/duplicates/dismissals").json()["count"] == 0
    url = f"/api/v1/duplicates/dismissals/{their_pair.customer_a_id}/{their_pair.customer_b_id}"
    assert api_rw.request("DELETE", url).status_code == 404
    assert DuplicateDismissal.objects.filter(pk=their_pair.pk).exists()


def test_openapi_documents_the_merge_body_with_an_example() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    assert {
        "/api/v1/duplicates",
        "/api/v1/duplicates/scan",
        "/api/v1/duplicates/dismissals",
        "/api/v1/duplicates/dismissals/{customer_id}/{other_id}",
        "/api/v1/merges",
        "/api/v1/merges/{merge_id}/undo",
    } <= set(schema["paths"])
    body = schema["components"]["schemas"]["MergeIn"]
    assert body["example"]["merged_id"] and "merged_id" in body["required"]
