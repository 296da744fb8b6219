"""Bad input is a 4xx with an error body saying what to fix, never a server error (issue 10)."""

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
from samphan.segments import services as segment_services
from tests.factories import CustomerFactory, OrderFactory

BIG = 2**63


class RawClient:
    """Sends the API key, and answers a server error as a 500 instead of raising it."""

    def __init__(self, secret: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"X-API-Key": secret}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def send(
        self, method: str, path: str, body: Any, content_type: str = "application/json"
    ) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(
            path, data, content_type=content_type, headers=self.headers
        )

    def post(self, path: str, body: Any) -> Any:
        return self.send("post", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self.send("patch", path, body)


@pytest.fixture
def api(owner: Actor) -> RawClient:
    return RawClient(api_key_create(actor=owner, name="t", scope=ApiKey.Scope.READ_WRITE).secret)


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return CustomerFactory(workspace=owner.workspace)


@pytest.fixture
def channel(owner: Actor) -> SalesChannel:
    return SalesChannel.objects.filter(workspace=owner.workspace).order_by("pk").first() or (
        SalesChannel.objects.create(workspace=owner.workspace, kind="store", name="หน้าร้าน")
    )


def error_of(response: Any, status: int | tuple[int, ...] = 422) -> dict[str, Any]:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return dict(error)


def fields_of(error: dict[str, Any]) -> list[str]:
    return [f["field"] for f in error["details"].get("fields", [])] or [
        error["details"].get("field", "")
    ]


# --- limit and offset -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/customers", "/api/v1/orders", "/api/v1/merges", "/api/v1/duplicates"],
)
@pytest.mark.parametrize("limit", [-1, 0, 501])
def test_limit_outside_1_to_500_is_422(api: RawClient, path: str, limit: int) -> None:
    error = error_of(api.get(path, limit=limit))
    assert "limit" in fields_of(error)


def test_search_and_member_limits_are_checked(api: RawClient, owner: Actor) -> None:
    assert "limit" in fields_of(error_of(api.get("/api/v1/search/customers", q="ab", limit=-1)))
    segment = segment_services.segment_create(
        actor=owner, name="ทุกคน", description="", rules={"op": "and", "items": []}
    )
    members = f"/api/v1/segments/{segment.pk}/members"
    assert "limit" in fields_of(error_of(api.get(members, limit=-5)))
    assert "after" in fields_of(error_of(api.get(members, after=BIG)))
    assert api.get(members, limit=200).status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/customers", "/api/v1/orders", "/api/v1/duplicates", "/api/v1/products"]
)
def test_offset_of_2_to_the_63_is_422(api: RawClient, path: str) -> None:
    error = error_of(api.get(path, offset=BIG))
    assert "offset" in fields_of(error)


def test_ids_beyond_64_bits_are_4xx(api: RawClient, customer: Customer) -> None:
    for path in (
        f"/api/v1/customers/{BIG}",
        f"/api/v1/orders/{BIG}",
        f"/api/v1/customers/{BIG}/timeline",
        f"/api/v1/segments/{BIG}",
    ):
        assert api.get(path).status_code in (404, 422), path
    error = error_of(api.post(f"/api/v1/customers/{customer.pk}/merge", {"merged_id": BIG}))
    assert "merged_id" in fields_of(error)


# --- NUL bytes ------------------------------------------------------------------------------------


def test_nul_bytes_anywhere_are_422(api: RawClient, customer: Customer) -> None:
    for method, path, body in (
        ("post", "/api/v1/customers", {"first_name": "สม\x00ชาย"}),
        ("post", "/api/v1/branches", {"name": "สาขา\x00"}),
        ("patch", f"/api/v1/customers/{customer.pk}", {"notes": "a\x00b"}),
        ("patch", f"/api/v1/customers/{customer.pk}", {"custom_fields": {"k\x00": "v"}}),
        ("patch", f"/api/v1/customers/{customer.pk}", {"tags": ["VIP\x00"]}),
        ("post", "/api/v1/segments/count", {"rules": {"op": "and\x00", "items": []}}),
    ):
        error = error_of(api.send(method, path, body))
        assert error["code"] == "nul_character", (path, error)
        assert "\\u0000" not in error["message"]
    error = error_of(api.get("/api/v1/search/customers", q="08\x001"))
    assert error["code"] == "nul_character"
    assert fields_of(error) == ["q"]
    assert not any("\x00" in c.first_name for c in Customer.objects.all())


# --- multipart and body size ----------------------------------------------------------------------


def test_multipart_without_a_boundary_is_400(api: RawClient) -> None:
    response = api.send("post", "/api/v1/imports", b"kind=customers", "multipart/form-data")
    error = error_of(response, 400)
    assert error["code"] == "invalid_multipart"
    assert "boundary" in error["message"]


