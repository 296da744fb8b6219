"""The enrolment page from the shop's QR poster: join with a phone and consent, matched to an
existing customer by phone, the same answer either way, rate-limited, a bad link is a 404."""

from __future__ import annotations

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.customers.models import ConsentEvent, Customer
from samphan.loyalty.enrol import PER_ADDRESS, enrol_path
from samphan.loyalty.models import Account, Programme
from tests.factories import CustomerFactory


def test_join_match_and_limits(owner: Actor, owner_client: Client) -> None:
    cache.clear()
    Programme.objects.create(workspace=owner.workspace, welcome_bonus=50)
    overview = owner_client.get(reverse("loyalty:overview")).content.decode()
    assert 'id="enrol-link"' in overview
    url = enrol_path(owner.workspace)
    visitor = Client()
    assert visitor.get(url).status_code == 200
    refused = visitor.post(url, {"phone": "0813596920"})  # no consent
    assert refused.status_code == 422
    joined = visitor.post(
        url, {"phone": "081-359-6920", "first_name": "มาลี", "consent": "on", "marketing_sms": "on"}
    )
    assert joined.status_code == 200 and 'id="enrol-done"' in joined.content.decode()
    customer = Customer.objects.get(workspace=owner.workspace, first_name="มาลี")
    assert Account.objects.get(customer=customer).balance == 50  # welcome bonus
    assert ConsentEvent.objects.filter(customer=customer, purpose="marketing_sms").exists()
    # An existing customer's phone: matched, not duplicated; the page says the same.
    known = CustomerFactory(workspace=owner.workspace, contacts=[("phone", "0891234567")])
    again = visitor.post(url, {"phone": "+66 89 123 4567", "consent": "on"})
    assert again.status_code == 200 and 'id="enrol-done"' in again.content.decode()
    assert Customer.objects.filter(workspace=owner.workspace).count() == 2
    assert Account.objects.filter(customer=known).exists()
    # Rate limit per address.
    for _i in range(PER_ADDRESS[0]):
        visitor.post(url, {"phone": "0800000000", "consent": "on"})
    assert visitor.post(url, {"phone": "0800000001", "consent": "on"}).status_code == 429
    assert visitor.get(url[:-4] + "xyz/").status_code == 404
    cache.clear()
