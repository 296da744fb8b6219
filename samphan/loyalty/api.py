"""API: the points programme, members' accounts and ledgers, redeem and adjust (the point-of-
sale contract), the reward catalogue and claims, and the points liability."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Path, Schema, Status
from ninja.pagination import paginate

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut, Id, Pagination
from samphan.core.limits import MAX_ID
from samphan.loyalty import cards, rewards, selectors, services
from samphan.loyalty.models import EntryKind, ExpiryRule, RewardKind, Rounding, TierBasis
from samphan.loyalty.programme import (
    EDITABLE,
    MAX_POINTS,
    MAX_RULES,
    MULTIPLIER_KINDS,
    programme_get,
    programme_update,
)
from samphan.loyalty.tiers import MAX_TIERS, tiers_of, tiers_replace

router = ApiRouter(tags=["loyalty"])

IDEMPOTENCY = (
    "With an `Idempotency-Key` header (1–200 characters, e.g. a UUID per till action): the "
    "first request is done and its answer stored; the same key with the same request answers "
    "the stored answer again (with `Idempotent-Replayed: true`) and changes nothing, so a till "
    "that was offline can replay its queue. The same key with a different request is a 409 "
    "`idempotency_key_reused`. A refused request (an error) is not stored."
)


def _key_header() -> Any:
    return Header(
        None,
        alias="Idempotency-Key",
        max_length=services.IDEMPOTENCY_KEY_MAX,
        description="any unique string per action (e.g. a UUID); a replay counts once",
    )


# --- programme -------------------------------------------------------------------------------


class MultiplierIn(Schema):
    kind: str = Field(json_schema_extra={"enum": list(MULTIPLIER_KINDS)})
    id: Id
    percent: int = Field(ge=0, le=10_000, description="200 = double points, 50 = half")


class PromotionIn(Schema):
    name: str = Field("", max_length=100)
    starts_at: dt.datetime
    ends_at: dt.datetime
    percent: int = Field(ge=0, le=10_000, description="200 = double points")


class TierOut(Schema):
    code: str
    name: str
    threshold: int = Field(description="satang spent, or points earned, in the window")
    multiplier_percent: int = Field(description="earning multiplier (200 = double)")


class TierIn(Schema):
    code: str = Field("", max_length=32, description="made from the name when empty")
    name: str = Field(max_length=100)
    threshold: int = Field(ge=0, le=10**15)
    multiplier_percent: int = Field(100, ge=0, le=10_000)


class ProgrammeOut(Schema):
    is_active: bool
    points_per_unit: int = Field(description="points for every `unit_satang` spent")
    unit_satang: int = Field(description="spend per step, satang (2500 = ฿25)")
    rounding: str = Field(json_schema_extra={"enum": list(Rounding.values)})
    pending_days: int = Field(description="days points stay pending (0: available at once)")
    redeem_satang_per_point: int = Field(description="what one point is worth, satang")
    expiry_rule: str = Field(json_schema_extra={"enum": list(ExpiryRule.values)})
    expiry_months: int
    multipliers: list[dict[str, Any]]
    promotions: list[dict[str, Any]]
    excluded_category_ids: list[int]
    excluded_product_ids: list[int]
    welcome_bonus: int
    birthday_bonus: int
    tier_basis: str = Field(json_schema_extra={"enum": list(TierBasis.values)})
    tier_window_months: int = Field(description="the rolling window tiers are earned over")
    tier_hold_months: int = Field(
        description="a tier is kept at least this long; downgrades only at that review"
    )
    tiers: list[TierOut] = Field(description="lowest first")

    @staticmethod
    def resolve_tiers(obj: Any) -> list[Any]:
        return tiers_of(obj.workspace_id) if obj.workspace_id else []


class ProgrammeIn(Schema):
    """Only the fields given change."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"points_per_unit": 1, "unit_satang": 2500, "rounding": "floor", "pending_days": 7},
                {
                    "tier_basis": "spend",
                    "tier_window_months": 12,
                    "tier_hold_months": 12,
                    "tiers": [
                        {"code": "member", "name": "Member", "threshold": 0},
                        {
                            "code": "silver",
                            "name": "Silver",
                            "threshold": 500000,
                            "multiplier_percent": 125,
                        },
                        {
                            "code": "gold",
                            "name": "Gold",
                            "threshold": 2000000,
                            "multiplier_percent": 150,
                        },
                    ],
                },
                {
                    "expiry_rule": "rolling",
                    "expiry_months": 12,
                    "multipliers": [{"kind": "channel", "id": 2, "percent": 200}],
                    "promotions": [
                        {
                            "name": "11.11",
                            "starts_at": "2026-11-11T00:00:00+07:00",
                            "ends_at": "2026-11-12T00:00:00+07:00",
                            "percent": 200,
                        }
                    ],
                    "excluded_category_ids": [5],
                },
            ]
        }
    }

    is_active: bool | None = None
    points_per_unit: int | None = Field(None, ge=0, le=10_000)
    unit_satang: int | None = Field(None, ge=100, le=100_000_000)
    rounding: str | None = Field(None, json_schema_extra={"enum": list(Rounding.values)})
    pending_days: int | None = Field(None, ge=0, le=365)
    redeem_satang_per_point: int | None = Field(None, ge=1, le=1_000_000)
    expiry_rule: str | None = Field(None, json_schema_extra={"enum": list(ExpiryRule.values)})
    expiry_months: int | None = Field(None, ge=1, le=120)
    multipliers: list[MultiplierIn] | None = Field(None, max_length=MAX_RULES)
    promotions: list[PromotionIn] | None = Field(None, max_length=MAX_RULES)
    excluded_category_ids: list[Id] | None = Field(None, max_length=MAX_RULES)
    excluded_product_ids: list[Id] | None = Field(None, max_length=MAX_RULES)
    welcome_bonus: int | None = Field(None, ge=0, le=1_000_000)
    birthday_bonus: int | None = Field(None, ge=0, le=1_000_000)
    tier_basis: str | None = Field(None, json_schema_extra={"enum": list(TierBasis.values)})
    tier_window_months: int | None = Field(None, ge=1, le=120)
    tier_hold_months: int | None = Field(None, ge=1, le=120)
    tiers: list[TierIn] | None = Field(
        None, max_length=MAX_TIERS, description="replaces every tier, lowest first"
    )


