"""Any sequence of earning, release, redemption, expiry, partial refund and reversal keeps the
cached balances equal to the ledger's sums; a redemption never takes the available balance
below zero; spending and expiry take the earliest-expiring points first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samphan.core.access import Actor
from samphan.loyalty import ledger
from samphan.loyalty.models import Account, LedgerEntry, OrderPoints, PointLot, Programme
from samphan.loyalty.services import (
    RefundLine,
    loyalty_nightly,
    order_refund_reverse,
    order_void_reverse,
    orders_earn,
)
from tests.factories import CustomerFactory, OrderFactory, SalesChannelFactory, line
from tests.loyalty.helpers import assert_consistent

FAR = dt.datetime.max.replace(tzinfo=dt.UTC)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 4), st.integers(100, 200_000)),
        st.tuples(st.just("wait"), st.integers(0, 200)),
        st.tuples(st.just("redeem"), st.integers(1, 120)),
        st.tuples(st.just("refund_line"), st.integers(0, 5), st.integers(1, 3)),
        st.tuples(st.just("refund_amount"), st.integers(0, 5), st.integers(1, 100)),
        st.tuples(st.just("void"), st.integers(0, 5)),
        st.tuples(st.just("restore"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=14,
)


def _fifo_key(lot: PointLot) -> tuple[Any, ...]:
    return (lot.expires_at or FAR, lot.available_at, lot.pk)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps, pending_days=st.sampled_from([0, 7]), months=st.sampled_from([1, 3]))
def test_any_sequence_keeps_the_ledger_true(
    owner: Actor, script: list[tuple[Any, ...]], pending_days: int, months: int
) -> None:
    with transaction.atomic():
        _run(owner, script, pending_days, months)
        transaction.set_rollback(True)


def _run(owner: Actor, script: list[tuple[Any, ...]], pending_days: int, months: int) -> None:
    workspace = owner.workspace
    Programme.objects.update_or_create(
        workspace=workspace,
        defaults={"is_active": False, "pending_days": pending_days, "expiry_months": months},
    )
    customer = CustomerFactory(workspace=workspace)
    channel = SalesChannelFactory(workspace=workspace)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)
    orders: list[Any] = []
    redemptions: list[Any] = []
    refund_id = 0
    for step in script:
        kind = step[0]
        if kind == "earn":
            _, quantity, price = step
            Programme.objects.filter(workspace=workspace).update(is_active=False)
            order = OrderFactory(
                workspace=workspace,
                customer=customer,
                channel=channel,
                placed_at=now,
                lines=[
                    line(quantity=quantity, unit_price_satang=price),
                    line(unit_price_satang=price // 2 + 1),
                ],
            )
            Programme.objects.filter(workspace=workspace).update(is_active=True)
            orders_earn(workspace_id=workspace.pk, order_ids=[order.pk], now=now)
            orders.append(order)
        elif kind == "wait":
            now += dt.timedelta(days=step[1])
            before = {
                lot.pk: lot.remaining for lot in PointLot.objects.filter(account__customer=customer)
            }
            loyalty_nightly(workspace=workspace, now=now)
            # Whatever had expired by now is gone, and only that.
            assert not PointLot.objects.filter(
                account__customer=customer, remaining__gt=0, expires_at__lte=now
            ).exists()
            for entry in LedgerEntry.objects.filter(
                account__customer=customer, kind="expire", created_at=now
            ):
                assert entry.lot is not None and entry.lot.expires_at is not None
                assert entry.lot.expires_at <= now
                assert -entry.points <= before[entry.lot.pk] or before[entry.lot.pk] == 0
        elif kind == "redeem":
            points = step[1]
            with transaction.atomic():
                account = ledger.account_lock(workspace=workspace, customer_id=customer.pk)
                start = account.balance
                try:
                    redemption = ledger.redeem(
                        account,
                        points=points,
                        value_satang=points * 25,
                        order_id=orders[-1].pk if orders else None,
                        now=now,
                        by="test",
                    )
                except ledger.Insufficient as exc:
                    # Refused: nothing changed; it was more than was available.
                    assert points > max(account.balance, 0)
                    assert exc.available == max(account.balance, 0)
                else:
                    assert start >= points and account.balance >= 0
                    redemptions.append(redemption)
                    _assert_earliest_first(account, redemption)
        elif kind in ("refund_line", "refund_amount", "void", "restore") and orders:
            order = orders[step[1] % len(orders)]
            refund_id += 1
            if kind == "refund_line":
                first = order.lines.order_by("pk").first()
                order_refund_reverse(
                    workspace_id=workspace.pk,
                    order_id=order.pk,
                    refund_id=refund_id,
                    lines=[RefundLine(line_id=first.pk, quantity=step[2])],
                    refunded_total_satang=0,
                    total_satang=order.total_satang,
                    now=now,
                )
            elif kind == "refund_amount":
                refunded = order.total_satang * step[2] // 100
                order_refund_reverse(
                    workspace_id=workspace.pk,
                    order_id=order.pk,
                    refund_id=refund_id,
                    lines=[],
                    refunded_total_satang=refunded,
                    total_satang=order.total_satang,
                    now=now,
                )
            else:
                order_void_reverse(workspace_id=workspace.pk, order_id=order.pk, now=now)
                earned = OrderPoints.objects.filter(order=order).first()
                if earned is not None:
                    assert earned.reversed == earned.earned
        account = Account.objects.filter(customer=customer).first()
        if account is not None:
            assert_consistent(account)
    for redemption in redemptions:
        redemption.refresh_from_db()
        assert redemption.restored_points <= redemption.points


def _assert_earliest_first(account: Account, redemption: Any) -> None:
    """The lots spent form a prefix of the earliest-expiring order: every lot before the last
    one spent from is empty."""
    lots = sorted(PointLot.objects.filter(account=account, is_pending=False), key=_fifo_key)
    taken = {int(pk) for pk, _n in redemption.lots}
    last = max(i for i, lot in enumerate(lots) if lot.pk in taken)
    assert all(lot.remaining == 0 for lot in lots[:last])


@pytest.mark.django_db
def test_expiry_takes_the_earliest_points_first(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0, expiry_months=1)
    customer = CustomerFactory(workspace=owner.workspace)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    with transaction.atomic():
        account = ledger.account_lock(workspace=owner.workspace, customer_id=customer.pk)
        early = ledger.credit(
            account,
            kind="adjust",
            points=10,
            at=start,
            available_at=start,
            expires_at=start + dt.timedelta(days=10),
            now=start,
        )
        late = ledger.credit(
            account,
            kind="adjust",
            points=10,
            at=start,
            available_at=start,
            expires_at=start + dt.timedelta(days=40),
            now=start,
        )
        ledger.redeem(account, points=5, value_satang=0, order_id=None, now=start, by="")
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.remaining, late.remaining) == (5, 10)
    loyalty_nightly(workspace=owner.workspace, now=start + dt.timedelta(days=11))
    account.refresh_from_db()
    assert account.balance == 10
    assert LedgerEntry.objects.get(account=account, kind="expire").points == -5
    assert_consistent(account)
