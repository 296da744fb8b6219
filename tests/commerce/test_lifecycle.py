import datetime as dt

import pytest
from django.utils import timezone

from samphan.commerce.lifecycle import lifecycle_refresh
from samphan.customers.models import Customer
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
