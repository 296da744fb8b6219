"""Every timeline reads newest first, in Bangkok time, as relative times with the full date on
hover: the customer's timeline and an order's status history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.commerce.models import OrderStatus
from samphan.commerce.services import order_status_change
from samphan.core.access import actor_for_membership
from samphan.core.models import Membership
from samphan.customers.interaction_services import note_add
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

_TIME = re.compile(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>')


def test_customer_timeline_is_newest_first_with_relative_times(
    owner_client: Client, owner_membership: Membership
) -> None:
    actor = actor_for_membership(owner_membership)
    customer = CustomerFactory(workspace=owner_membership.workspace)
    OrderFactory(
        workspace=owner_membership.workspace,
        customer=customer,
        placed_at=timezone.now() - dt.timedelta(days=3),
    )
    note_add(actor=actor, customer_id=customer.pk, text="โทรตามแล้ว")
    html = owner_client.get(reverse("customers:timeline", args=[customer.pk])).content.decode()
    times = _TIME.findall(html)
    assert len(times) >= 3  # the note, the order, the customer created
    stamps = [dt.datetime.fromisoformat(machine) for machine, _title, _text in times]
    assert stamps == sorted(stamps, reverse=True)
    assert all(machine.endswith("+07:00") for machine, _title, _text in times)
    assert times[0][2] == "เมื่อสักครู่" or times[0][2] == "just now"
    # The full date on hover: Thai months, Buddhist Era years, Bangkok time.
    assert str(timezone.localdate().year + 543) in times[0][1]


def test_order_history_is_newest_first(owner_client: Client, owner_membership: Membership) -> None:
    actor = actor_for_membership(owner_membership)
    order = OrderFactory(
        workspace=owner_membership.workspace, placed_at=timezone.now() - dt.timedelta(hours=5)
    )
    order_status_change(
        actor=actor, order_id=order.pk, status=OrderStatus.REFUNDED, reason="ของเสีย"
    )
    html = owner_client.get(reverse("commerce:order_detail", args=[order.pk])).content.decode()
    history = html[html.index('id="history"') :]
    assert history.index("ของเสีย") < history.index("tone-ok")  # the refund above the sale
    stamps = [dt.datetime.fromisoformat(m) for m, _t, _x in _TIME.findall(history)]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == 2
