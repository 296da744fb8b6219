"""The reward catalogue: a claim spends the points through the ledger and takes one off the
stock; out of stock, over the member's limit or short of points is a 409 that changes nothing;
a replayed key claims once; another shop's reward or member is a 404; the counter claims, the
member card lists rewards, the data-subject export holds the claims."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.loyalty.cards import card_issue, card_path
from samphan.loyalty.models import Account, Redemption, Reward, RewardClaim
from samphan.loyalty.rewards import reward_claim, reward_create, reward_update
from samphan.loyalty.services import points_adjust
from samphan.privacy.services import customer_export
from samphan.timeline.models import TimelineEvent
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, MembershipFactory
from tests.loyalty.helpers import assert_consistent

BASE = "/api/v1/loyalty"


def _member(owner: Actor, points: int) -> Customer:
    customer = CustomerFactory(workspace=owner.workspace)
    points_adjust(actor=owner, customer_id=customer.pk, points=points, reason="เปิดบัญชี")
    return customer


def _reward(owner: Actor, **kwargs: object) -> Reward:
    values: dict[str, object] = {"name": "ชาไทยเย็นฟรี", "points_cost": 200, **kwargs}
    return reward_create(actor=owner, **values)  # type: ignore[arg-type]


def _balance(customer: Customer) -> int:
    return Account.objects.get(customer=customer).balance


def _code(exc: pytest.ExceptionInfo[ApplicationError]) -> tuple[str, int]:
    return exc.value.code, exc.value.status


def test_claim_spends_points_and_stock(owner: Actor) -> None:
    customer = _member(owner, 500)
    reward = _reward(owner, stock=3, value_satang=4500)
    answer = reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    assert answer.status == 201
    assert answer.body["available"] == 300 and answer.body["stock"] == 2
    reward.refresh_from_db()
    assert reward.stock == 2 and _balance(customer) == 300
    claim = RewardClaim.objects.get(customer=customer)
    assert claim.points == 200 and claim.redemption.points == 200
    assert claim.redemption.value_satang == 4500
    assert_consistent(Account.objects.get(customer=customer))
    event = TimelineEvent.objects.get(customer=customer, type="reward.claimed")
    assert event.payload["reward"] == "ชาไทยเย็นฟรี" and event.payload["points"] == 200


def test_unlimited_stock_stays_unlimited(owner: Actor) -> None:
    customer = _member(owner, 500)
    reward = _reward(owner)
    reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    reward.refresh_from_db()
    assert reward.stock is None and _balance(customer) == 100


def test_out_of_stock_is_409(owner: Actor) -> None:
    first, second = _member(owner, 500), _member(owner, 500)
    reward = _reward(owner, stock=1)
    reward_claim(actor=owner, customer_id=first.pk, reward_id=reward.pk)
    with pytest.raises(ApplicationError) as exc:
        reward_claim(actor=owner, customer_id=second.pk, reward_id=reward.pk)
    assert _code(exc) == ("out_of_stock", 409)
    assert _balance(second) == 500 and not RewardClaim.objects.filter(customer=second).exists()


def test_per_customer_limit_is_409(owner: Actor) -> None:
    customer = _member(owner, 1000)
    reward = _reward(owner, per_customer_limit=2, stock=10)
    for _ in range(2):
        reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    with pytest.raises(ApplicationError) as exc:
        reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    assert _code(exc) == ("reward_limit_reached", 409)
    reward.refresh_from_db()
    assert reward.stock == 8 and _balance(customer) == 600
    # Another member still can.
    other = _member(owner, 200)
    assert reward_claim(actor=owner, customer_id=other.pk, reward_id=reward.pk).status == 201


def test_insufficient_points_is_409_and_changes_nothing(owner: Actor) -> None:
    customer = _member(owner, 150)
    reward = _reward(owner, stock=5)
    with pytest.raises(ApplicationError) as exc:
        reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    assert _code(exc) == ("insufficient_points", 409)
    assert exc.value.details["available"] == 150 and exc.value.details["asked"] == 200
    reward.refresh_from_db()
    assert reward.stock == 5 and _balance(customer) == 150
    assert not RewardClaim.objects.exists() and not Redemption.objects.exists()
    assert_consistent(Account.objects.get(customer=customer))


def test_inactive_reward_is_409(owner: Actor) -> None:
    customer = _member(owner, 500)
    reward = _reward(owner)
    reward_update(actor=owner, reward_id=reward.pk, changes={"is_active": False})
    with pytest.raises(ApplicationError) as exc:
        reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    assert _code(exc) == ("reward_inactive", 409)
    assert _balance(customer) == 500


def test_replayed_key_claims_once(owner: Actor) -> None:
    customer = _member(owner, 1000)
    reward = _reward(owner, stock=5)
    first = reward_claim(
        actor=owner, customer_id=customer.pk, reward_id=reward.pk, idempotency_key="till-1"
    )
    again = reward_claim(
        actor=owner, customer_id=customer.pk, reward_id=reward.pk, idempotency_key="till-1"
    )
    assert again.replayed and again.body == first.body
    assert RewardClaim.objects.count() == 1 and _balance(customer) == 800
    reward.refresh_from_db()
    assert reward.stock == 4


@pytest.mark.parametrize(
    "changes,code",
    [
        ({"name": ""}, "invalid_reward_name"),
        ({"name": "x" * 121}, "invalid_reward_name"),
        ({"points_cost": 0}, "invalid_points_cost"),
        ({"points_cost": 10_000_001}, "invalid_points_cost"),
        ({"stock": -1}, "invalid_stock"),
        ({"stock": 1_000_001}, "invalid_stock"),
        ({"per_customer_limit": 0}, "invalid_reward_limit"),
        ({"per_customer_limit": 1001}, "invalid_reward_limit"),
        ({"kind": "cash"}, "invalid_reward_kind"),
        ({"description": "x" * 501}, "invalid_reward_description"),
    ],
)
def test_limits_are_checked(owner: Actor, changes: dict[str, object], code: str) -> None:
    reward = _reward(owner)
    with pytest.raises(ApplicationError) as exc:
        reward_update(actor=owner, reward_id=reward.pk, changes=changes)
    assert _code(exc) == (code, 422)


def test_staff_claim_but_do_not_edit_the_catalogue(owner: Actor) -> None:
    from samphan.core.access import actor_for_membership

    staff = actor_for_membership(MembershipFactory(workspace=owner.workspace, role=Role.STAFF))
    customer = _member(owner, 500)
    reward = _reward(owner)
    assert reward_claim(actor=staff, customer_id=customer.pk, reward_id=reward.pk).status == 201
    with pytest.raises(ApplicationError) as exc:
        reward_update(actor=staff, reward_id=reward.pk, changes={"points_cost": 1})
    assert exc.value.status == 403


# --- the API ------------------------------------------------------------------------------------


def test_api_create_change_claim(api_rw: ApiClient, owner: Actor) -> None:
    customer = _member(owner, 500)
    created = api_rw.post(
        f"{BASE}/rewards",
        {"name": "คูปอง ฿100", "kind": "voucher", "points_cost": 400, "value_satang": 10_000},
    )
    assert created.status_code == 201, created.json()
    reward_id = created.json()["id"]
    changed = api_rw.request("PATCH", f"{BASE}/rewards/{reward_id}", {"stock": 2})
    assert changed.status_code == 200 and changed.json()["stock"] == 2
    listed = api_rw.get(f"{BASE}/rewards").json()
    assert [r["id"] for r in listed["items"]] == [reward_id]
    url = f"{BASE}/accounts/{customer.pk}/rewards/{reward_id}/claim"
    headers = {**api_rw.headers, "Idempotency-Key": "pos-1"}
    claimed = api_rw.client.post(url, {}, content_type="application/json", headers=headers)
    assert claimed.status_code == 201, claimed.json()
    assert claimed.json()["available"] == 100 and claimed.json()["stock"] == 1
    replay = api_rw.client.post(url, {}, content_type="application/json", headers=headers)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    short = api_rw.client.post(url, {}, content_type="application/json", headers=api_rw.headers)
    assert short.status_code == 409 and short.json()["error"]["code"] == "insufficient_points"
    bad = api_rw.post(f"{BASE}/rewards", {"name": "x", "points_cost": 0})
    assert bad.status_code == 422


def test_api_another_shops_reward_or_member_is_404(api_rw: ApiClient, owner: Actor) -> None:
    customer = _member(owner, 500)
    mine = _reward(owner)
    other_ws = MembershipFactory().workspace
    theirs = Reward.objects.create(workspace=other_ws, name="ของร้านอื่น", points_cost=1)
    stranger = CustomerFactory(workspace=other_ws)
    for path, code in [
        (f"{BASE}/accounts/{customer.pk}/rewards/{theirs.pk}/claim", "reward_not_found"),
        (f"{BASE}/accounts/{stranger.pk}/rewards/{mine.pk}/claim", "customer_not_found"),
    ]:
        response = api_rw.post(path, {})
        assert response.status_code == 404 and response.json()["error"]["code"] == code
    patched = api_rw.request("PATCH", f"{BASE}/rewards/{theirs.pk}", {"points_cost": 5})
    assert patched.status_code == 404
    assert _balance(customer) == 500 and not RewardClaim.objects.exists()
    theirs.refresh_from_db()
    assert theirs.points_cost == 1
    with pytest.raises(NotFound):
        reward_claim(actor=owner, customer_id=customer.pk, reward_id=theirs.pk)


# --- pages --------------------------------------------------------------------------------------


def test_counter_lists_and_claims(owner: Actor, client: Client) -> None:
    customer = _member(owner, 300)
    tea = _reward(owner, stock=1)
    _reward(owner, name="เค้กฟรี", points_cost=1000)  # too dear: not listed
    _reward(owner, name="หมดแล้ว", points_cost=10, stock=0)  # out of stock: not listed
    staff = MembershipFactory(workspace=owner.workspace, role=Role.STAFF)
    client.force_login(staff.user)
    page_url = reverse("loyalty:counter_member", kwargs={"customer_id": customer.pk})
    page = client.get(page_url).content.decode()
    assert f'id="claim-{tea.pk}"' in page
    assert "เค้กฟรี" not in page and "หมดแล้ว" not in page
    claim_url = reverse(
        "loyalty:counter_claim", kwargs={"customer_id": customer.pk, "reward_id": tea.pk}
    )
    for _press in range(2):  # a double press with the screen's key claims once
        response = client.post(claim_url, {"key": "screen-1"})
        assert response.status_code == 302 and response["Location"] == page_url
    assert RewardClaim.objects.filter(customer=customer).count() == 1
    assert _balance(customer) == 100
    # Now out of stock (and short of points): refused on the screen, nothing changes.
    refused = client.post(claim_url, {"key": "screen-2"})
    assert refused.status_code == 409 and 'id="reward-error"' in refused.content.decode()
    assert _balance(customer) == 100
    assert client.get(claim_url).status_code == 302  # a GET goes back to the screen


def test_rewards_pages_create_and_edit(owner: Actor, owner_client: Client) -> None:
    response = owner_client.post(
        reverse("loyalty:reward_new"),
        {"name": "คูปอง ฿50", "kind": "voucher", "points_cost": "250", "value_baht": "50"},
    )
    assert response.status_code == 302
    reward = Reward.objects.get(workspace=owner.workspace)
    assert reward.value_satang == 5000 and reward.stock is None and reward.is_active is False
    edit = reverse("loyalty:reward_edit", kwargs={"reward_id": reward.pk})
    response = owner_client.post(
        edit,
        {
            "name": "คูปอง ฿50",
            "kind": "voucher",
            "points_cost": "300",
            "stock": "20",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.points_cost == 300 and reward.stock == 20 and reward.is_active
    listing = owner_client.get(reverse("loyalty:rewards")).content.decode()
    assert "คูปอง ฿50" in listing and edit in listing
    bad = owner_client.post(edit, {"name": "", "kind": "voucher", "points_cost": "0"})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()


def test_member_card_lists_rewards(owner: Actor) -> None:
    customer = _member(owner, 300)
    _reward(owner, name="ชาไทยเย็นฟรี", points_cost=200)
    _reward(owner, name="เค้กฟรี", points_cost=500)
    _reward(owner, name="ปิดแล้ว", points_cost=10, is_active=False)
    html = Client().get(card_path(card_issue(actor=owner, customer_id=customer.pk)))
    page = html.content.decode()
    assert 'id="card-rewards"' in page
    assert "ชาไทยเย็นฟรี" in page and "เค้กฟรี" in page and "ปิดแล้ว" not in page
    assert 'data-short="200"' in page  # the points still needed for the cake


def test_export_holds_the_claim(owner: Actor) -> None:
    customer = _member(owner, 500)
    reward = _reward(owner)
    reward_claim(actor=owner, customer_id=customer.pk, reward_id=reward.pk)
    document = customer_export(actor=owner, customer_id=customer.pk)
    claims = document["parts"]["loyalty.points"]["data"]["reward_claims"]
    assert [(c["reward"], c["points"]) for c in claims] == [("ชาไทยเย็นฟรี", 200)]
