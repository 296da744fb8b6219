"""The privacy API: export and erase a person, DELETE pointing to erase, requests, breaches,
the retention dry run; no-store on personal data; another workspace's objects are 404."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.errors import PermissionDenied
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.privacy.models import PrivacySettings
from samphan.privacy.services import customer_export
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, OrderFactory, WorkspaceFactory
from tests.privacy.conftest import SENTINELS, Person

pytestmark = pytest.mark.django_db


def _no_store(response: object) -> bool:
    return "no-store" in response["Cache-Control"]  # type: ignore[index]


def test_export_gives_every_part_and_is_not_cached(person: Person, api_rw: ApiClient) -> None:
    response = api_rw.get(f"/api/v1/customers/{person.customer.pk}/export")
    assert response.status_code == 200, response.content
    assert _no_store(response)
    body = response.json()
    assert body["customer_id"] == person.customer.pk
    assert {"customers.contacts", "commerce.orders", "timeline.events", "imports.files"} <= set(
        body["parts"]
    )
    assert SENTINELS["email"] in response.content.decode()


def test_erase_through_the_api(person: Person, api_rw: ApiClient, media: Path) -> None:
    url = f"/api/v1/customers/{person.customer.pk}/erase"
    assert api_rw.post(url, {"reason": ""}).status_code == 422
    response = api_rw.post(url, {"reason": "คำขอทางโทรศัพท์"})
    assert response.status_code == 200, response.content
    assert _no_store(response)
    body = response.json()
    assert body["customer_id"] == person.customer.pk and body["mode"] == "anonymised"
    assert body["parts"]["customers.contacts"] == 5  # four of theirs and the merged record's
    detail = api_rw.get(f"/api/v1/customers/{person.customer.pk}").json()
    assert detail["first_name"] == "" and detail["contacts"] == []
    again = api_rw.post(url, {"reason": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_erased"


def test_erase_is_refused_with_the_reason_while_a_legal_hold_applies(
    owner: Actor, api_rw: ApiClient
) -> None:
    customer = CustomerFactory(workspace=owner.workspace, first_name="ลูกค้าปีนี้")
    OrderFactory(workspace=owner.workspace, customer=customer, placed_at=timezone.now())
    response = api_rw.post(f"/api/v1/customers/{customer.pk}/erase", {"reason": "asked"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "legal_hold" and error["details"]["reason"] == "tax_records"
    hold_until = dt.date.fromisoformat(error["details"]["hold_until"])
    assert hold_until.year == timezone.localdate().year + 5
    assert Customer.objects.get(pk=customer.pk).first_name == "ลูกค้าปีนี้"


def test_delete_answers_405_and_points_to_erase(owner: Actor, api_rw: ApiClient) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    response = api_rw.request("DELETE", f"/api/v1/customers/{customer.pk}")
    assert response.status_code == 405
    assert response["Allow"] == "GET, PATCH"
    error = response.json()["error"]
    assert error["code"] == "use_erase"
    assert error["details"]["url"] == f"/api/v1/customers/{customer.pk}/erase"
    assert Customer.objects.filter(pk=customer.pk).exists()
    # GET and PATCH on the same path still work.
    assert api_rw.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    patched = api_rw.request("PATCH", f"/api/v1/customers/{customer.pk}", {"nickname": "ตั้ม"})
    assert patched.status_code == 200


def test_another_workspace_gets_404(person: Person, owner: Actor) -> None:
    from samphan.core.access import actor_for_api_key
    from samphan.core.models import ApiKey
    from samphan.core.services import api_key_create

    other_ws = WorkspaceFactory()
    other_owner = Actor(workspace=other_ws, role=Role.OWNER, user=person.actor.user)
    secret = api_key_create(actor=other_owner, name="x", scope=ApiKey.Scope.READ_WRITE).secret
    other = ApiClient(secret)
    pk = person.customer.pk
    assert other.get(f"/api/v1/customers/{pk}/export").status_code == 404
    assert other.post(f"/api/v1/customers/{pk}/erase", {"reason": "x"}).status_code == 404
    assert other.request("DELETE", f"/api/v1/customers/{pk}").status_code == 404
    request_id = person.customer.privacy_requests.get().pk
    assert other.get(f"/api/v1/privacy/requests/{request_id}").status_code == 404
    assert other.get("/api/v1/privacy/requests").json()["items"] == []
    assert actor_for_api_key  # imported for the key's actor role (manager)


def test_a_read_only_key_cannot_erase(person: Person, api_ro: ApiClient) -> None:
    response = api_ro.post(f"/api/v1/customers/{person.customer.pk}/erase", {"reason": "x"})
    assert response.status_code == 403


def test_only_owners_and_managers_export_or_erase(person: Person) -> None:
    for role in (Role.STAFF, Role.MARKETER, Role.SUPPORT):
        actor = Actor(workspace=person.workspace, role=role, user=person.actor.user)
        with pytest.raises(PermissionDenied):
            customer_export(actor=actor, customer_id=person.customer.pk)
    manager = Actor(workspace=person.workspace, role=Role.MANAGER, user=person.actor.user)
    assert customer_export(actor=manager, customer_id=person.customer.pk)["customer_id"]


def test_requests_through_the_api(owner: Actor, api_rw: ApiClient) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    old = timezone.localdate() - dt.timedelta(days=40)
    created = api_rw.post(
        "/api/v1/privacy/requests",
        {"kind": "access", "received_on": old.isoformat(), "customer_id": customer.pk},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["due_on"] == (old + dt.timedelta(days=30)).isoformat() and body["overdue"]
    api_rw.post(
        "/api/v1/privacy/requests",
        {"kind": "objection", "received_on": timezone.localdate().isoformat(),
         "requester_name": "คุณเอ", "requester_contact": "081-000-0000"},
    )  # fmt: skip
    overdue = api_rw.get("/api/v1/privacy/requests?overdue=true").json()["items"]
    assert [r["id"] for r in overdue] == [body["id"]]
    url = f"/api/v1/privacy/requests/{body['id']}"
    refused = api_rw.request("PATCH", url, {"status": "done"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "outcome_required"
    done = api_rw.request("PATCH", url, {"status": "done", "outcome": "ส่งไฟล์ข้อมูลทางอีเมล"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert api_rw.get("/api/v1/privacy/requests?overdue=true").json()["items"] == []
    bad = api_rw.post("/api/v1/privacy/requests", {"kind": "nope", "received_on": "2026-01-01"})
    assert bad.status_code == 422


def test_breaches_through_the_api(owner: Actor, api_rw: ApiClient) -> None:
    found = timezone.now() - dt.timedelta(hours=80)
    created = api_rw.post(
        "/api/v1/privacy/breaches",
        {"title": "โน้ตบุ๊กหาย", "found_at": found.isoformat(), "categories": ["contact"],
         "people_affected": 120, "risk": "risk"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    due = dt.datetime.fromisoformat(body["regulator_due_at"])
    assert due - dt.datetime.fromisoformat(body["found_at"]) == dt.timedelta(hours=72)
    assert body["due"] == [
        {"code": "regulator", "late": True, "deadline": body["regulator_due_at"]}
    ]
    assert len(api_rw.get("/api/v1/privacy/breaches").json()["items"]) == 1


def test_the_retention_dry_run_through_the_api(owner: Actor, api_rw: ApiClient) -> None:
    PrivacySettings.objects.update_or_create(
        workspace=owner.workspace, defaults={"inactive_action": "anonymise", "inactive_years": 3}
    )
    long_ago = timezone.now().replace(year=2015)
    gone = CustomerFactory(workspace=owner.workspace, created_at=long_ago)
    gone.timeline.update(occurred_at=long_ago)  # created back then
    CustomerFactory(workspace=owner.workspace)  # active: created today
    body = api_rw.get("/api/v1/privacy/retention").json()
    assert body["action"] == "anonymise" and not body["enabled"]
    assert body["customers"] == 1 and body["sample_ids"] == [gone.pk]


def test_openapi_documents_the_answers(api_rw: ApiClient) -> None:
    paths = api_rw.get("/api/v1/openapi.json").json()["paths"]
    assert "405" in paths["/api/v1/customers/{customer_id}"]["delete"]["responses"]
    assert "409" in paths["/api/v1/customers/{customer_id}/erase"]["post"]["responses"]
    assert "404" in paths["/api/v1/customers/{customer_id}/export"]["get"]["responses"]
