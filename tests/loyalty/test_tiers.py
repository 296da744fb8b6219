"""Tiers: up at once when a member qualifies, down only at the review after the hold, the
tier's multiplier on earning, tier.changed on the timeline, the API and the coupons' resolver."""

from __future__ import annotations

import datetime as dt

import pytest

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.loyalty.coupons.tiers import customer_tier
from samphan.loyalty.models import Account, Programme
from samphan.loyalty.services import loyalty_nightly
from samphan.loyalty.tiers import months_after, tiers_replace
from samphan.timeline.models import TimelineEvent
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, OrderFactory

TIERS = [
    {"name": "Member", "code": "member", "threshold": 0},
    {"name": "Silver", "code": "silver", "threshold": 500_000, "multiplier_percent": 200},
]


def test_up_at_once_down_only_at_review(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0, tier_hold_months=12)
    tiers_replace(actor=owner, tiers=TIERS)
    customer = CustomerFactory(workspace=owner.workspace)
    first = OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    account = Account.objects.select_related("tier").get(customer=customer)
    assert account.tier is not None and account.tier.code == "member"
    assert account.balance == 40
    assert customer_tier(workspace_id=owner.workspace.pk, customer_id=customer.pk) == "member"
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=400_000)  # ฿5,000
    account.refresh_from_db()
    assert account.tier is not None and account.tier.code == "silver"
    assert account.balance == 40 + 160
    # Silver doubles what the next order earns.
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=25_000)
    account.refresh_from_db()
    assert account.balance == 200 + 20
    changes = TimelineEvent.objects.filter(type="tier.changed", customer=customer)
    assert [e.payload["new_tier"] for e in changes.order_by("pk")] == ["Member", "Silver"]
    assert first.pk
    # Before the review nothing moves down, even when the window no longer holds the spend.
    assert account.tier_review_at is not None
    before = account.tier_review_at - dt.timedelta(days=1)
    far = months_after(account.tier_review_at, 13)
    loyalty_nightly(workspace=owner.workspace, now=before)
    account.refresh_from_db()
    assert account.tier is not None and account.tier.code == "silver"
    # At a review 13 months on, the window is empty: down to Member.
    loyalty_nightly(workspace=owner.workspace, now=far)
    account.refresh_from_db()
    assert account.tier is not None and account.tier.code == "member"
    down = TimelineEvent.objects.filter(type="tier.changed", customer=customer).latest("pk")
    assert down.payload["direction"] == "down"


def test_tiers_are_checked(owner: Actor) -> None:
    with pytest.raises(ApplicationError) as error:
        tiers_replace(
            actor=owner,
            tiers=[{"name": "A", "threshold": 10}, {"name": "B", "threshold": 5}],
        )
    assert error.value.code == "invalid_tiers"
    assert customer_tier(workspace_id=owner.workspace.pk, customer_id=1) is None


def test_tiers_through_the_api(api_rw: ApiClient, owner: Actor) -> None:
    response = api_rw.request(
        "PUT",
        "/api/v1/loyalty/programme",
        {"tier_basis": "spend", "tiers": TIERS},
    )
    assert response.status_code == 200, response.json()
    assert [t["code"] for t in response.json()["tiers"]] == ["member", "silver"]
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=600_000)
    account = api_rw.get(f"/api/v1/loyalty/accounts/{customer.pk}").json()
    assert account["tier"] == "silver" and account["tier_name"] == "Silver"
    liability = api_rw.get("/api/v1/loyalty/liability").json()
    assert [row["tier"] for row in liability["by_tier"]] == ["silver"]
    # Renaming keeps members (same code); removing a tier leaves its members in none.
    api_rw.request("PUT", "/api/v1/loyalty/programme", {"tiers": TIERS[:1]})
    account = api_rw.get(f"/api/v1/loyalty/accounts/{customer.pk}").json()
    assert account["tier"] is None
