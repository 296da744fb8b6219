"""The reward catalogue: things members claim with points (a free drink, a ฿100 voucher), with
stock and a limit per member.

A claim spends the points through the ledger's one path (``ledger.redeem``, as
``services.points_redeem`` does, idempotent per ``Idempotency-Key``): the member's account is
locked, then the reward's row, so two tills can neither overdraw the account nor give more
than the stock or the member's limit. Anything refused changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.loyalty import ledger
from samphan.loyalty.events import RewardClaimed
from samphan.loyalty.models import Account, Reward, RewardClaim, RewardKind
from samphan.loyalty.services import (
    Answer,
    _fingerprint,
    _idempotent,
    balances,
    customer_of,
    insufficient_error,
)
from samphan.timeline.publish import publish

NAME_MAX = 120
DESCRIPTION_MAX = 500
POINTS_MIN, POINTS_MAX = 1, 10_000_000
VALUE_MAX = 10_000_000_000  # satang: ฿100,000,000
STOCK_MAX = 1_000_000
LIMIT_MIN, LIMIT_MAX = 1, 1000
LIST_MAX = 500
EDITABLE = (
    "name",
    "description",
    "kind",
    "points_cost",
    "value_satang",
    "stock",
    "per_customer_limit",
    "is_active",
)


def _invalid(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=422)


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check the fields given (every one has a limit); returns them cleaned."""
    out: dict[str, Any] = {}
    if "name" in values:
        name = str(values["name"] or "").strip()
        if not name or len(name) > NAME_MAX:
            raise _invalid(
                "invalid_reward_name",
                _("Give the reward a name of up to %(max)s characters.") % {"max": NAME_MAX},
                "name",
            )
        out["name"] = name
    if "description" in values:
        description = str(values["description"] or "").strip()
        if len(description) > DESCRIPTION_MAX:
            raise _invalid(
                "invalid_reward_description",
                _("A description is at most %(max)s characters.") % {"max": DESCRIPTION_MAX},
                "description",
            )
        out["description"] = description
    if "kind" in values:
        if values["kind"] not in RewardKind.values:
            raise _invalid("invalid_reward_kind", _("Choose a free item or a voucher."), "kind")
        out["kind"] = values["kind"]
    if "points_cost" in values:
        if not _int_in(values["points_cost"], POINTS_MIN, POINTS_MAX):
            raise _invalid(
                "invalid_points_cost",
                _("A reward costs from 1 to %(max)s points.") % {"max": f"{POINTS_MAX:,}"},
                "points_cost",
            )
        out["points_cost"] = values["points_cost"]
    if "value_satang" in values:
        if not _int_in(values["value_satang"], 0, VALUE_MAX):
            raise _invalid(
                "invalid_reward_value",
                _("The value is from 0 to %(max)s satang.") % {"max": f"{VALUE_MAX:,}"},
                "value_satang",
            )
        out["value_satang"] = values["value_satang"]
    if "stock" in values:
        stock = values["stock"]
        if stock is not None and not _int_in(stock, 0, STOCK_MAX):
            raise _invalid(
                "invalid_stock",
                _("Stock is from 0 to %(max)s, or empty for unlimited.")
                % {"max": f"{STOCK_MAX:,}"},
                "stock",
            )
        out["stock"] = stock
    if "per_customer_limit" in values:
        limit = values["per_customer_limit"]
        if limit is not None and not _int_in(limit, LIMIT_MIN, LIMIT_MAX):
            raise _invalid(
                "invalid_reward_limit",
                _("The limit per member is from 1 to %(max)s, or empty for no limit.")
                % {"max": LIMIT_MAX},
                "per_customer_limit",
            )
        out["per_customer_limit"] = limit
    if "is_active" in values:
        out["is_active"] = bool(values["is_active"])
    return out


def _audit(actor: Actor, action: str, reward: Reward, data: dict[str, Any]) -> None:
    audit_record(
        action=action,
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=f"reward:{reward.pk}",
        data=data,
    )


# --- the catalogue -----------------------------------------------------------------------------


def reward_get(*, actor: Actor, reward_id: int) -> Reward:
    """The workspace's reward, or 404 (another workspace's reward too)."""
    found = Reward.objects.filter(workspace=actor.workspace, pk=reward_id).first()
    if found is None:
        raise NotFound("reward_not_found", _("Reward not found."))
    return found


def reward_list(*, actor: Actor, active_only: bool = False) -> QuerySet[Reward]:
    rewards = Reward.objects.filter(workspace=actor.workspace).annotate(claimed=Count("claims"))
    if active_only:
        rewards = rewards.filter(is_active=True)
    return rewards.order_by("-is_active", "points_cost", "pk")


def reward_create(
    *,
    actor: Actor,
    name: str,
    points_cost: int,
    kind: str = RewardKind.FREE_ITEM,
    description: str = "",
    value_satang: int = 0,
    stock: int | None = None,
    per_customer_limit: int | None = None,
    is_active: bool = True,
) -> Reward:
    """Add a reward to the catalogue (owners and managers: ``loyalty.manage``)."""
    require(actor, Perm.LOYALTY_MANAGE)
    fields = _clean(
        {
            "name": name,
            "description": description,
            "kind": kind,
            "points_cost": points_cost,
            "value_satang": value_satang,
            "stock": stock,
            "per_customer_limit": per_customer_limit,
            "is_active": is_active,
        }
    )
    with transaction.atomic():
        reward = Reward.objects.create(workspace=actor.workspace, **fields)
        _audit(actor, "loyalty.reward_created", reward, {"points_cost": reward.points_cost})
    return reward


