"""The public help form: no sign-in, per-shop signed link (a wrong token is 404), a ticket on
the web-form channel matched to the customer by phone or email, a limit per address, and spam
kept out by a honeypot and a minimum fill time."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from samphan.core.access import Actor
from samphan.customers.services.create import customer_create
from samphan.service.models import Ticket
from samphan.service.public import PER_ADDRESS, STARTED_SALT, help_path
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def _form(**extra: str) -> dict[str, str]:
    data = {
        "name": "สมหญิง",
        "phone": "081-234-5678",
        "email": "",
        "ticket_type": "complaint",
        "subject": "ของไม่ครบ",
        "body": "สั่งสามชิ้นได้สองชิ้นค่ะ",
        "website": "",
        "started": signing.dumps(time.time() - 30, salt=STARTED_SALT),
    }
    data.update(extra)
    return data


def test_a_message_becomes_a_ticket_matched_by_phone(owner: Actor) -> None:
    known = customer_create(actor=owner, first_name="สมหญิง", contacts=[("phone", "0812345678")])
    url = help_path(owner.workspace)
    page = Client().get(url)
    assert page.status_code == 200 and 'name="website"' in page.content.decode()
    response = Client().post(url, _form())
    assert response.status_code == 200 and 'id="help-done"' in response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.channel == "web_form" and ticket.type == "complaint"
    assert ticket.customer_id == known.customer.pk
    assert ticket.messages.get().body == "สั่งสามชิ้นได้สองชิ้นค่ะ"


def test_matched_by_email_too(owner: Actor) -> None:
    known = customer_create(actor=owner, first_name="เอ", contacts=[("email", "a@example.com")])
    Client().post(help_path(owner.workspace), _form(phone="", email="A@Example.com"))
    assert Ticket.objects.get().customer_id == known.customer.pk


def test_a_phone_or_an_email_is_required(owner: Actor) -> None:
    response = Client().post(help_path(owner.workspace), _form(phone="", email=""))
    assert response.status_code == 422 and not Ticket.objects.exists()


def test_honeypot_and_too_fast_are_dropped_quietly(owner: Actor) -> None:
    url = help_path(owner.workspace)
    bot = Client().post(url, _form(website="http://spam.example"))
    assert bot.status_code == 200 and 'id="help-done"' in bot.content.decode()
    fast = Client().post(url, _form(started=signing.dumps(time.time(), salt=STARTED_SALT)))
    assert 'id="help-done"' in fast.content.decode()
    forged = Client().post(url, _form(started="12345"))
    assert 'id="help-done"' in forged.content.decode()
    assert not Ticket.objects.exists()


def test_rate_limited_per_address(owner: Actor) -> None:
    url = help_path(owner.workspace)
    limit = PER_ADDRESS[0]
    for i in range(limit):
        assert Client().post(url, _form(subject=f"เรื่อง {i}")).status_code == 200
    refused = Client().post(url, _form(subject="อีกเรื่อง"))
    assert refused.status_code == 429
    assert Ticket.objects.count() == limit


def test_wrong_or_altered_token_is_404(owner: Actor) -> None:
    url = help_path(owner.workspace)
    assert Client().get(url[:-2] + "x/").status_code == 404
    assert Client().get("/help/nothing/").status_code == 404
    assert Client().get("/help/" + "a" * 300 + "/").status_code == 404


def test_each_shop_link_opens_a_ticket_in_that_shop_only(owner: Actor) -> None:
    other = WorkspaceFactory()
    Client().post(help_path(other), _form())
    ticket = Ticket.objects.get()
    assert ticket.workspace_id == other.pk
    assert ticket.customer is not None and ticket.customer.workspace_id == other.pk
    assert not Ticket.objects.filter(workspace=owner.workspace).exists()


def test_the_form_is_not_cached_or_indexed(owner: Actor) -> None:
    with mock.patch("samphan.service.public.MIN_SECONDS", 0):
        response = Client().get(help_path(owner.workspace))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
