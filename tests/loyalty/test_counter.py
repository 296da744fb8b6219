"""The counter screen: find a member by the last digits of their phone or their card link,
see the balance, use part of it (a double press uses it once), go on to the sale."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.core.roles import Role
from samphan.loyalty.cards import card_issue, card_path
from samphan.loyalty.models import Account, Programme
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory


def test_find_redeem_once_and_sell(owner: Actor, client: Client) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(workspace=owner.workspace, contacts=[("phone", "081-359-6920")])
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)  # 40
    staff = MembershipFactory(workspace=owner.workspace, role=Role.STAFF)
    client.force_login(staff.user)
    found = client.get(reverse("loyalty:counter"), {"q": "6920"})
    member_url = reverse("loyalty:counter_member", kwargs={"customer_id": customer.pk})
    assert found.status_code == 302 and found["Location"] == member_url
    page = client.get(member_url).content.decode()
    assert 'id="points-available">40<' in page
    assert reverse("commerce:sale_customer", kwargs={"customer_id": customer.pk}) in page
    for _press in range(2):  # the same screen's key: used once
        response = client.post(member_url, {"points": "15", "key": "screen-1"})
        assert response.status_code == 302
    assert Account.objects.get(customer=customer).balance == 25
    too_much = client.post(member_url, {"points": "26", "key": "screen-2"})
    assert too_much.status_code == 409 and 'id="redeem-error"' in too_much.content.decode()
    # The card's QR holds its link: pasting or scanning it finds the member.
    link = "https://shop.example" + card_path(card_issue(actor=owner, customer_id=customer.pk))
    by_card = client.get(reverse("loyalty:counter"), {"q": link})
    assert by_card["Location"] == member_url
    # Another shop's member is not found.
    stranger = CustomerFactory()
    other = reverse("loyalty:counter_member", kwargs={"customer_id": stranger.pk})
    assert client.get(other).status_code == 404