def reward_update(*, actor: Actor, reward_id: int, changes: Mapping[str, Any]) -> Reward:
    """Change the fields given (``EDITABLE``); the row is locked, so a claim at the same moment
    sees either the old or the new stock, never a mix."""
    require(actor, Perm.LOYALTY_MANAGE)
    reward_get(actor=actor, reward_id=reward_id)
    fields = _clean({k: v for k, v in changes.items() if k in EDITABLE})
    with transaction.atomic():
        reward = Reward.objects.select_for_update().get(pk=reward_id)
        for name, value in fields.items():
            setattr(reward, name, value)
        if fields:
            reward.save(update_fields=list(fields))
            _audit(actor, "loyalty.reward_updated", reward, {"fields": sorted(fields)})
    return reward


# --- what a member can claim -------------------------------------------------------------------


@dataclass(frozen=True)
class MemberReward:
    reward: Reward
    claimed: int  # by this member
    points_short: int  # points still needed (0: enough)

    @property
    def claimable(self) -> bool:
        return self.points_short == 0


def member_rewards(*, workspace_id: int, account: Account | None) -> list[MemberReward]:
    """The active rewards a member could have: in stock and under their limit, cheapest first,
    with how many points they still need for each (0: they can claim it now)."""
    rewards = list(
        Reward.objects.filter(workspace_id=workspace_id, is_active=True)
        .filter(Q(stock__isnull=True) | Q(stock__gt=0))
        .order_by("points_cost", "pk")[:LIST_MAX]
    )
    claimed: dict[int, int] = {}
    if account is not None and rewards:
        claimed = dict(
            RewardClaim.objects.filter(
                redemption__account=account, reward__in=[r.pk for r in rewards]
            )
            .values("reward")
            .annotate(n=Count("pk"))
            .values_list("reward", "n")
        )
    available = max(account.balance, 0) if account is not None else 0
    return [
        MemberReward(
            reward=r,
            claimed=claimed.get(r.pk, 0),
            points_short=max(r.points_cost - available, 0),
        )
        for r in rewards
        if r.per_customer_limit is None or claimed.get(r.pk, 0) < r.per_customer_limit
    ]


# --- claiming ----------------------------------------------------------------------------------


def reward_claim(
    *,
    actor: Actor,
    customer_id: int,
    reward_id: int,
    idempotency_key: str | None = None,
) -> Answer:
    """The member claims a reward: its points leave the available balance (earliest-expiring
    first), the stock goes down by one and the claim is on the member's timeline. Refused,
    changing nothing: 409 ``reward_inactive``, ``out_of_stock``, ``reward_limit_reached``,
    ``insufficient_points``. Once per ``Idempotency-Key``."""
    require(actor, Perm.LOYALTY_REDEEM)
    customer = customer_of(actor, customer_id)
    reward_get(actor=actor, reward_id=reward_id)
    now = timezone.now()

    def run(account: Account) -> Answer:
        # The account is locked (``_idempotent``); now the reward, always in that order.
        reward = Reward.objects.select_for_update().get(pk=reward_id)
        if not reward.is_active:
            raise ApplicationError(
                "reward_inactive", _("This reward is not available now."), status=409
            )
        if reward.stock is not None and reward.stock <= 0:
            raise ApplicationError(
                "out_of_stock", _("This reward is out of stock."), {"stock": 0}, status=409
            )
        if reward.per_customer_limit is not None:
            claimed = RewardClaim.objects.filter(reward=reward, redemption__account=account).count()
            if claimed >= reward.per_customer_limit:
                raise ApplicationError(
                    "reward_limit_reached",
                    _("This member has already claimed this reward %(count)s times, the limit.")
                    % {"count": claimed},
                    {"limit": reward.per_customer_limit, "claimed": claimed},
                    status=409,
                )
        try:
            redemption = ledger.redeem(
                account,
                points=reward.points_cost,
                value_satang=reward.value_satang,
                order_id=None,
                now=now,
                by=actor.label,
            )
        except ledger.Insufficient as exc:
            raise insufficient_error(exc) from None
        if reward.stock is not None:
            Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
            reward.stock -= 1
        claim = RewardClaim.objects.create(
            workspace=actor.workspace,
            reward=reward,
            customer=customer,
            redemption=redemption,
            points=reward.points_cost,
            created_by=actor.label[:200],
        )
        publish(
            RewardClaimed(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                reward_id=reward.pk,
                reward=reward.name,
                points=reward.points_cost,
                claim_id=claim.pk,
                redemption_id=redemption.pk,
                balance=account.balance,
            )
        )
        return Answer(
            status=201,
            body={
                "claim_id": claim.pk,
                "reward_id": reward.pk,
                "reward": reward.name,
                "kind": reward.kind,
                "points": reward.points_cost,
                "value_satang": reward.value_satang,
                "redemption_id": redemption.pk,
                "stock": reward.stock,
                **balances(account),
            },
        )

    return _idempotent(
        actor,
        operation="reward_claim",
        customer=customer,
        key=idempotency_key,
        fingerprint=_fingerprint(customer=customer.pk, reward=reward_id),
        run=run,
    )


def claims_of(*, workspace_id: int, customer_ids: Sequence[int]) -> QuerySet[RewardClaim]:
    return (
        RewardClaim.objects.filter(workspace_id=workspace_id, customer_id__in=customer_ids)
        .select_related("reward")
        .order_by("claimed_at", "pk")
    )
