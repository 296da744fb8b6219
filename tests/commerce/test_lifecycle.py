from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from samphan.commerce.lifecycle import lifecycle_refresh, lifecycle_refresh_workspace
from samphan.core.access import Actor
from samphan.customers.events import LifecycleChanged
from samphan.customers.models import Customer, LifecycleStage
from samphan.customers.services import customer_create, customer_update
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory


@pytest.mark.parametrize(
    "orders,days_ago,stage",
    [
        (0, None, "prospect"),
        (1, 10, "first_purchase"),
        (1, 120, "active"),
        (3, 30, "repeat"),
        (7, 30, "loyal"),
        (7, 200, "at_risk"),
        (2, 400, "lapsed"),
    ],
)
def test_stage_from_summary(db, orders: int, days_ago: int | None, stage: str) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    customer = CustomerFactory(
        orders_count=orders,
        last_order_at=None if days_ago is None else now - dt.timedelta(days=days_ago),
    )
    lifecycle_refresh(Customer.objects.filter(pk=customer.pk), now=now)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == stage


def test_order_updates_stage(owner) -> None:  # type: ignore[no-untyped-def]
    from samphan.commerce.services import LineInput, order_create
    from tests.factories import SalesChannelFactory

    customer = CustomerFactory(workspace=owner.workspace)
    channel = SalesChannelFactory(workspace=owner.workspace)
    order_create(
        actor=owner,
        channel_id=channel.pk,
        customer_id=customer.pk,
        lines=[LineInput(name="กาแฟ", quantity=1, unit_price_satang=5500)],
    )
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "first_purchase"


# --- events and stages set by hand -------------------------------------------------------------


def _paid_sale(owner: Actor, customer: Customer) -> None:
    from samphan.commerce.services import LineInput, channels_ensure_defaults, order_create

    channel = channels_ensure_defaults(workspace=owner.workspace)[0]
    order_create(
        actor=owner,
        channel_id=channel.pk,
        customer_id=customer.pk,
        lines=[LineInput(name="กาแฟ", quantity=1, unit_price_satang=6000)],
    )


def test_a_change_of_stage_is_on_the_timeline(owner: Actor) -> None:
    customer = customer_create(actor=owner, first_name="มาลี").customer
    _paid_sale(owner, customer)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == LifecycleStage.FIRST_PURCHASE
    [event] = TimelineEvent.objects.filter(customer=customer, type=LifecycleChanged.type)
    assert event.payload == {"from": "", "to": "first_purchase", "by_hand": False}
    # A second sale makes a repeat customer: one more event, none when nothing changes.
    _paid_sale(owner, customer)
    lifecycle_refresh(Customer.objects.filter(pk=customer.pk))
    stages = TimelineEvent.objects.filter(customer=customer, type=LifecycleChanged.type)
    assert [e.payload["to"] for e in stages.order_by("id")] == ["first_purchase", "repeat"]


def test_a_stage_set_by_hand_is_kept_until_cleared(owner: Actor) -> None:
    customer = customer_create(actor=owner, first_name="มาลี").customer
    _paid_sale(owner, customer)
    customer_update(
        actor=owner,
        customer_id=customer.pk,
        data={"lifecycle_stage": "loyal", "lifecycle_stage_reason": "ลูกค้าประจำของสาขาเก่า"},
    )
    customer.refresh_from_db()
    assert customer.lifecycle_stage_by_hand and customer.lifecycle_stage == "loyal"
    assert customer.lifecycle_stage_set_by == owner.user
    assert customer.lifecycle_stage_reason == "ลูกค้าประจำของสาขาเก่า"
    # Another sale and the nightly refresh leave it alone.
    _paid_sale(owner, customer)
    lifecycle_refresh_workspace(workspace=owner.workspace)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "loyal"
    # Cleared: derived again at once (two paid orders: repeat), with who cleared it.
    customer_update(actor=owner, customer_id=customer.pk, data={"lifecycle_stage": ""})
    customer.refresh_from_db()
    assert not customer.lifecycle_stage_by_hand
    assert customer.lifecycle_stage == LifecycleStage.REPEAT
    payloads = [
        e.payload
        for e in TimelineEvent.objects.filter(
            customer=customer, type=LifecycleChanged.type
        ).order_by("id")
    ]
    assert payloads[1:] == [
        {"from": "first_purchase", "to": "loyal", "by_hand": True, "reason": "ลูกค้าประจำของสาขาเก่า"},
        {"from": "loyal", "to": "loyal", "by_hand": False, "cleared": True},
        {"from": "loyal", "to": "repeat", "by_hand": False},
    ]


def test_the_nightly_command_moves_customers_on_with_time(owner: Actor) -> None:
    from django.core.management import call_command

    customer = customer_create(actor=owner, first_name="มาลี").customer
    _paid_sale(owner, customer)
    # A year and a half later, without a purchase, she has lapsed: only time moved.
    Customer.objects.filter(pk=customer.pk).update(
        last_order_at=timezone.now() - dt.timedelta(days=540)
    )
    out = io.StringIO()
    call_command("summaries", workspace=owner.workspace.pk, stdout=out)
    customer.refresh_from_db()
    assert "1 customers" in out.getvalue()
    # The summary comes from the orders again (the order is recent), so she is first_purchase;
    # set the order itself back in time to see the lapse.
    from samphan.commerce.models import Order

    Order.objects.filter(customer=customer).update(
        placed_at=timezone.now() - dt.timedelta(days=540)
    )
    call_command("summaries", stdout=io.StringIO())
    customer.refresh_from_db()
    assert customer.lifecycle_stage == LifecycleStage.LAPSED
    assert TimelineEvent.objects.filter(
        customer=customer, type=LifecycleChanged.type, payload__to="lapsed"
    ).exists()
