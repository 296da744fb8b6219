from django.test import Client

from samphan.core.models import ApiKey, Branch
from samphan.core.services import api_key_create, api_key_revoke
from tests.factories import BranchFactory, CustomerFactory, OrderFactory, line


def test_openapi_schema_and_docs_are_public(db: None) -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.")
    assert "/api/v1/customers" in body["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_missing_or_wrong_key_is_401_with_a_hint(db: None) -> None:
    for headers in ({}, {"X-API-Key": "sk_nope_nope"}):
        response = Client().get("/api/v1/workspace", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert "X-API-Key" in response.json()["error"]["message"]


def test_bearer_token_works(owner) -> None:  # type: ignore[no-untyped-def]
    secret = api_key_create(actor=owner, name="b", scope=ApiKey.Scope.READ).secret
    response = Client().get("/api/v1/workspace", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["name"] == owner.workspace.name


def test_read_only_key_cannot_write(api_ro, owner) -> None:  # type: ignore[no-untyped-def]
    response = api_ro.post("/api/v1/branches", {"name": "สาขาใหม่"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_key"
    assert not Branch.objects.filter(workspace=owner.workspace).exists()


def test_read_write_key_creates_branch(api_rw, owner) -> None:  # type: ignore[no-untyped-def]
    response = api_rw.post("/api/v1/branches", {"name": "สาขาสีลม", "province": "กรุงเทพมหานคร"})
    assert response.status_code == 201, response.content
    assert Branch.objects.get(workspace=owner.workspace).name == "สาขาสีลม"
    again = api_rw.post("/api/v1/branches", {"name": "สาขาสีลม"})
    assert again.status_code == 409
    assert again.json()["error"]["details"]["field"] == "name"


def test_validation_error_names_the_field(api_rw) -> None:  # type: ignore[no-untyped-def]
    response = api_rw.post("/api/v1/branches", {"code": "X1"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [f["field"] for f in error["details"]["fields"]] == ["name"]


def test_revoked_key_is_rejected(owner) -> None:  # type: ignore[no-untyped-def]
    new = api_key_create(actor=owner, name="x", scope=ApiKey.Scope.READ)
    api_key_revoke(actor=owner, key_id=new.key.pk)
    assert Client().get("/api/v1/workspace", headers={"X-API-Key": new.secret}).status_code == 401


def test_lists_show_only_own_workspace(api_ro, owner) -> None:  # type: ignore[no-untyped-def]
    mine = CustomerFactory(workspace=owner.workspace, first_name="มานี")
    CustomerFactory(first_name="คนอื่น")  # another workspace
    BranchFactory(workspace=owner.workspace, name="สาขาของฉัน")
    BranchFactory(name="สาขาคนอื่น")
    customers = api_ro.get("/api/v1/customers").json()
    assert [c["id"] for c in customers["items"]] == [mine.pk]
    assert [b["name"] for b in api_ro.get("/api/v1/branches").json()] == ["สาขาของฉัน"]


def test_order_detail_has_lines_in_satang(api_ro, owner) -> None:  # type: ignore[no-untyped-def]
    order = OrderFactory(
        workspace=owner.workspace, lines=[line(quantity=3, unit_price_satang=4550, sku="SKU-1")]
    )
    body = api_ro.get(f"/api/v1/orders/{order.pk}").json()
    assert body["number"] == order.number
    assert body["lines"] == [
        {
            "id": order.lines.get().pk,
            "sku": "SKU-1",
            "name": "ชาไทย",
            "quantity": 3,
            "unit_price_satang": 4550,
            "line_total_satang": 13650,
            "refunded_quantity": 0,
            "refunded_satang": 0,
        }
    ]
    assert (body["refunded_satang"], body["refunds"]) == (0, [])
