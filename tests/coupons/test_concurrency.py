"""Fifty tills redeem a limited coupon at the same moment through the API: a limit (in total,
per customer, a unique code's single use) is never passed, each accepted redemption is counted
once, the rest are refused with 409 and the limit's code. PostgreSQL only (real concurrency);
SQLite runs writers one at a time (BEGIN IMMEDIATE), and the same limits are tested in
test_services.py."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from samphan.core.access import actor_for_membership
from samphan.core.models import ApiKey
from samphan.core.services import api_key_create
from samphan.loyalty.coupons.models import (
    CouponCampaign,
    CouponCode,
    CouponCustomerUsage,
    CouponRedemption,
)
from samphan.timeline.models import TimelineEvent
from tests.coupons.factories import campaign
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

TILLS = 50

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _fire(secret: str, requests: list[dict[str, Any]]) -> list[tuple[int, dict]]:
    start = threading.Barrier(len(requests))

    def till(body: dict[str, Any]) -> tuple[int, dict]:
        try:
            start.wait(timeout=60)
            headers = {"X-API-Key": secret}
            if "key" in body:
                headers["Idempotency-Key"] = body["key"]
            response = Client().post(
                "/api/v1/loyalty/coupons/redeem",
                {"code": body["code"], "order_id": body["order_id"]},
                content_type="application/json",
                headers=headers,
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(till, requests))


def _setup(**kw: Any) -> tuple[Any, str]:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent redemptions: PostgreSQL only")
    actor = actor_for_membership(MembershipFactory())
    secret = api_key_create(actor=actor, name="tills", scope=ApiKey.Scope.READ_WRITE).secret
    return actor, secret


@pytest.mark.parametrize(
    ("limits", "allowed", "refusal", "one_customer"),
    [
        ({"total_limit": 7}, 7, "coupon_limit_reached", False),
        ({"per_customer_limit": 3}, 3, "coupon_customer_limit_reached", True),
        ({"total_limit": 5, "per_customer_limit": 2}, 2, "coupon_customer_limit_reached", True),
    ],
)
def test_fifty_concurrent_redemptions_never_pass_a_limit(
    limits: dict[str, int], allowed: int, refusal: str, one_customer: bool
) -> None:
    actor, secret = _setup()
    c = campaign(actor, code="RUSH", **limits)
    shared = CustomerFactory(workspace=actor.workspace)
    orders = [
        OrderFactory(
            workspace=actor.workspace,
            customer=shared if one_customer else CustomerFactory(workspace=actor.workspace),
            subtotal_satang=20000,
        )
        for _ in range(TILLS)
    ]
    results = _fire(secret, [{"code": "rush", "order_id": o.pk} for o in orders])
    statuses = [status for status, _body in results]
    assert set(statuses) <= {201, 409}, results
    assert statuses.count(201) == allowed
    assert {body["error"]["code"] for status, body in results if status == 409} == {refusal}
    c.refresh_from_db()
    assert c.redeemed_count == allowed == CouponRedemption.objects.filter(campaign=c).count()
    assert c.discount_total_satang == allowed * 5000
    assert TimelineEvent.objects.filter(type="coupon.redeemed").count() == allowed
    if one_customer:
        assert CouponCustomerUsage.objects.get(campaign=c, customer=shared).used == allowed


def test_a_unique_code_is_used_once_by_fifty_tills() -> None:
    actor, secret = _setup()
    c = campaign(actor, code_mode="unique", code_count=1)
    code = CouponCode.objects.get(campaign=c).code
    orders = [OrderFactory(workspace=actor.workspace) for _ in range(TILLS)]
    results = _fire(secret, [{"code": code, "order_id": o.pk} for o in orders])
    statuses = [status for status, _body in results]
    assert statuses.count(201) == 1 and statuses.count(409) == TILLS - 1, results
    assert CouponRedemption.objects.count() == 1
    assert CouponCampaign.objects.get().redeemed_count == 1


def test_fifty_replays_of_one_redemption_count_once() -> None:
    actor, secret = _setup()
    c = campaign(actor, code="ONCE", total_limit=10)
    order = OrderFactory(workspace=actor.workspace)
    results = _fire(secret, [{"code": "ONCE", "order_id": order.pk, "key": "till-7-0042"}] * TILLS)
    statuses = [status for status, _body in results]
    assert statuses.count(201) == 1 and statuses.count(200) == TILLS - 1, results
    assert len({body["id"] for _status, body in results}) == 1
    c.refresh_from_db()
    assert c.redeemed_count == 1 == CouponRedemption.objects.count()
