"""The coupons API: campaigns, codes, validate and redeem, with its errors and the OpenAPI
description."""

from __future__ import annotations

import pytest

from samphan.core.access import Actor, actor_for_membership
from samphan.loyalty.coupons.models import CouponCampaign, CouponRedemption
from tests.conftest import ApiClient
from tests.coupons.factories import campaign
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/loyalty/coupons"


def test_create_list_and_get_a_campaign(api_rw: ApiClient) -> None:
    body = {
        "name": "สงกรานต์ ลด 10%",
        "kind": "percent",
        "percent_bp": 1000,
        "max_discount_satang": 20000,
        "min_spend_satang": 50000,
        "total_limit": 500,
        "per_customer_limit": 1,
        "code_mode": "shared",
        "code": "songkran10",
    }
    r = api_rw.post(f"{BASE}/campaigns", body)
    assert r.status_code == 201, r.content
    made = r.json()
    assert made["shared_code"] == "SONGKRAN10" and made["remaining_uses"] == 500
    assert made["code_total"] == 1
    listed = api_rw.get(f"{BASE}/campaigns").json()
    assert [c["id"] for c in listed["items"]] == [made["id"]]
    assert api_rw.get(f"{BASE}/campaigns/{made['id']}").json()["name"] == body["name"]
    again = api_rw.post(f"{BASE}/campaigns", body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "coupon_code_exists"


def test_bad_campaigns_are_422_naming_the_field(api_rw: ApiClient) -> None:
    base = {"name": "x", "kind": "value", "value_satang": 100, "code_mode": "shared", "code": "OK1"}
    cases = [
        ({"kind": "percent", "percent_bp": 0}, "invalid_percent"),
        ({"kind": "gift"}, "invalid_kind"),
        ({"code": "a b!"}, "invalid_code"),
        ({"targeting": "segment", "segment_id": 999}, "segment_not_found"),
        ({"percent_bp": 10001}, "validation_error"),
        (
            {"starts_at": "2027-01-02T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"},
            "invalid_window",
        ),
        ({"ends_at": "9999-01-01T00:00:00Z"}, "validation_error"),
        ({"code_mode": "unique", "code_count": 10_001}, "validation_error"),
    ]
    for change, code in cases:
        r = api_rw.post(f"{BASE}/campaigns", {**base, **change})
        assert r.status_code == 422, (change, r.content)
        assert r.json()["error"]["code"] == code, change


def test_generate_codes(api_rw: ApiClient, owner: Actor) -> None:
    c = campaign(owner, code_mode="unique")
    customer = CustomerFactory(workspace=owner.workspace)
    r = api_rw.post(f"{BASE}/campaigns/{c.pk}/codes", {"count": 5})
    assert r.status_code == 201 and len(r.json()["codes"]) == 5
    r = api_rw.post(f"{BASE}/campaigns/{c.pk}/codes", {"customer_ids": [customer.pk]})
    assert r.json()["codes"][0]["customer_id"] == customer.pk
    assert api_rw.get(f"{BASE}/campaigns/{c.pk}/codes").json()["count"] == 6
    r = api_rw.post(f"{BASE}/campaigns/{c.pk}/codes", {"count": 10_001})
    assert r.status_code == 422
    r = api_rw.post(f"{BASE}/campaigns/{c.pk}/codes", {})
    assert r.json()["error"]["code"] == "count_or_customers"


def test_validate_and_redeem(api_rw: ApiClient, owner: Actor) -> None:
    c = campaign(owner, code="SAVE50", min_spend_satang=20000, total_limit=1)
    customer = CustomerFactory(workspace=owner.workspace)
    r = api_rw.post(f"{BASE}/validate", {"code": "save50", "subtotal_satang": 10000})
    assert r.status_code == 200
    assert r.json()["valid"] is False and r.json()["reason"] == "coupon_min_spend"
    assert r.json()["details"]["short_by_satang"] == 10000
    r = api_rw.post(
        f"{BASE}/validate",
        {"code": "save50", "subtotal_satang": 30000, "customer_id": customer.pk},
    )
    assert r.json()["valid"] and r.json()["discount_satang"] == 5000
    assert r.json()["campaign_id"] == c.pk
    order = OrderFactory(customer=customer, subtotal_satang=30000)
    headers = {"HTTP_IDEMPOTENCY_KEY": "till-1-0001"}
    r = api_rw.post(f"{BASE}/redeem", {"code": "SAVE50", "order_id": order.pk}, **headers)
    assert r.status_code == 201, r.content
    assert r.json()["discount_satang"] == 5000 and r.json()["order_number"] == order.number
    replay = api_rw.post(f"{BASE}/redeem", {"code": "SAVE50", "order_id": order.pk}, **headers)
    assert replay.status_code == 200 and replay.json() == r.json()
    other = OrderFactory(customer=customer, subtotal_satang=30000)
    r = api_rw.post(f"{BASE}/redeem", {"code": "SAVE50", "order_id": other.pk})
    assert r.status_code == 409 and r.json()["error"]["code"] == "coupon_limit_reached"
    r = api_rw.post(f"{BASE}/redeem", {"code": "NOPE", "order_id": other.pk})
    assert r.status_code == 422 and r.json()["error"]["code"] == "coupon_unknown"
    r = api_rw.post(f"{BASE}/redeem", {"code": "SAVE50", "order_id": other.pk}, **headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "idempotency_key_reused"
    r = api_rw.post(
        f"{BASE}/redeem",
        {"code": "SAVE50", "order_id": other.pk},
        HTTP_IDEMPOTENCY_KEY="k" * 129,
    )
    assert r.status_code == 422
    assert CouponRedemption.objects.count() == 1


def test_another_workspace_is_404(api_rw: ApiClient) -> None:
    stranger = actor_for_membership(MembershipFactory())
    c = campaign(stranger, code="THEIRS", code_mode="shared")
    order = OrderFactory(workspace=stranger.workspace)
    assert api_rw.get(f"{BASE}/campaigns/{c.pk}").status_code == 404
    assert api_rw.get(f"{BASE}/campaigns/{c.pk}/codes").status_code == 404
    assert api_rw.post(f"{BASE}/campaigns/{c.pk}/codes", {"count": 1}).status_code == 404
    assert api_rw.get(f"{BASE}/campaigns").json()["items"] == []
    r = api_rw.post(f"{BASE}/validate", {"code": "THEIRS", "subtotal_satang": 10000})
    assert r.json()["reason"] == "coupon_unknown"
    customer = CustomerFactory(workspace=stranger.workspace)
    r = api_rw.post(
        f"{BASE}/validate",
        {"code": "X", "subtotal_satang": 1, "customer_id": customer.pk},
    )
    assert r.status_code == 404
    assert (
        api_rw.post(f"{BASE}/redeem", {"code": "THEIRS", "order_id": order.pk}).status_code == 404
    )
    assert CouponCampaign.objects.get().redeemed_count == 0


def test_read_only_key_cannot_redeem(api_ro: ApiClient, owner: Actor) -> None:
    campaign(owner)
    order = OrderFactory(workspace=owner.workspace)
    assert (
        api_ro.post(f"{BASE}/redeem", {"code": "SAVE50", "order_id": order.pk}).status_code == 403
    )


def test_openapi_documents_the_coupon_operations(api_rw: ApiClient) -> None:
    spec = api_rw.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    redeem = paths["/api/v1/loyalty/coupons/redeem"]["post"]
    assert {"200", "201", "404", "409", "422", "403"} <= set(redeem["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in redeem["parameters"])
    assert "coupon_limit_reached" in redeem["description"]
    for path in (
        "/campaigns",
        "/campaigns/{campaign_id}",
        "/campaigns/{campaign_id}/codes",
        "/validate",
    ):
        assert f"/api/v1/loyalty/coupons{path}" in paths
    assert "404" in paths["/api/v1/loyalty/coupons/campaigns/{campaign_id}"]["get"]["responses"]
