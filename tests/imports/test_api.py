"""API: upload (dry run and real), status with progress and bad rows, workspace isolation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.core.models import ApiKey
from samphan.core.services import api_key_create
from samphan.customers.models import Customer
from samphan.imports.models import ImportJob
from tests.conftest import ApiClient
from tests.imports.conftest import FIXTURES, member

pytestmark = pytest.mark.django_db


def _upload(api: ApiClient, name: str, **fields: Any) -> Any:
    with (FIXTURES / name).open("rb") as fh:
        return api.client.post("/api/v1/imports", {"file": fh, **fields}, headers=api.headers)


def test_dry_run_then_run(
    api_rw: ApiClient, owner: Actor, channels: dict[str, SalesChannel],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    response = _upload(api_rw, "customers.csv", kind="customers", dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "previewed"
    assert body["report"]["mode"] == "preview"
    assert body["report"]["created"] == 4
    assert body["report"]["rows"] == {"total": 10, "ok": 5, "bad": 5}
    assert {e["line"] for e in body["report"]["errors"]} == {4, 5, 6, 7, 11}
    assert all(e["message_th"] and e["message_en"] for e in body["report"]["errors"])
    assert not Customer.objects.filter(workspace=owner.workspace).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_rw.post(f"/api/v1/imports/{body['id']}/run")
    assert response.status_code == 202, response.content
    status = api_rw.get(f"/api/v1/imports/{body['id']}").json()
    assert status["status"] == "done"
    assert status["progress"]["percent"] == 100
    assert (status["created_count"], status["error_count"]) == (4, 5)
    assert status["report"]["errors"][0]["line"] == 4
    assert Customer.objects.filter(workspace=owner.workspace).count() == 4


def test_upload_and_run_with_a_mapping(
    api_rw: ApiClient, owner: Actor, channels: dict[str, SalesChannel],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(
            api_rw, "orders.csv", kind="orders", channel_id=str(channels["store"].pk),
            mapping=json.dumps({"เลขที่ออเดอร์": "order_number", "1": "placed_at", "6": "product_name",
                                "8": "unit_price", "7": "quantity"}),
        )  # fmt: skip
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == "done"
    # Only the mapped columns were read: no customers, every order in the store channel.
    assert not Customer.objects.filter(workspace=owner.workspace).exists()
    orders = Order.objects.filter(workspace=owner.workspace)
    assert orders.count() == 4
    assert set(orders.values_list("channel_id", flat=True)) == {channels["store"].pk}


def test_bad_upload_is_a_422(api_rw: ApiClient) -> None:
    response = _upload(api_rw, "customers.csv", kind="products")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_kind"
    response = _upload(api_rw, "customers.csv", kind="customers", mapping="[1, 2]")
    assert response.json()["error"]["code"] == "invalid_mapping"
    response = _upload(api_rw, "customers.csv", kind="customers", dry_run="true",
                       mapping=json.dumps({"0": "no_such_field"}))  # fmt: skip
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_field"


def test_read_only_key_cannot_upload(api_ro: ApiClient) -> None:
    response = _upload(api_ro, "customers.csv", kind="customers")
    assert response.status_code == 403


def test_other_workspace_import_is_404(api_rw: ApiClient, owner: Actor) -> None:
    other = member()
    secret = api_key_create(actor=_actor(other), name="b", scope=ApiKey.Scope.READ_WRITE).secret
    theirs = ApiClient(secret)
    job_id = _upload(theirs, "customers.csv", kind="customers", dry_run="true").json()["id"]
    response = api_rw.get(f"/api/v1/imports/{job_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "import_not_found"
    assert api_rw.post(f"/api/v1/imports/{job_id}/run").status_code == 404
    assert api_rw.get("/api/v1/imports").json()["items"] == []
    assert theirs.get(f"/api/v1/imports/{job_id}").status_code == 200


def test_openapi_documents_the_endpoints() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/imports"]["post"]
    assert "dry_run" in post["description"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert schema["paths"]["/api/v1/imports/{import_id}"]["get"]["summary"]


def _actor(membership: Any) -> Actor:
    from samphan.core.access import actor_for_membership

    return actor_for_membership(membership)