@router.get("/loyalty/programme", response=ProgrammeOut, summary="The points programme")
def programme_read(request: HttpRequest) -> object:
    return programme_get(workspace=actor_of(request).workspace)


@router.put(
    "/loyalty/programme",
    response=ProgrammeOut,
    summary="Change the points programme (owners and managers)",
    description=(
        "Changes only the fields given; the answer is the whole programme. Points already "
        "earned keep their dates. `tiers` replaces every tier (lowest first, thresholds "
        "rising; a tier kept by code keeps its members). Errors: 422 `invalid_tiers`, 422 `invalid_programme` (`details.field`), "
        "`validation_error`; 403 `permission_denied` (a role without `loyalty.manage`) or "
        "`read_only_key`."
    ),
)
def programme_change(request: HttpRequest, payload: ProgrammeIn) -> object:
    changes = {
        name: value
        for name, value in payload.model_dump(exclude_unset=True).items()
        if name in EDITABLE and value is not None
    }
    if "promotions" in changes:
        changes["promotions"] = [
            {**p, "starts_at": p["starts_at"].isoformat(), "ends_at": p["ends_at"].isoformat()}
            for p in changes["promotions"]
        ]
    actor = actor_of(request)
    with transaction.atomic():
        if payload.tiers is not None:
            tiers_replace(actor=actor, tiers=[t.model_dump() for t in payload.tiers])
        if changes or payload.tiers is None:
            return programme_update(actor=actor, changes=changes)
    return programme_get(workspace=actor.workspace)


# --- accounts ----------------------------------------------------------------------------------


class ExpiryOut(Schema):
    date: dt.date = Field(description="the last day the points can be used (Bangkok)")
    points: int


