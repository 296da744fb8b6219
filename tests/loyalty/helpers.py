"""Shared checks for the loyalty tests: the ledger's invariants."""

from __future__ import annotations

from django.db.models import Sum

from samphan.loyalty.models import Account, LedgerEntry, OrderPoints, PointLot


def assert_consistent(account: Account) -> None:
    """The cached balances equal the ledger's sums; the lots hold exactly the available
    balance (nothing while points are owed) and the pending balance; no order has more taken
    back than it earned."""
    account.refresh_from_db()
    sums = LedgerEntry.objects.filter(account=account).aggregate(
        points=Sum("points"), pending=Sum("pending_points")
    )
    assert account.balance == (sums["points"] or 0)
    assert account.pending == (sums["pending"] or 0)
    released = PointLot.objects.filter(account=account, is_pending=False).aggregate(
        s=Sum("remaining")
    )["s"]
    pending = PointLot.objects.filter(account=account, is_pending=True).aggregate(
        s=Sum("remaining")
    )["s"]
    assert (released or 0) == max(account.balance, 0)
    assert (pending or 0) == account.pending
    assert not PointLot.objects.filter(account=account, remaining__lt=0).exists()
    for earned in OrderPoints.objects.filter(account=account):
        assert 0 <= earned.reversed <= earned.earned