def test_a_3_mb_patch_body_is_413(api: RawClient, customer: Customer) -> None:
    response = api.patch(f"/api/v1/customers/{customer.pk}", {"notes": "x" * 3_000_000})
    error = error_of(response, 413)
    assert error["code"] == "request_too_large"
    assert error["details"]["max_bytes"] > 0
    customer.refresh_from_db()
    assert customer.notes == ""


@pytest.mark.parametrize("body", [b"{not json", b"[null, null]", b"5", b'"x"'])
def test_a_body_that_is_not_a_json_object_is_400(
    api: RawClient, customer: Customer, body: bytes
) -> None:
    for method, path in (
        ("post", "/api/v1/customers"),
        ("patch", f"/api/v1/customers/{customer.pk}"),
    ):
        error = error_of(api.send(method, path, body), 400)
        assert error["code"] == "invalid_json"
        assert "JSON" in error["message"]


# --- lengths and ranges ---------------------------------------------------------------------------


def test_a_100000_character_name_is_422(api: RawClient, customer: Customer) -> None:
    name = "ก" * 100_000
    for method, path, body, field in (
        ("post", "/api/v1/customers", {"first_name": name}, "first_name"),
        ("patch", f"/api/v1/customers/{customer.pk}", {"last_name": name}, "last_name"),
        ("post", "/api/v1/branches", {"name": name}, "name"),
        ("post", "/api/v1/products", {"sku": "A1", "name_th": name}, "name_th"),
        ("post", "/api/v1/segments", {"name": name, "rules": {"op": "and", "items": []}}, "name"),
    ):
        error = error_of(api.send(method, path, body))
        assert error["code"] == "validation_error"
        assert field in fields_of(error), (path, error)
        assert (
            "150" in json.dumps(error) or "200" in json.dumps(error) or "120" in json.dumps(error)
        )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/customers", {"title": "x" * 33}, "title"),
        ("/api/v1/customers", {"nickname": "x" * 81}, "nickname"),
        ("/api/v1/customers", {"contacts": [{"kind": "email", "value": "a" * 300}]}, "contacts"),
        ("/api/v1/branches", {"name": "ok", "code": "x" * 33}, "code"),
        ("/api/v1/products", {"sku": "x" * 65, "name_th": "ชา"}, "sku"),
    ],
)
def test_fields_longer_than_the_column_are_422(
    api: RawClient, path: str, body: dict[str, Any], field: str
) -> None:
    error = error_of(api.post(path, body))
    assert any(f.startswith(field) for f in fields_of(error)), error


def test_order_fields_longer_than_the_column_are_422(api: RawClient, channel: SalesChannel) -> None:
    line = {"name": "ชา", "quantity": 1, "unit_price_satang": 100}
    for extra, field in (
        ({"payment_method": "p" * 33}, "payment_method"),
        ({"coupon_code": "c" * 65}, "coupon_code"),
        ({"external_id": "e" * 101}, "external_id"),
        ({"number": "n" * 65}, "number"),
        ({"lines": [{**line, "name": "n" * 201}]}, "lines.0.name"),
    ):
        body = {"channel_id": channel.pk, "lines": [line], **extra}
        error = error_of(api.post("/api/v1/orders", body))
        assert field in fields_of(error), (extra, error)
    assert not Order.objects.exists()


def test_numbers_beyond_the_column_range_are_422(api: RawClient, channel: SalesChannel) -> None:
    line = {"name": "ชา", "quantity": 1, "unit_price_satang": 100}
    for extra, field in (
        ({"lines": [{**line, "quantity": 2**31}]}, "lines.0.quantity"),
        ({"lines": [{**line, "unit_price_satang": BIG}]}, "lines.0.unit_price_satang"),
        ({"lines": [{**line, "product_id": BIG}]}, "lines.0.product_id"),
        ({"discount_satang": BIG}, "discount_satang"),
        ({"shipping_satang": -BIG - 1}, "shipping_satang"),
        ({"customer_id": BIG}, "customer_id"),
        ({"channel_id": BIG}, "channel_id"),
    ):
        body = {"channel_id": channel.pk, "lines": [line], **extra}
        error = error_of(api.post("/api/v1/orders", body))
        assert field in fields_of(error), (extra, error)
    error = error_of(
        api.post("/api/v1/products", {"sku": "A", "name_th": "ก", "price_satang": BIG})
    )
    assert "price_satang" in fields_of(error)
    assert not Order.objects.exists()


