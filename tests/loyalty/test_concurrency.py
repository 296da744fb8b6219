"""Fifty tills redeem from one account at the same moment through the API: the account is
never overdrawn, each accepted redemption is counted once, the rest are refused with 409.
PostgreSQL only (row locks); SQLite serialises writers with BEGIN IMMEDIATE, tested in the
service tests."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from samphan.core.access import actor_for_membership
from samphan.core.models import ApiKey
from samphan.core.services import api_key_create
from samphan.loyalty import services
from samphan.loyalty.models import Account, LedgerEntry, Programme, Redemption
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory
from tests.loyalty.helpers import assert_consistent

TILLS = 50
EACH = 7


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_redemptions_never_overdraw() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency: PostgreSQL only")
    actor = actor_for_membership(MembershipFactory())
    Programme.objects.create(workspace=actor.workspace, pending_days=0)
    customer = CustomerFactory(workspace=actor.workspace)
    # ฿2,500 at 1 point per ฿25: 100 points, enough for 14 redemptions of 7, not 50.
    OrderFactory(workspace=actor.workspace, customer=customer, total_satang=250_000)
    account = Account.objects.get(customer=customer)
    assert account.balance == 100
    secret = api_key_create(actor=actor, name="tills", scope=ApiKey.Scope.READ_WRITE).secret
    start = threading.Barrier(TILLS)

    def till(i: int) -> tuple[int, Any]:
        try:
            start.wait(timeout=30)
            response = Client().post(
                f"/api/v1/loyalty/accounts/{customer.pk}/redeem",
                {"points": EACH},
                content_type="application/json",
                headers={"X-API-Key": secret, "Idempotency-Key": f"till-{i}"},
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=TILLS) as pool:
        results = list(pool.map(till, range(TILLS)))

    statuses = [status for status, _body in results]
    assert set(statuses) <= {201, 409}, results
    accepted = statuses.count(201)
    assert accepted == 100 // EACH
    assert all(
        body["error"]["code"] == "insufficient_points" for status, body in results if status == 409
    )
    account.refresh_from_db()
    assert account.balance == 100 - accepted * EACH >= 0
    assert Redemption.objects.filter(account=account).count() == accepted
    assert LedgerEntry.objects.filter(account=account, kind="redeem").count() == accepted
    assert_consistent(account)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_expiry_in_threads_expires_each_range_once(monkeypatch: Any) -> None:
    """On PostgreSQL the nightly expiry works on ranges of accounts in threads, each with its
    own connection and transaction: every member's points expire once, with one timeline row,
    and the cached balances still equal the ledger."""
    if connection.vendor != "postgresql":
        pytest.skip("the threaded expiry runs on PostgreSQL only")
    monkeypatch.setattr(services, "EXPIRY_BATCH", 2)  # 7 members: 4 ranges, 2 threads
    actor = actor_for_membership(MembershipFactory())
    Programme.objects.create(workspace=actor.workspace, pending_days=0)
    customers = [CustomerFactory(workspace=actor.workspace) for _ in range(7)]
    for customer in customers:  # ฿2,500: 100 points each, expiring 12 months on
        OrderFactory(workspace=actor.workspace, customer=customer, total_satang=250_000)
    later = timezone.now() + dt.timedelta(days=800)

    result = services.loyalty_nightly(workspace=actor.workspace, now=later)
    again = services.loyalty_nightly(workspace=actor.workspace, now=later)

    assert (result.expired, again.expired) == (700, 0)
    for customer in customers:
        account = Account.objects.get(customer=customer)
        assert account.balance == 0
        assert LedgerEntry.objects.filter(account=account, kind="expire").count() == 1
        assert_consistent(account)
    rows = TimelineEvent.objects.filter(workspace=actor.workspace, type="points.expired")
    assert sorted(rows.values_list("customer_id", flat=True)) == sorted(c.pk for c in customers)
