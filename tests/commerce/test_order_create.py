import datetime as dt

import pytest

from samphan.commerce.models import Order, OrderStatus
from samphan.commerce.services import LineInput, order_create, order_status_change
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
    order = order_create(
        actor=owner, channel_id=channel.pk, customer_id=customer.pk, lines=LINES
    ).order
    order_status_change(actor=owner, order_id=order.pk, status=OrderStatus.REFUNDED, reason="คืนเงิน")
    customer.refresh_from_db()
    assert customer.orders_count == 0 and customer.total_spent_satang == 0


# --- domain rules (issue 10) ------------------------------------------------------------------


def _rejected(owner, **kw) -> ApplicationError:  # type: ignore[no-untyped-def]
    channel = SalesChannelFactory(workspace=owner.workspace)
    kw.setdefault("lines", LINES)
    with pytest.raises(ApplicationError) as err:
        order_create(actor=owner, channel_id=channel.pk, **kw)
    assert err.value.status == 422
    assert not Order.objects.exists()
    return err.value


@pytest.mark.parametrize("status", [OrderStatus.REFUNDED, OrderStatus.RETURNED])
def test_a_new_order_is_never_refunded_or_returned(owner, status) -> None:  # type: ignore[no-untyped-def]
    error = _rejected(owner, status=status)
    assert error.code == "invalid_new_order_status"
    assert error.details["field"] == "status"


def test_a_discount_cannot_exceed_the_subtotal(owner) -> None:  # type: ignore[no-untyped-def]
    subtotal = sum(x.quantity * x.unit_price_satang for x in LINES)
    error = _rejected(owner, discount_satang=subtotal + 1)
    assert error.code == "discount_exceeds_subtotal"
    assert error.details == {"field": "discount_satang", "subtotal_satang": subtotal}


def test_amounts_beyond_the_range_are_refused(owner) -> None:  # type: ignore[no-untyped-def]
    huge = [LineInput(name="ทอง", quantity=2**31 - 1, unit_price_satang=10**12)]
    assert _rejected(owner, lines=huge).code == "amount_too_large"
    too_many = [LineInput(name="ทอง", quantity=2**31, unit_price_satang=1)]
    assert _rejected(owner, lines=too_many).code == "invalid_quantity"
    assert _rejected(owner, shipping_satang=10**12 + 1).code == "amount_too_large"


@pytest.mark.parametrize(
    "placed_at",
    [
        dt.datetime(1999, 12, 31, 12, tzinfo=dt.UTC),
        dt.datetime(dt.date.today().year + 2, 1, 1, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    ],
)
def test_order_dates_are_2000_to_next_year(owner, placed_at) -> None:  # type: ignore[no-untyped-def]
    error = _rejected(owner, placed_at=placed_at)
    assert error.code == "date_out_of_range"
    assert error.details["field"] == "placed_at"


def test_a_buddhist_era_year_is_converted(owner) -> None:  # type: ignore[no-untyped-def]
    channel = SalesChannelFactory(workspace=owner.workspace)
    when = dt.datetime(2568, 3, 15, 10, tzinfo=dt.UTC)
    order = order_create(actor=owner, channel_id=channel.pk, lines=LINES, placed_at=when).order
    assert order.placed_at == dt.datetime(2025, 3, 15, 10, tzinfo=dt.UTC)
