"""The nightly run: pending points become available, points expire, members are warned 30
days ahead (points.expiring, once), birthday bonuses; partial refunds reverse exactly."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from samphan.core.access import Actor
from samphan.loyalty.models import Account, LedgerEntry, OrderPoints, Programme
from samphan.loyalty.services import (
    RefundLine,
    bonus_credit,
    loyalty_nightly,
    order_refund_reverse,
)
from samphan.loyalty.tasks import loyalty_nightly_all_task
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, OrderFactory, line
from tests.loyalty.helpers import assert_consistent


def test_pending_points_become_available_after_the_window(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    account = Account.objects.get(customer=customer)
    assert (account.balance, account.pending) == (0, 40)
    now = timezone.now()
    assert loyalty_nightly(workspace=owner.workspace, now=now + dt.timedelta(days=6)).released == 0
    result = loyalty_nightly(workspace=owner.workspace, now=now + dt.timedelta(days=8))
    assert result.released == 40
    account.refresh_from_db()
    assert (account.balance, account.pending) == (40, 0)
    assert loyalty_nightly(workspace=owner.workspace, now=now + dt.timedelta(days=9)).released == 0
    assert_consistent(account)


def test_expiry_warning_once_then_expiry(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0, expiry_months=2)
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=50_000)
    now = timezone.now()
    soon = now + dt.timedelta(days=45)
    assert loyalty_nightly(workspace=owner.workspace, now=soon).warned == 1
    assert loyalty_nightly(workspace=owner.workspace, now=soon).warned == 0
    warning = TimelineEvent.objects.get(type="points.expiring", customer=customer)
    assert warning.payload["points"] == 20 and warning.payload["expires_on"]
    later = now + dt.timedelta(days=70)
    assert loyalty_nightly(workspace=owner.workspace, now=later).expired == 20
    account = Account.objects.get(customer=customer)
    assert account.balance == 0
    assert TimelineEvent.objects.filter(type="points.expired", customer=customer).count() == 1
    assert_consistent(account)


def test_nightly_task_runs_every_workspace(owner: Actor) -> None:
    assert loyalty_nightly_all_task() >= 1


def test_partial_refunds_reverse_exactly_what_the_part_earned(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(workspace=owner.workspace)
    order = OrderFactory(
        workspace=owner.workspace,
        customer=customer,
        lines=[line(quantity=4, unit_price_satang=25_000), line(unit_price_satang=50_000)],
    )
    earned = OrderPoints.objects.get(order=order)
    assert earned.earned == 60  # ฿1,500
    first, second = order.lines.order_by("pk")
    # One of four units of the first line: a quarter of its 40 points.
    reversed_ = order_refund_reverse(
        workspace_id=owner.workspace.pk,
        order_id=order.pk,
        refund_id=1,
        lines=[RefundLine(line_id=first.pk, quantity=1)],
        refunded_total_satang=25_000,
        total_satang=order.total_satang,
    )
    assert reversed_ == 10
    # The same refund again (a replayed event) changes nothing.
    again = order_refund_reverse(
        workspace_id=owner.workspace.pk,
        order_id=order.pk,
        refund_id=1,
        lines=[RefundLine(line_id=first.pk, quantity=1)],
        refunded_total_satang=25_000,
        total_satang=order.total_satang,
    )
    assert again == 0
    # An amount refund bringing the total refunded to half the order: half the points in all.
    assert (
        order_refund_reverse(
            workspace_id=owner.workspace.pk,
            order_id=order.pk,
            refund_id=2,
            lines=[],
            refunded_total_satang=75_000,
            total_satang=order.total_satang,
        )
        == 20
    )
    # Refunding everything that is left can never take back more than was earned.
    order_refund_reverse(
        workspace_id=owner.workspace.pk,
        order_id=order.pk,
        refund_id=3,
        lines=[RefundLine(line_id=second.pk, quantity=5)],
        refunded_total_satang=150_000,
        total_satang=order.total_satang,
    )
    order_refund_reverse(
        workspace_id=owner.workspace.pk,
        order_id=order.pk,
        refund_id=4,
        lines=[],
        refunded_total_satang=150_000,
        total_satang=order.total_satang,
    )
    earned.refresh_from_db()
    assert earned.reversed == earned.earned == 60
    account = Account.objects.get(customer=customer)
    assert account.balance == 0
    assert_consistent(account)


def test_a_refund_of_spent_points_leaves_the_member_owing(owner: Actor) -> None:
    from samphan.loyalty.services import points_redeem

    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(workspace=owner.workspace)
    order = OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    points_redeem(actor=owner, customer_id=customer.pk, points=40)
    order_refund_reverse(
        workspace_id=owner.workspace.pk,
        order_id=order.pk,
        refund_id=9,
        lines=[],
        refunded_total_satang=50_000,
        total_satang=100_000,
    )
    account = Account.objects.get(customer=customer)
    assert account.balance == -20  # owed, not clamped
    # The next points pay it back first.
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=75_000)
    account.refresh_from_db()
    assert account.balance == 10
    assert_consistent(account)


def test_bonuses_once(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, welcome_bonus=50, birthday_bonus=30)
    customer = CustomerFactory(workspace=owner.workspace, birthday=dt.date(1990, 3, 14))
    assert bonus_credit(
        workspace=owner.workspace, customer_id=customer.pk, source="welcome", marker="welcome"
    ) in (0, 50)
    assert (
        bonus_credit(
            workspace=owner.workspace, customer_id=customer.pk, source="welcome", marker="welcome"
        )
        == 0
    )
    birthday = dt.datetime(2027, 3, 14, 3, tzinfo=dt.UTC)
    assert loyalty_nightly(workspace=owner.workspace, now=birthday).birthdays == 1
    assert loyalty_nightly(workspace=owner.workspace, now=birthday).birthdays == 0
    account = Account.objects.get(customer=customer)
    assert LedgerEntry.objects.filter(account=account, kind="bonus").count() == 2
    assert_consistent(account)
