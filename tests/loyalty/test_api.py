"""The loyalty API, the point-of-sale contract: programme, account, ledger, redeem, adjust,
liability; idempotent replays; tenant isolation; permissions."""

from __future__ import annotations

import uuid

import pytest

from samphan.core.access import Actor
from samphan.core.models import ApiKey, Membership
from samphan.core.roles import Role
from samphan.core.services import api_key_create
from samphan.loyalty.models import Account, IdempotentRequest, LedgerEntry, Programme
from samphan.timeline.models import TimelineEvent
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory
from tests.loyalty.helpers import assert_consistent

BASE = "/api/v1/loyalty"


@pytest.fixture
def member(owner: Actor):  # type: ignore[no-untyped-def]
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)  # 40 points
    return customer


def _post(api: ApiClient, path: str, data: dict, key: str | None = None):  # type: ignore[no-untyped-def]
    headers = {**api.headers, **({"Idempotency-Key": key} if key else {})}
    return api.client.post(path, data, content_type="application/json", headers=headers)


def test_programme_defaults_and_change(api_rw: ApiClient, owner: Actor) -> None:
    got = api_rw.get(f"{BASE}/programme").json()
    assert got["points_per_unit"] == 1 and got["unit_satang"] == 2500
    assert got["pending_days"] == 7 and got["is_active"] is True
    response = api_rw.request(
        "PUT",
        f"{BASE}/programme",
        {
            "pending_days": 0,
            "rounding": "ceil",
            "multipliers": [{"kind": "channel", "id": 3, "percent": 200}],
            "promotions": [
                {
                    "name": "11.11",
                    "starts_at": "2026-11-11T00:00:00+07:00",
                    "ends_at": "2026-11-12T00:00:00+07:00",
                    "percent": 200,
                }
            ],
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["pending_days"] == 0 and body["rounding"] == "ceil"
    assert Programme.objects.get(workspace=owner.workspace).multipliers[0]["percent"] == 200
    bad = api_rw.request("PUT", f"{BASE}/programme", {"rounding": "sideways"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_programme"
    bad = api_rw.request(
        "PUT",
        f"{BASE}/programme",
        {
            "promotions": [
                {
                    "starts_at": "2026-11-12T00:00:00",
                    "ends_at": "2026-11-11T00:00:00",
                    "percent": 200,
                }
            ]
        },
    )
    assert bad.status_code == 422


def test_account_ledger_and_redeem(api_rw: ApiClient, member) -> None:  # type: ignore[no-untyped-def]
    account = api_rw.get(f"{BASE}/accounts/{member.pk}").json()
    assert account["available"] == 40 and account["pending"] == 0 and account["owed"] == 0
    assert account["tier"] is None and account["card_url"] is None
    assert account["next_expiries"][0]["points"] == 40
    response = _post(api_rw, f"{BASE}/accounts/{member.pk}/redeem", {"points": 15})
    assert response.status_code == 201, response.json()
    assert response.json()["available"] == 25 and response.json()["value_satang"] == 375
    ledger = api_rw.get(f"{BASE}/accounts/{member.pk}/ledger").json()
    assert [(e["kind"], e["points"]) for e in ledger["items"]] == [("redeem", -15), ("earn", 40)]
    assert ledger["items"][1]["order_number"]
    too_much = _post(api_rw, f"{BASE}/accounts/{member.pk}/redeem", {"points": 26})
    assert too_much.status_code == 409
    error = too_much.json()["error"]
    assert error["code"] == "insufficient_points" and error["details"]["available"] == 25
    assert TimelineEvent.objects.filter(type="points.redeemed", customer=member).count() == 1


def test_a_replayed_queue_counts_once(api_rw: ApiClient, member) -> None:  # type: ignore[no-untyped-def]
    keys = [str(uuid.uuid4()) for _ in range(3)]
    queue = [
        ("redeem", {"points": 5}, keys[0]),
        ("adjust", {"points": 10, "reason": "ชดเชย"}, keys[1]),
        ("redeem", {"points": 7}, keys[2]),
    ]
    first = [
        _post(api_rw, f"{BASE}/accounts/{member.pk}/{op}", body, key) for op, body, key in queue
    ]
    assert [r.status_code for r in first] == [201, 201, 201]
    for _replay in range(2):
        again = [
            _post(api_rw, f"{BASE}/accounts/{member.pk}/{op}", body, key) for op, body, key in queue
        ]
        assert [r.status_code for r in again] == [200, 200, 200]
        assert [r.json() for r in again] == [r.json() for r in first]
        assert all(r.headers["Idempotent-Replayed"] == "true" for r in again)
    account = Account.objects.get(customer=member)
    assert account.balance == 40 - 5 + 10 - 7
    assert LedgerEntry.objects.filter(account=account, kind="redeem").count() == 2
    assert IdempotentRequest.objects.count() == 3
    assert_consistent(account)
    reused = _post(api_rw, f"{BASE}/accounts/{member.pk}/redeem", {"points": 6}, keys[0])
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_adjust_needs_a_reason_and_a_manager(owner: Actor, api_rw: ApiClient, member) -> None:  # type: ignore[no-untyped-def]
    missing = _post(api_rw, f"{BASE}/accounts/{member.pk}/adjust", {"points": 5, "reason": " "})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "reason_required"
    zero = _post(api_rw, f"{BASE}/accounts/{member.pk}/adjust", {"points": 0, "reason": "x"})
    assert zero.status_code == 422
    minus = _post(api_rw, f"{BASE}/accounts/{member.pk}/adjust", {"points": -41, "reason": "x"})
    assert minus.status_code == 409
    ok = _post(api_rw, f"{BASE}/accounts/{member.pk}/adjust", {"points": -40, "reason": "ซ้ำ"})
    assert ok.status_code == 201 and ok.json()["available"] == 0
    event = TimelineEvent.objects.get(type="points.adjusted", customer=member)
    assert event.payload["reason"] == "ซ้ำ"


def test_staff_redeem_but_do_not_adjust(owner: Actor, member, client) -> None:  # type: ignore[no-untyped-def]
    from samphan.core.access import actor_for_membership
    from samphan.core.errors import PermissionDenied
    from samphan.loyalty.services import points_adjust, points_redeem

    staff = MembershipFactory(workspace=owner.workspace, role=Role.STAFF)
    actor = actor_for_membership(staff)
    assert points_redeem(actor=actor, customer_id=member.pk, points=1).status == 201
    with pytest.raises(PermissionDenied):
        points_adjust(actor=actor, customer_id=member.pk, points=1, reason="x")
    assert isinstance(staff, Membership)


def test_read_only_keys_read_but_do_not_redeem(api_ro: ApiClient, member) -> None:  # type: ignore[no-untyped-def]
    assert api_ro.get(f"{BASE}/accounts/{member.pk}").status_code == 200
    response = _post(api_ro, f"{BASE}/accounts/{member.pk}/redeem", {"points": 1})
    assert response.status_code == 403


def test_another_workspaces_customer_is_not_found(api_rw: ApiClient, member) -> None:  # type: ignore[no-untyped-def]
    stranger = CustomerFactory()
    OrderFactory(customer=stranger, total_satang=100_000)
    assert api_rw.get(f"{BASE}/accounts/{stranger.pk}").status_code == 404
    assert api_rw.get(f"{BASE}/accounts/{stranger.pk}/ledger").status_code == 404
    for op, body in (("redeem", {"points": 1}), ("adjust", {"points": 1, "reason": "x"})):
        response = _post(api_rw, f"{BASE}/accounts/{stranger.pk}/{op}", body)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "customer_not_found"
    # Redeeming against another shop's order is not possible either.
    other_order = OrderFactory(customer=stranger)
    response = _post(
        api_rw, f"{BASE}/accounts/{member.pk}/redeem", {"points": 1, "order_id": other_order.pk}
    )
    assert response.status_code == 404


def test_liability(api_rw: ApiClient, member, owner: Actor) -> None:  # type: ignore[no-untyped-def]
    other = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=other, total_satang=50_000)  # 20
    body = api_rw.get(f"{BASE}/liability").json()
    assert body["members"] == 2
    assert body["outstanding_points"] == 60 and body["outstanding_satang"] == 60 * 25
    # Without tiers, every member is in the row of no tier.
    assert [(row["tier"], row["members"]) for row in body["by_tier"]] == [(None, 2)]
    # Another workspace's members are not counted.
    OrderFactory(customer=CustomerFactory(), total_satang=500_000)
    assert api_rw.get(f"{BASE}/liability").json()["outstanding_points"] == 60


def test_void_gives_back_points_redeemed_on_the_order(
    owner: Actor, api_rw: ApiClient, member
) -> None:  # type: ignore[no-untyped-def]
    from samphan.commerce.services import order_status_change

    order = OrderFactory(workspace=owner.workspace, customer=member, total_satang=25_000)  # +10
    assert (
        _post(
            api_rw, f"{BASE}/accounts/{member.pk}/redeem", {"points": 30, "order_id": order.pk}
        ).status_code
        == 201
    )
    order_status_change(actor=owner, order_id=order.pk, status="cancelled", reason="ยกเลิก")
    account = Account.objects.get(customer=member)
    # 40 + 10 − 30 (redeemed) − 10 (reversed) + 30 (given back) = 40
    assert account.balance == 40
    assert_consistent(account)


def test_openapi_documents_the_loyalty_routes(api_rw: ApiClient) -> None:
    spec = api_rw.get("/api/v1/openapi.json").json()
    redeem = spec["paths"]["/api/v1/loyalty/accounts/{customer_id}/redeem"]["post"]
    assert "409" in redeem["responses"] and "insufficient_points" in redeem["description"]
    assert any(p["name"] == "Idempotency-Key" for p in redeem["parameters"])
    for path in (
        "/programme",
        "/liability",
        "/accounts/{customer_id}",
        "/accounts/{customer_id}/ledger",
    ):
        assert f"/api/v1/loyalty{path}" in spec["paths"]


def test_api_keys_for_other_workspaces_do_not_leak(owner: Actor, member) -> None:  # type: ignore[no-untyped-def]
    other = MembershipFactory()
    from samphan.core.access import actor_for_membership

    secret = api_key_create(
        actor=actor_for_membership(other), name="x", scope=ApiKey.Scope.READ_WRITE
    ).secret
    api = ApiClient(secret)
    assert api.get(f"{BASE}/accounts/{member.pk}").status_code == 404