class AccountOut(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "customer_id": 42,
                "available": 1250,
                "pending": 40,
                "owed": 0,
                "value_satang": 31250,
                "tier": "silver",
                "tier_name": "Silver",
                "tier_review_at": "2027-12-06T10:00:00+07:00",
                "next_expiries": [{"date": "2027-01-31", "points": 300}],
                "pending_until": "2026-12-13",
                "card_url": None,
                "version": 17,
            }
        }
    }

    customer_id: int
    available: int = Field(description="points that can be spent now")
    pending: int = Field(description="points earned, spendable once the return window closes")
    owed: int = Field(description="points owed back (a refund of points already spent)")
    value_satang: int = Field(description="what the available points are worth, satang")
    tier: str | None = Field(description="the tier's code; null without tiers")
    tier_name: str | None
    tier_review_at: dt.datetime | None = Field(
        description="from when the tier may go down (reviewed nightly)"
    )
    next_expiries: list[ExpiryOut]
    pending_until: dt.date | None = Field(description="when the first pending points unlock")
    card_url: str | None = Field(
        description="the member card's link; null until one is issued (POST …/card)"
    )
    version: int = Field(description="grows with every change of the account")


@router.get(
    "/loyalty/accounts/{customer_id}",
    response=AccountOut,
    summary="A member's points",
    description="A customer who never earned has zeros. Errors: 404 `customer_not_found`.",
)
def account_read(request: HttpRequest, customer_id: Id) -> object:
    view = selectors.account_view(actor=actor_of(request), customer_id=customer_id)
    if view.card_url:
        view = dataclasses.replace(view, card_url=request.build_absolute_uri(view.card_url))
    return view


class CardOut(Schema):
    card_url: str = Field(description="the member's personal link (send it over LINE or SMS)")


@router.post(
    "/loyalty/accounts/{customer_id}/card",
    response={200: CardOut},
    summary="The member card link (issued if the member has none)",
    description=(
        "A signed, personal link to the member's card page (shop name, tier, balance, QR code, "
        "recent points). Asking again gives the same link until it is revoked. Errors: 404 "
        "`customer_not_found`; 403 `permission_denied` (a role without `loyalty.redeem`)."
    ),
)
def card_issue(request: HttpRequest, customer_id: Id) -> object:
    card = cards.card_issue(actor=actor_of(request), customer_id=customer_id)
    return {"card_url": request.build_absolute_uri(cards.card_path(card))}


class RevokedOut(Schema):
    revoked: int = Field(description="links that stopped working (0 or 1)")


@router.delete(
    "/loyalty/accounts/{customer_id}/card",
    response={200: RevokedOut},
    summary="Revoke the member card link",
    description="The link stops working at once; issuing again gives a new one.",
)
def card_revoke(request: HttpRequest, customer_id: Id) -> object:
    return {"revoked": cards.card_revoke(actor=actor_of(request), customer_id=customer_id)}


class EntryOut(Schema):
    id: int
    kind: str = Field(json_schema_extra={"enum": list(EntryKind.values)})
    points: int = Field(description="change of the available points; debits are negative")
    pending_points: int = Field(description="change of the pending points")
    order_id: int | None
    order_number: str | None
    redemption_id: int | None
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_order_number(obj: Any) -> str | None:
        return obj.order.number if obj.order_id and obj.order else None


@router.get(
    "/loyalty/accounts/{customer_id}/ledger",
    response=list[EntryOut],
    summary="A member's ledger, newest first",
    description=(
        "Every change of the member's points: `earn`, `bonus`, `release` (pending → available), "
        "`redeem`, `restore` (a redemption on a voided order given back), `expire`, `adjust`, "
        "`reverse` (a refund). Errors: 404 `customer_not_found`."
    ),
)
@paginate(Pagination)
def ledger_read(
    request: HttpRequest,
    # A default, not Annotated: @paginate reads the annotations in ninja's own module.
    customer_id: int = Path(..., ge=1, le=MAX_ID),
) -> object:
    return selectors.ledger_list(actor=actor_of(request), customer_id=customer_id)


