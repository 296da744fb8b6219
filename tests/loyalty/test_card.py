"""The member card: a signed personal link that opens without signing in, shows the balance,
tier and a QR code, and stops working when revoked; another shop's member is a 404."""

from __future__ import annotations

import time
from unittest import mock

from django.core import signing
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.loyalty.cards import SALT, card_from_token, card_issue, card_path, card_revoke
from samphan.loyalty.models import Programme
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, OrderFactory


def test_the_card_link_opens_without_sign_in_and_can_be_revoked(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    card = card_issue(actor=owner, customer_id=customer.pk)
    assert card_issue(actor=owner, customer_id=customer.pk).pk == card.pk  # same link
    path = card_path(card)
    anonymous = Client()
    response = anonymous.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="card-available">40<' in html and "<svg" in html
    assert owner.workspace.name in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response.get("Cache-Control", "")
    # A tampered link and a revoked one are the same 404.
    assert anonymous.get(path[:-3] + "xx/").status_code == 404
    assert card_revoke(actor=owner, customer_id=customer.pk) == 1
    assert anonymous.get(path).status_code == 404
    again = card_issue(actor=owner, customer_id=customer.pk)
    assert card_path(again) != path
    assert anonymous.get(card_path(again)).status_code == 200


def test_card_through_the_api_and_pages(
    api_rw: ApiClient, owner: Actor, owner_client: Client
) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    response = api_rw.post(f"/api/v1/loyalty/accounts/{customer.pk}/card")
    assert response.status_code == 200
    url = response.json()["card_url"]
    assert url.startswith("http")
    assert api_rw.get(f"/api/v1/loyalty/accounts/{customer.pk}").json()["card_url"] == url
    stranger = CustomerFactory()
    assert api_rw.post(f"/api/v1/loyalty/accounts/{stranger.pk}/card").status_code == 404
    page = owner_client.get(reverse("loyalty:member", kwargs={"customer_id": customer.pk}))
    assert 'id="card-link"' in page.content.decode()
    owner_client.post(
        reverse("loyalty:member_card", kwargs={"customer_id": customer.pk}), {"action": "revoke"}
    )
    assert api_rw.get(f"/api/v1/loyalty/accounts/{customer.pk}").json()["card_url"] is None


def test_the_link_is_the_same_each_time_and_old_links_still_open(owner: Actor) -> None:
    card = card_issue(actor=owner, customer_id=CustomerFactory(workspace=owner.workspace).pk)
    shown = card_path(card)
    with mock.patch("time.time", return_value=time.time() + 3600):  # an hour later
        again = card_issue(actor=owner, customer_id=card.account.customer_id)
        assert card_path(again) == shown
    # A link given out when tokens carried their time still names the card.
    old = signing.dumps([card.pk, card.nonce], salt=SALT, compress=False)
    assert card_from_token(old) == card
    assert card_from_token(old[:-2] + "xx") is None
