"""Form errors: every one at once, beside its field, with what was typed kept."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samphan.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_new_customer_shows_every_contact_error_at_once(owner_client: Client) -> None:
    response = owner_client.post(
        reverse("customers:new"),
        {"first_name": "นางสมศรี", "phone": "12", "email": "not-an-email", "line_id": "x"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"phone", "email", "line_id"}
    html = response.content.decode()
    assert html.count('class="field-error"') == 3
    for typed in ('value="นางสมศรี"', 'value="12"', 'value="not-an-email"', 'value="x"'):
        assert typed in html
    # Each message follows its own field, not all at the top.
    assert html.index('name="phone"') < html.index("12”") < html.index('name="email"')
    assert not Customer.objects.exists()


def test_a_good_form_still_saves(owner_client: Client) -> None:
    response = owner_client.post(
        reverse("customers:new"), {"first_name": "นางสมศรี", "phone": "0812345678"}
    )
    assert response.status_code == 302
    assert Customer.objects.get().title == "นาง"
