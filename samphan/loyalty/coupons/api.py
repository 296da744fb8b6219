"""API: coupon campaigns and their codes, checking a code on a basket, using it on an order."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Header, Path, Schema, Status
from ninja.pagination import paginate

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, DueTime, ErrorOut, Id, Pagination, Satang, column
from samphan.core.audit import client_ip
from samphan.core.limits import MAX_ID
from samphan.loyalty.coupons import checks, selectors, services
from samphan.loyalty.coupons.models import (
    PERCENT_BP_MAX,
    CodeMode,
    CouponCampaign,
    CouponRedemption,
    Targeting,
)

router = ApiRouter(tags=["coupons"])

_REASONS = ", ".join(f"`{r}`" for r in checks.REASONS)
_LIMIT_REASONS = ", ".join(f"`{r}`" for r in sorted(checks.LIMIT_REASONS))


class CouponCampaignOut(Schema):
    id: int
    name: str
    kind: str = Field(description="value (an amount off) or percent")
    value_satang: int
    percent_bp: int = Field(description="percent off in basis points: 1250 = 12.5 %")
    min_spend_satang: int
    max_discount_satang: int | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None = Field(description="the first moment the coupon no longer works")
    total_limit: int | None
    per_customer_limit: int | None
    code_mode: str = Field(description="shared (one code) or unique (codes generated)")
    shared_code: str | None = Field(description="the shared code; null for unique codes")
    targeting: str = Field(description="none, segment or tier")
    segment_id: int | None
    tier_code: str
    is_active: bool
    redeemed_count: int
    remaining_uses: int | None = Field(description="under total_limit; null: no limit")
    discount_total_satang: int
    code_total: int
    created_at: dt.datetime

    @staticmethod
    def resolve_remaining_uses(obj: CouponCampaign) -> int | None:
        return selectors.remaining_uses(obj)

    @staticmethod
    def resolve_shared_code(obj: CouponCampaign) -> str | None:
        if obj.code_mode != CodeMode.SHARED:
            return None
        return getattr(obj, "first_code", None)

    @staticmethod
    def resolve_code_total(obj: CouponCampaign) -> int:
        return getattr(obj, "code_total", None) or obj.codes.count()


class CouponCampaignIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "สงกรานต์ ลด 10%",
                    "kind": "percent",
                    "percent_bp": 1000,
                    "max_discount_satang": 20000,
                    "min_spend_satang": 50000,
                    "starts_at": "2027-04-10T00:00:00+07:00",
                    "ends_at": "2027-04-17T00:00:00+07:00",
                    "total_limit": 500,
                    "per_customer_limit": 1,
                    "code_mode": "shared",
                    "code": "SONGKRAN10",
                },
                {
                    "name": "ขอบคุณลูกค้า Gold ลด 100 บาท",
                    "kind": "value",
                    "value_satang": 10000,
                    "code_mode": "unique",
                    "code_count": 200,
                    "targeting": "tier",
                    "tier_code": "gold",
                },
            ]
        }
    }

    name: str = column(CouponCampaign, "name")
    kind: str = column(CouponCampaign, "kind")
    value_satang: Satang = Field(0, description="for kind=value: the amount off, in satang")
    percent_bp: int = Field(
        0, ge=0, le=PERCENT_BP_MAX, description="for kind=percent: basis points (1000 = 10 %)"
    )
    min_spend_satang: Satang = 0
    max_discount_satang: Satang | None = Field(None, description="the largest discount (a cap)")
    starts_at: DueTime | None = None
    ends_at: DueTime | None = Field(None, description="exclusive: the coupon stops at this moment")
    total_limit: int | None = Field(None, ge=1, le=services.LIMIT_MAX)
    per_customer_limit: int | None = Field(None, ge=1, le=services.LIMIT_MAX)
    code_mode: str = column(CouponCampaign, "code_mode")
    code: str = Field(
        "", max_length=64, description="the shared code (3–32 of A–Z, 0–9, - and _; any case)"
    )
    code_count: int = Field(
        0,
        ge=0,
        le=services.CODES_PER_REQUEST_MAX,
        description="unique codes to generate now (more later with /codes)",
    )
    targeting: str = column(CouponCampaign, "targeting", Targeting.NONE)
    segment_id: Id | None = None
    tier_code: str = column(CouponCampaign, "tier_code", "")
    is_active: bool = True


@router.post(
    "/loyalty/coupons/campaigns",
    response={201: CouponCampaignOut, 409: ErrorOut},
    summary="Create a coupon campaign",
    description=(
        "Owners and managers (`coupon.manage`). A campaign has one shared `code`, or unique "
        "codes (`code_mode: unique`, `code_count` generated now, up to "
        f"{services.CODES_PER_REQUEST_MAX:,} a request). Errors: 409 `coupon_code_exists`; "
        "422 `invalid_code`, `invalid_percent`, `invalid_value`, `invalid_window`, "
        "`segment_not_found`, `tier_required`, `too_many_codes`."
    ),
)
def campaign_create(request: HttpRequest, payload: CouponCampaignIn) -> object:
    actor = actor_of(request)
    campaign = services.campaign_create(
        actor=actor,
        ip=client_ip(request),
        **payload.dict(),
    )
    return Status(201, selectors.campaign_get(actor=actor, campaign_id=campaign.pk))


@router.get(
    "/loyalty/coupons/campaigns",
    response=list[CouponCampaignOut],
    summary="List coupon campaigns, newest first",
)
@paginate(Pagination)
def campaign_list(request: HttpRequest) -> object:
    return selectors.campaign_list(actor=actor_of(request))


@router.get(
    "/loyalty/coupons/campaigns/{campaign_id}",
    response=CouponCampaignOut,
    summary="One coupon campaign, with its uses",
)
def campaign_detail(request: HttpRequest, campaign_id: Id) -> object:
    return selectors.campaign_get(actor=actor_of(request), campaign_id=campaign_id)


class CodeOut(Schema):
    code: str
    customer_id: int | None
    redeemed_count: int


class CodesIn(Schema):
    model_config = {
        "json_schema_extra": {"examples": [{"count": 100}, {"customer_ids": [12, 57, 91]}]}
    }

    count: int = Field(
        0, ge=0, le=services.CODES_PER_REQUEST_MAX, description="codes not bound to anyone"
    )
    customer_ids: list[Id] = Field(
        default_factory=list,
        max_length=services.CODES_PER_REQUEST_MAX,
        description="one code for each customer who has none in this campaign yet",
    )


class CodesOut(Schema):
    codes: list[CodeOut]


@router.post(
    "/loyalty/coupons/campaigns/{campaign_id}/codes",
    response={201: CodesOut, 409: ErrorOut},
    summary="Generate unique codes",
    description=(
        "Give either `count` or `customer_ids` (a code bound to each). Codes are 10 characters "
        "drawn at random from 23456789ABCDEFGHJKMNPQRSTUVWXYZ (no 0/O, 1/I/L). Errors: 409 "
        "`campaign_has_shared_code`; 422 `count_or_customers`, `customer_not_found`, "
        f"`too_many_codes` (at most {services.CODES_PER_REQUEST_MAX:,} a request and "
        f"{services.CODES_PER_CAMPAIGN_MAX:,} a campaign)."
    ),
)
def codes_generate(request: HttpRequest, campaign_id: Id, payload: CodesIn) -> object:
    codes = services.codes_generate(
        actor=actor_of(request),
        campaign_id=campaign_id,
        count=payload.count,
        customer_ids=payload.customer_ids,
    )
    return Status(201, {"codes": codes})


@router.get(
    "/loyalty/coupons/campaigns/{campaign_id}/codes",
    response=list[CodeOut],
    summary="A campaign's codes, oldest first",
)
@paginate(Pagination)
def code_list(
    request: HttpRequest,
    # A default, not Annotated: @paginate reads the annotations in ninja's own module.
    campaign_id: int = Path(..., ge=1, le=MAX_ID),
) -> object:
    return selectors.campaign_codes(actor=actor_of(request), campaign_id=campaign_id)


class ValidateIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {"code": "SONGKRAN10", "subtotal_satang": 65000, "customer_id": 12}
        }
    }

    code: str = Field(max_length=64, description="as typed: case and spaces are ignored")
    subtotal_satang: Satang = Field(description="the basket before the discount")
    customer_id: Id | None = Field(None, description="the member, if known (walk-in: null)")


class ValidateOut(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "valid": True,
                    "code": "SONGKRAN10",
                    "discount_satang": 6500,
                    "campaign_id": 3,
                    "campaign_name": "สงกรานต์ ลด 10%",
                    "reason": "",
                    "message": "",
                    "details": {},
                },
                {
                    "valid": False,
                    "code": "SONGKRAN10",
                    "discount_satang": 0,
                    "campaign_id": None,
                    "campaign_name": "",
                    "reason": "coupon_min_spend",
                    "message": "คูปองนี้ต้องซื้อขั้นต่ำ ฿500.00",
                    "details": {"min_spend_satang": 50000, "short_by_satang": 15000},
                },
            ]
        }
    }

    valid: bool
    code: str
    discount_satang: int = Field(description="never more than subtotal_satang")
    campaign_id: int | None
    campaign_name: str
    reason: str = Field(description=f"why not, when not valid: one of {_REASONS}")
    message: str = Field(description="the reason in words, in the request's language")
    details: dict


@router.post(
    "/loyalty/coupons/validate",
    response={200: ValidateOut, 404: ErrorOut},
    summary="Check a code on a basket",
    description=(
        "Counter staff and up (`coupon.redeem`). Answers 200 with `valid` and the discount, or "
        "`valid: false` with a `reason`. Nothing is reserved: the redemption decides under the "
        "limits. 404 `customer_not_found` for a customer not in this workspace."
    ),
)
def coupon_validate(request: HttpRequest, payload: ValidateIn) -> object:
    quote = selectors.coupon_quote(
        actor=actor_of(request),
        code=payload.code,
        subtotal_satang=payload.subtotal_satang,
        customer_id=payload.customer_id,
    )
    return {
        "valid": quote.valid,
        "code": quote.code,
        "discount_satang": quote.discount_satang,
        "campaign_id": quote.campaign.pk if quote.campaign else None,
        "campaign_name": quote.campaign.name if quote.campaign else "",
        "reason": quote.reason,
        "message": quote.message,
        "details": quote.details or {},
    }


class CouponRedeemIn(Schema):
    model_config = {"json_schema_extra": {"example": {"code": "SONGKRAN10", "order_id": 4211}}}

    code: str = Field(max_length=64, description="as typed: case and spaces are ignored")
    order_id: Id = Field(description="a paid order; its subtotal is the basket")


class RedemptionOut(Schema):
    id: int
    campaign_id: int
    code: str
    order_id: int
    order_number: str
    customer_id: int | None
    basket_satang: int
    discount_satang: int
    created_at: dt.datetime

    @staticmethod
    def resolve_code(obj: CouponRedemption) -> str:
        return obj.code.code

    @staticmethod
    def resolve_order_number(obj: CouponRedemption) -> str:
        return obj.order.number


@router.post(
    "/loyalty/coupons/redeem",
    response={200: RedemptionOut, 201: RedemptionOut, 404: ErrorOut, 409: ErrorOut},
    summary="Use a code on an order",
    description=(
        "Counter staff and up (`coupon.redeem`). Records the redemption on the order, "
        "attributed to the code's campaign, and `coupon.redeemed` on the customer's timeline. "
        "201 when recorded; 200 with the earlier redemption when this repeats one (same "
        "`Idempotency-Key`, or the same code on the same order): a till replaying its queue "
        "counts once. Limits hold under concurrent redemption. Errors: 409 "
        f"{_LIMIT_REASONS}, `order_has_coupon`, `order_not_paid`, `order_coupon_mismatch`; "
        f"422 the other reasons ({_REASONS}) and `idempotency_key_reused`; 404 "
        "`order_not_found`."
    ),
)
def coupon_redeem(
    request: HttpRequest,
    payload: CouponRedeemIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=services.IDEMPOTENCY_KEY_MAX,
        description="any unique string per redemption (e.g. a UUID); a repeat answers the same",
    ),
) -> object:
    result = services.coupon_redeem(
        actor=actor_of(request),
        code=payload.code,
        order_id=payload.order_id,
        idempotency_key=idempotency_key,
    )
    return Status(201 if result.created else 200, result.redemption)
