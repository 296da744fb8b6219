import pytest

from samphan.commerce.models import Order, OrderStatus
from samphan.commerce.services import LineInput, order_create
from samphan.core.errors import ApplicationError
from samphan.customers.models import Customer
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, SalesChannelFactory

LINES = [
    LineInput(name="ชาไทย", quantity=2, unit_price_satang=6500),
    LineInput(name="ขนม", quantity=1, unit_price_satang=4000),
]


def test_order_totals_summary_and_timeline(owner) -> None:  # type: ignore[no-untyped-def]
    channel = SalesChannelFactory(workspace=owner.workspace)
    customer = CustomerFactory(workspace=owner.workspace)
    result = order_create(
        actor=owner, channel_id=channel.pk, customer_id=customer.pk, lines=LINES,
        discount_satang=1000, shipping_satang=500,
    )  # fmt: skip
    order = result.order
    assert result.created
    assert (order.subtotal_satang, order.total_satang) == (17000, 16500)
    assert order.number.startswith("ST-")
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent_satang) == (1, 16500)
    event = TimelineEvent.objects.get(customer=customer, type="order.placed")
    assert event.links == {"order": order.pk} and event.payload["total_satang"] == 16500


def test_external_id_makes_it_idempotent(owner) -> None:  # type: ignore[no-untyped-def]
    channel = SalesChannelFactory(workspace=owner.workspace)
    customer = CustomerFactory(workspace=owner.workspace)
    first = order_create(
        actor=owner,
        channel_id=channel.pk,
        customer_id=customer.pk,
        lines=LINES,
        external_id="2611230001",
    )
    again = order_create(
        actor=owner,
        channel_id=channel.pk,
        customer_id=customer.pk,
        lines=LINES,
        external_id="2611230001",
    )
    assert first.created and not again.created and first.order == again.order
    assert Order.objects.count() == 1
    assert Customer.objects.get(pk=customer.pk).orders_count == 1


def test_bad_lines_are_rejected_and_nothing_is_written(owner) -> None:  # type: ignore[no-untyped-def]
    channel = SalesChannelFactory(workspace=owner.workspace)
    with pytest.raises(ApplicationError) as err:
        order_create(
            actor=owner,
            channel_id=channel.pk,
            lines=[LineInput(name="x", quantity=0, unit_price_satang=1)],
        )
    assert err.value.details["field"] == "lines[0].quantity"
    assert not Order.objects.exists()


def test_other_workspaces_customer_or_channel_cannot_be_used(owner) -> None:  # type: ignore[no-untyped-def]
    mine = SalesChannelFactory(workspace=owner.workspace)
    foreign_channel = SalesChannelFactory()
    foreign_customer = CustomerFactory()
    with pytest.raises(ApplicationError):
        order_create(actor=owner, channel_id=foreign_channel.pk, lines=LINES)
    with pytest.raises(ApplicationError):
        order_create(actor=owner, channel_id=mine.pk, customer_id=foreign_customer.pk, lines=LINES)


def test_refunded_orders_do_not_count_as_spend(owner) -> None:  # type: ignore[no-untyped-def]
    channel = SalesChannelFactory(workspace=owner.workspace)
    customer = CustomerFactory(workspace=owner.workspace)
    order_create(
        actor=owner,
        channel_id=channel.pk,
        customer_id=customer.pk,
        lines=LINES,
        status=OrderStatus.REFUNDED,
    )
    customer.refresh_from_db()
    assert customer.orders_count == 0 and customer.total_spent_satang == 0