class RedeemIn(Schema):
    model_config = {"json_schema_extra": {"example": {"points": 200, "order_id": 1234}}}

    points: int = Field(ge=1, le=MAX_POINTS, description="points to spend, at most `available`")
    order_id: Id | None = Field(None, description="the order the discount is for")


class RedeemOut(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "redemption_id": 9,
                "points": 200,
                "value_satang": 5000,
                "order_id": 1234,
                "available": 1050,
                "pending": 40,
                "owed": 0,
            }
        }
    }

    redemption_id: int
    points: int
    value_satang: int = Field(description="the discount the points are worth, satang")
    order_id: int | None
    available: int
    pending: int
    owed: int


def _answer(response: HttpResponse, answer: services.Answer) -> object:
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, answer.body)
    return Status(answer.status, answer.body)


@router.post(
    "/loyalty/accounts/{customer_id}/redeem",
    response={200: RedeemOut, 201: RedeemOut, 409: ErrorOut},
    summary="Spend a member's points",
    description=(
        "Spends points of the available balance (earliest-expiring first) as a discount worth "
        "`points × redeem_satang_per_point`. Two tills at once can never overdraw an account: "
        "the account is locked for the redemption. 201 with the redemption; 200 with the "
        "stored answer for a replayed `Idempotency-Key`.\n\n"
        + IDEMPOTENCY
        + "\n\nErrors: 409 `insufficient_points` (more than is available: `details.available`, "
        "`details.asked`), 409 `idempotency_key_reused`; 422 `invalid_idempotency_key`, "
        "`validation_error`; 404 `customer_not_found`, `order_not_found`; 403 "
        "`permission_denied` (a role without `loyalty.redeem`) or `read_only_key`."
    ),
)
def redeem(
    request: HttpRequest,
    response: HttpResponse,
    customer_id: Id,
    payload: RedeemIn,
    idempotency_key: str | None = _key_header(),
) -> object:
    answer = services.points_redeem(
        actor=actor_of(request),
        customer_id=customer_id,
        points=payload.points,
        order_id=payload.order_id,
        idempotency_key=idempotency_key,
    )
    return _answer(response, answer)


class AdjustIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {"points": 100, "reason": "ชดเชยสินค้าส่งช้า"},
                {"points": -50, "reason": "แต้มที่บันทึกซ้ำ"},
            ]
        }
    }

    points: int = Field(
        ge=-MAX_POINTS, le=MAX_POINTS, description="positive adds, negative takes off; not 0"
    )
    reason: str = Field(max_length=services.REASON_MAX, description="why (required)")


class AdjustOut(Schema):
    entry_id: int
    points: int
    reason: str
    available: int
    pending: int
    owed: int


@router.post(
    "/loyalty/accounts/{customer_id}/adjust",
    response={200: AdjustOut, 201: AdjustOut, 409: ErrorOut},
    summary="Add or take off points by hand (owners and managers)",
    description=(
        "Added points are available at once and expire like earned points; taking off more "
        "than is available is refused. The change, with its reason, is on the member's "
        "timeline and in the audit log. 201 with the ledger entry; 200 with the stored answer "
        "for a replayed `Idempotency-Key`.\n\n"
        + IDEMPOTENCY
        + "\n\nErrors: 409 `insufficient_points`, 409 `idempotency_key_reused`; 422 "
        "`invalid_points`, `reason_required`, `invalid_idempotency_key`, `validation_error`; "
        "404 `customer_not_found`; 403 `permission_denied` (a role without `loyalty.manage`) "
        "or `read_only_key`."
    ),
)
def adjust(
    request: HttpRequest,
    response: HttpResponse,
    customer_id: Id,
    payload: AdjustIn,
    idempotency_key: str | None = _key_header(),
) -> object:
    answer = services.points_adjust(
        actor=actor_of(request),
        customer_id=customer_id,
        points=payload.points,
        reason=payload.reason,
        idempotency_key=idempotency_key,
    )
    return _answer(response, answer)


