"""Loyalty's part of a person's data (``core.datasubject``): their points account, ledger,
lots, redemptions, reward claims and what their orders earned. Erasure keeps the amounts (the shop's
liability must stay true) and blanks the free text a person typed (adjustment reasons)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from samphan.core.datasubject import Holding, Subject, register_part, register_unrelated
from samphan.loyalty.models import Account, LedgerEntry, MemberCard, Redemption, RewardClaim


def points_export(subject: Subject) -> dict[str, Any]:
    accounts = Account.objects.filter(
        workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
    ).order_by("pk")
    return {
        "accounts": [
            {"available": max(a.balance, 0), "pending": a.pending, "owed": max(-a.balance, 0)}
            for a in accounts
        ],
        "ledger": [
            {
                "at": e.created_at.isoformat(),
                "kind": e.kind,
                "points": e.points,
                "pending_points": e.pending_points,
                "order": e.order.number if e.order_id and e.order else "",
                "reason": e.reason,
            }
            for e in LedgerEntry.objects.filter(account__in=accounts)
            .select_related("order")
            .order_by("created_at", "pk")
        ],
        "reward_claims": [
            {
                "at": c.claimed_at.isoformat(),
                "reward": c.reward.name,
                "kind": c.reward.kind,
                "points": c.points,
            }
            for c in RewardClaim.objects.filter(
                workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
            )
            .select_related("reward")
            .order_by("claimed_at", "pk")
        ],
    }


def points_erase(subjects: Sequence[Subject]) -> int:
    """Blank the free text and revoke the member's card links (they would show the name)."""
    changed = 0
    for subject in subjects:
        changed += MemberCard.objects.filter(
            workspace_id=subject.workspace_id,
            account__customer_id__in=subject.customer_ids,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        changed += (
            LedgerEntry.objects.filter(
                workspace_id=subject.workspace_id, account__customer_id__in=subject.customer_ids
            )
            .exclude(reason="")
            .update(reason="", created_by="")
        )
        changed += (
            Redemption.objects.filter(
                workspace_id=subject.workspace_id, account__customer_id__in=subject.customer_ids
            )
            .exclude(created_by="")
            .update(created_by="")
        )
        changed += (
            RewardClaim.objects.filter(
                workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
            )
            .exclude(created_by="")
            .update(created_by="")
        )
    return changed


register_part(
    key="loyalty.points",
    label=gettext_lazy("Loyalty points"),
    holds=[
        Holding(
            "loyalty.Account",
            personal=(),
            kept=(
                "customer",
                "balance",
                "pending",
                "version",
                "tier",
                "tier_since",
                "tier_review_at",
                "created_at",
                "updated_at",
            ),
        ),
        Holding(
            "loyalty.LedgerEntry",
            personal=("reason", "created_by"),
            kept=(
                "account",
                "kind",
                "points",
                "pending_points",
                "order",
                "redemption",
                "lot",
                "created_at",
            ),
        ),
        Holding(
            "loyalty.PointLot",
            personal=(),
            kept=(
                "account",
                "order",
                "points",
                "remaining",
                "is_pending",
                "available_at",
                "expires_at",
                "created_at",
            ),
        ),
        Holding(
            "loyalty.Redemption",
            personal=("created_by",),
            kept=(
                "account",
                "order",
                "points",
                "value_satang",
                "restored_points",
                "lots",
                "created_at",
            ),
        ),
        Holding(
            "loyalty.OrderPoints",
            personal=(),
            kept=(
                "order",
                "account",
                "lot",
                "earned",
                "reversed",
                "base_satang",
                "lines",
                "refund_ids",
                "created_at",
            ),
        ),
        Holding(
            "loyalty.RewardClaim",
            personal=("created_by",),
            kept=("reward", "customer", "redemption", "points", "claimed_at"),
        ),
        Holding("loyalty.Notice", personal=(), kept=("lot", "sent_at")),
        Holding(
            "loyalty.MemberCard",
            personal=(),
            kept=("account", "nonce", "created_at", "revoked_at"),
        ),
    ],
    export=points_export,
    erase=points_erase,
    order=30,
)

register_unrelated("loyalty.Programme", "the shop's points programme")
register_unrelated("loyalty.Tier", "the shop's membership tiers")
register_unrelated("loyalty.Reward", "the shop's reward catalogue")
register_unrelated("loyalty.IdempotentRequest", "stored answers to retried API requests")