def test_money_so_large_its_total_overflows_is_422(api: RawClient, channel: SalesChannel) -> None:
    """Each price fits the column, but the lines' total would not."""
    line = {"name": "ชา", "quantity": 1_000_000, "unit_price_satang": 10**13}
    error = error_of(api.post("/api/v1/orders", {"channel_id": channel.pk, "lines": [line]}))
    assert error["code"] in ("validation_error", "amount_too_large")


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1999-12-31T12:00:00+07:00"]
)
def test_order_dates_outside_2000_to_next_year_are_422(
    api: RawClient, channel: SalesChannel, when: str
) -> None:
    line = {"name": "ชา", "quantity": 1, "unit_price_satang": 100}
    body = {"channel_id": channel.pk, "lines": [line], "placed_at": when}
    error = error_of(api.post("/api/v1/orders", body))
    assert "placed_at" in fields_of(error)
    assert not Order.objects.exists()


def test_buddhist_era_order_dates_are_converted(api: RawClient, channel: SalesChannel) -> None:
    line = {"name": "ชา", "quantity": 1, "unit_price_satang": 100}
    body = {"channel_id": channel.pk, "lines": [line], "placed_at": "2568-03-15T10:00:00+07:00"}
    response = api.post("/api/v1/orders", body)
    assert response.status_code == 201, response.content
    assert response.json()["placed_at"].startswith("2025-03-15")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_birthdays_in_year_1_or_9999_are_422(api: RawClient, customer: Customer, day: str) -> None:
    error = error_of(api.patch(f"/api/v1/customers/{customer.pk}", {"birthday": day}))
    assert "birthday" in fields_of(error)


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_other_dates_in_year_1_or_9999_are_422(
    api: RawClient, customer: Customer, when: str
) -> None:
    base = f"/api/v1/customers/{customer.pk}"
    for path, body, field in (
        (f"{base}/interactions", {"kind": "call", "occurred_at": when}, "occurred_at"),
        (f"{base}/consents", {"purpose": "profiling", "granted": True, "recorded_at": when}, ""),
        (f"{base}/tasks", {"title": "โทร", "due_at": when}, "due_at"),
    ):
        error = error_of(api.post(path, body))
        assert field in " ".join(fields_of(error)), (path, error)


# --- batch sizes ----------------------------------------------------------------------------------


def test_5000_contacts_in_one_post_is_refused(api: RawClient) -> None:
    contacts = [{"kind": "phone", "value": f"08{i:08d}"} for i in range(5000)]
    response = api.post("/api/v1/customers", {"first_name": "มาก", "contacts": contacts})
    error = error_of(response, (413, 422))
    assert "contacts" in json.dumps(error)
    assert not Customer.objects.exists()


def test_an_order_with_too_many_lines_is_refused(api: RawClient, channel: SalesChannel) -> None:
    lines = [{"name": "ชา", "quantity": 1, "unit_price_satang": 100}] * 1001
    error = error_of(api.post("/api/v1/orders", {"channel_id": channel.pk, "lines": lines}))
    assert "lines" in fields_of(error)


def test_too_many_tags_are_refused(api: RawClient, customer: Customer) -> None:
    tags = [f"tag{i}" for i in range(1000)]
    error = error_of(api.patch(f"/api/v1/customers/{customer.pk}", {"tags": tags}))
    assert "tags" in fields_of(error)


# --- domain rules ---------------------------------------------------------------------------------


def test_a_discount_cannot_exceed_the_subtotal(api: RawClient, channel: SalesChannel) -> None:
    line = {"name": "ชา", "quantity": 2, "unit_price_satang": 100}
    body = {"channel_id": channel.pk, "lines": [line], "discount_satang": 201}
    error = error_of(api.post("/api/v1/orders", body))
    assert error["code"] == "discount_exceeds_subtotal"
    assert error["details"]["field"] == "discount_satang"
    body["discount_satang"] = 200
    assert api.post("/api/v1/orders", body).status_code == 201


@pytest.mark.parametrize("status", ["refunded", "returned"])
def test_a_new_order_cannot_be_created_as_refunded(
    api: RawClient, channel: SalesChannel, status: str
) -> None:
    line = {"name": "ชา", "quantity": 1, "unit_price_satang": 100}
    body = {"channel_id": channel.pk, "lines": [line], "status": status}
    error = error_of(api.post("/api/v1/orders", body))
    assert error["code"] == "invalid_new_order_status"
    assert "status" in fields_of(error)
    assert not Order.objects.exists()
    body["status"] = "cancelled"  # recorded from a till that cancelled it: allowed
    assert api.post("/api/v1/orders", body).status_code == 201


def test_the_good_order_still_works(api: RawClient, channel: SalesChannel, owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer)
    line = {"name": "ชา", "quantity": 2, "unit_price_satang": 6500}
    body = {"channel_id": channel.pk, "customer_id": customer.pk, "lines": [line]}
    response = api.post("/api/v1/orders", body)
    assert response.status_code == 201, response.content
    assert response.json()["total_satang"] == 13000
