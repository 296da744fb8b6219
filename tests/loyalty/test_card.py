"""The member card: a signed personal link that opens without signing in, shows the balance,
tier and a QR code, and stops working when revoked; another shop's member is a 404."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.loyalty.cards import card_issue, card_path, card_revoke
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
