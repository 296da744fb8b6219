"""Merging two customers who both collected points: the duplicate's points, lots and history
move to the survivor's account, owed points are paid from the other side, the ledger stays
true; refunding an order of the merged record then reverses from the survivor."""

from __future__ import annotations

from samphan.commerce.services import order_status_change
from samphan.core.access import Actor
from samphan.customers.merge.merging import customer_merge
from samphan.loyalty.models import Account, LedgerEntry, Programme
from samphan.loyalty.services import points_redeem
from tests.factories import CustomerFactory, OrderFactory
from tests.loyalty.helpers import assert_consistent


def test_points_follow_a_merge(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    survivor = CustomerFactory(workspace=owner.workspace)
    duplicate = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=survivor, total_satang=100_000)  # 40
    theirs = OrderFactory(workspace=owner.workspace, customer=duplicate, total_satang=50_000)
    points_redeem(actor=owner, customer_id=duplicate.pk, points=20)  # duplicate: 0 left
    customer_merge(actor=owner, survivor_id=survivor.pk, merged_id=duplicate.pk)
    kept = Account.objects.get(customer=survivor)
    gone = Account.objects.get(customer=duplicate)
    assert (kept.balance, gone.balance) == (40, 0)
    assert_consistent(kept)
    assert_consistent(gone)
    # The duplicate's order was refunded after the merge: its 20 points come off the survivor.
    order_status_change(actor=owner, order_id=theirs.pk, status="refunded", reason="คืน")
    kept.refresh_from_db()
    # −20 reversed, +20 redeemed on no order: not given back.
    assert kept.balance == 20
    assert_consistent(kept)
    assert LedgerEntry.objects.filter(account=kept, kind="merge").count() == 0  # 0 moved


def test_owed_points_are_paid_from_the_other_side(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    survivor = CustomerFactory(workspace=owner.workspace)
    duplicate = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=survivor, total_satang=100_000)  # 40
    order = OrderFactory(workspace=owner.workspace, customer=duplicate, total_satang=50_000)
    points_redeem(actor=owner, customer_id=duplicate.pk, points=20)
    order_status_change(actor=owner, order_id=order.pk, status="refunded", reason="คืน")
    assert Account.objects.get(customer=duplicate).balance == -20  # owed
    customer_merge(actor=owner, survivor_id=survivor.pk, merged_id=duplicate.pk)
    kept = Account.objects.get(customer=survivor)
    assert kept.balance == 20
    assert LedgerEntry.objects.filter(account=kept, kind="merge").get().points == -20
    assert_consistent(kept)
    assert_consistent(Account.objects.get(customer=duplicate))
