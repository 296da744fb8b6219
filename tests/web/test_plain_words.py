"""Codes recorded by imports and the API read as plain words on the pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.models import Membership
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_an_imported_payment_method_reads_as_words(
    english_owner_client: Client, owner_membership: Membership
) -> None:
    order = OrderFactory(workspace=owner_membership.workspace)
    order.payment_method = "credit_card"
    order.save(update_fields=["payment_method"])
    html = english_owner_client.get(reverse("commerce:order_detail", args=[order.pk])).content
    assert b"<dd>Card</dd>" in html and b"credit_card" not in html