class LiabilityOut(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "members": 1840,
                "outstanding_points": 412_500,
                "outstanding_satang": 10_312_500,
                "pending_points": 8_200,
                "owed_points": 35,
                "expiring_month": "2027-01-01",
                "expiring_points": 21_000,
                "expiring_satang": 525_000,
                "redeem_satang_per_point": 25,
                "by_tier": [],
            }
        }
    }

    members: int
    outstanding_points: int = Field(description="available points of all members")
    outstanding_satang: int = Field(description="their value at the redeem rate, satang")
    pending_points: int
    owed_points: int
    expiring_month: dt.date = Field(description="the first day of next month (Bangkok)")
    expiring_points: int = Field(description="points that expire during next month")
    expiring_satang: int
    redeem_satang_per_point: int
    by_tier: list[dict[str, Any]] = Field(
        description="per tier (null: members in no tier): members, outstanding points and value"
    )


@router.get(
    "/loyalty/liability",
    response=LiabilityOut,
    summary="The points liability",
    description=(
        "What the shop owes its members in points and their value in THB, and what expires "
        "next month. Errors: 403 `permission_denied` (a role without `loyalty.manage`)."
    ),
)
def liability_read(request: HttpRequest) -> object:
    return selectors.liability(actor=actor_of(request))


# --- the reward catalogue -----------------------------------------------------------------------


class RewardOut(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "id": 3,
                "name": "ชาไทยเย็นฟรี 1 แก้ว",
                "description": "",
                "kind": "free_item",
                "points_cost": 200,
                "value_satang": 4500,
                "stock": 50,
                "per_customer_limit": 1,
                "is_active": True,
                "created_at": "2026-12-06T10:00:00+07:00",
            }
        }
    }

    id: int
    name: str
    description: str
    kind: str = Field(json_schema_extra={"enum": list(RewardKind.values)})
    points_cost: int = Field(description="points a claim spends")
    value_satang: int = Field(description="what it is worth, satang (a voucher's amount)")
    stock: int | None = Field(description="left to give; null: unlimited")
    per_customer_limit: int | None = Field(description="claims per member; null: no limit")
    is_active: bool
    created_at: dt.datetime


class RewardIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "name": "ชาไทยเย็นฟรี 1 แก้ว",
                "kind": "free_item",
                "points_cost": 200,
                "value_satang": 4500,
                "stock": 50,
                "per_customer_limit": 1,
            }
        }
    }

    name: str = Field(max_length=rewards.NAME_MAX)
    description: str = Field("", max_length=rewards.DESCRIPTION_MAX)
    kind: str = Field(RewardKind.FREE_ITEM, json_schema_extra={"enum": list(RewardKind.values)})
    points_cost: int = Field(ge=rewards.POINTS_MIN, le=rewards.POINTS_MAX)
    value_satang: int = Field(0, ge=0, le=rewards.VALUE_MAX)
    stock: int | None = Field(None, ge=0, le=rewards.STOCK_MAX, description="null: unlimited")
    per_customer_limit: int | None = Field(
        None, ge=rewards.LIMIT_MIN, le=rewards.LIMIT_MAX, description="null: no limit"
    )
    is_active: bool = True


class RewardPatchIn(Schema):
    """Only the fields given change (`stock`/`per_customer_limit`: null removes the limit)."""

    name: str | None = Field(None, max_length=rewards.NAME_MAX)
    description: str | None = Field(None, max_length=rewards.DESCRIPTION_MAX)
    kind: str | None = Field(None, json_schema_extra={"enum": list(RewardKind.values)})
    points_cost: int | None = Field(None, ge=rewards.POINTS_MIN, le=rewards.POINTS_MAX)
    value_satang: int | None = Field(None, ge=0, le=rewards.VALUE_MAX)
    stock: int | None = Field(None, ge=0, le=rewards.STOCK_MAX)
    per_customer_limit: int | None = Field(None, ge=rewards.LIMIT_MIN, le=rewards.LIMIT_MAX)
    is_active: bool | None = None


REWARD_ERRORS = (
    "422 `invalid_reward_name`, `invalid_reward_description`, `invalid_reward_kind`, "
    "`invalid_points_cost`, `invalid_reward_value`, `invalid_stock`, `invalid_reward_limit`, "
    "`validation_error`; 403 `permission_denied` (a role without `loyalty.manage`) or "
    "`read_only_key`."
)


@router.get(
    "/loyalty/rewards",
    response=list[RewardOut],
    summary="The reward catalogue",
    description="Available rewards first, then cheapest first.",
)
@paginate(Pagination)
def reward_list(request: HttpRequest) -> object:
    return rewards.reward_list(actor=actor_of(request))


@router.post(
    "/loyalty/rewards",
    response={201: RewardOut},
    summary="Add a reward (owners and managers)",
    description="A free item or a voucher members claim with points. Errors: " + REWARD_ERRORS,
)
def reward_create(request: HttpRequest, payload: RewardIn) -> object:
    return Status(201, rewards.reward_create(actor=actor_of(request), **payload.model_dump()))


@router.patch(
    "/loyalty/rewards/{reward_id}",
    response=RewardOut,
    summary="Change a reward (owners and managers)",
    description=(
        "Changes only the fields given; `is_active: false` takes it off the catalogue (claims "
        "stay). Errors: 404 `reward_not_found`; " + REWARD_ERRORS
    ),
)
def reward_change(request: HttpRequest, reward_id: Id, payload: RewardPatchIn) -> object:
    changes = payload.model_dump(exclude_unset=True)
    for name in ("name", "kind", "points_cost", "value_satang", "is_active", "description"):
        if changes.get(name, "") is None:
            del changes[name]  # null for a field that can't be empty: unchanged
    return rewards.reward_update(actor=actor_of(request), reward_id=reward_id, changes=changes)


class RewardClaimOut(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "claim_id": 12,
                "reward_id": 3,
                "reward": "ชาไทยเย็นฟรี 1 แก้ว",
                "kind": "free_item",
                "points": 200,
                "value_satang": 4500,
                "redemption_id": 40,
                "stock": 49,
                "available": 1050,
                "pending": 40,
                "owed": 0,
            }
        }
    }

    claim_id: int
    reward_id: int
    reward: str = Field(description="the reward's name")
    kind: str = Field(json_schema_extra={"enum": list(RewardKind.values)})
    points: int = Field(description="points spent")
    value_satang: int
    redemption_id: int = Field(description="the points' redemption in the ledger")
    stock: int | None = Field(description="left after this claim; null: unlimited")
    available: int
    pending: int
    owed: int


@router.post(
    "/loyalty/accounts/{customer_id}/rewards/{reward_id}/claim",
    response={200: RewardClaimOut, 201: RewardClaimOut, 409: ErrorOut},
    summary="Claim a reward with a member's points",
    description=(
        "Spends the reward's points of the available balance (earliest-expiring first), takes "
        "one off its stock and records the claim (on the member's timeline). Two tills at once "
        "can neither overdraw the account nor give more than the stock or the member's limit. "
        "201 with the claim; 200 with the stored answer for a replayed `Idempotency-Key`.\n\n"
        + IDEMPOTENCY
        + "\n\nErrors: 409 `insufficient_points` (`details.available`, `details.asked`), "
        "`out_of_stock`, `reward_limit_reached` (`details.limit`), `reward_inactive`, "
        "`idempotency_key_reused`; 422 `invalid_idempotency_key`; 404 `customer_not_found`, "
        "`reward_not_found`; 403 `permission_denied` (a role without `loyalty.redeem`) or "
        "`read_only_key`. A refused claim changes nothing."
    ),
)
def reward_claim(
    request: HttpRequest,
    response: HttpResponse,
    customer_id: Id,
    reward_id: Id,
    idempotency_key: str | None = _key_header(),
) -> object:
    answer = rewards.reward_claim(
        actor=actor_of(request),
        customer_id=customer_id,
        reward_id=reward_id,
        idempotency_key=idempotency_key,
    )
    return _answer(response, answer)
