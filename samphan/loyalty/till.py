"""A sale at the counter with the member's benefits in one step: the bill, the points they use
and a coupon code become one order (its discount is the points' value and the coupon's), the
points redeemed on it and the coupon redeemed on it, all or nothing. The receipt line tells
what the sale earned and the new balance.

A double press (or a retried post) of the same screen is one sale: the screen's key is the
order's external id on the store channel, and the redemptions' Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.models import ChannelKind, Order, SalesChannel
from samphan.commerce.services import LineInput, order_create
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError
from samphan.core.money import format_baht
from samphan.core.roles import Perm
from samphan.loyalty.coupons.checks import code_find, coupon_check
from samphan.loyalty.coupons.codes import code_normalise
from samphan.loyalty.coupons.models import CouponRedemption
from samphan.loyalty.coupons.services import coupon_redeem
from samphan.loyalty.ledger import Insufficient
from samphan.loyalty.models import OrderPoints, Redemption
from samphan.loyalty.programme import points_value_satang, programme_get
from samphan.loyalty.selectors import AccountView, account_view
from samphan.loyalty.services import customer_of, insufficient_error, points_redeem

AMOUNT_MAX = 10_000_000_00  # ฿10 million: a typo, not a sale
NOTE_MAX = 200


@dataclass(frozen=True)
class TillSale:
    order: Order
    created: bool
    points_used: int
    points_value_satang: int
    coupon_discount_satang: int
    points_earned: int  # by this order (pending until the return window closes, if any)
    account: AccountView  # after the sale


def _invalid(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=422)


def till_sale(
    *,
    actor: Actor,
    customer_id: int,
    amount_satang: int,
    key: str,
    note: str = "",
    points: int = 0,
    coupon_code: str = "",
    payment_method: str = "",
) -> TillSale:
    """Record the member's sale with points and a coupon applied, all or nothing."""
    require(actor, Perm.ORDER_CREATE)
    require(actor, Perm.LOYALTY_REDEEM)
    if not 1 <= amount_satang <= AMOUNT_MAX:
        raise _invalid("invalid_amount", _("Enter the bill's amount."), "amount")
    if points < 0:
        raise _invalid("invalid_points", _("Enter the points to use as a whole number."), "points")
    key = key.strip()[:64]
    if not key:
        raise _invalid("key_required", _("Reload the screen and try again."), "key")
    customer = customer_of(actor, customer_id)
    channel = SalesChannel.objects.filter(workspace=actor.workspace, kind=ChannelKind.STORE).first()
    if channel is None:
        raise _invalid("no_store_channel", _("The shop has no store channel."), "channel")
    done = Order.objects.filter(channel=channel, external_id=f"till:{key}").first()
    if done is not None:  # the same screen posted again: that sale, as it was
        return _answer(actor, done, created=False)
    code = code_normalise(coupon_code) if coupon_code.strip() else ""
    coupon_discount = 0
    if code:
        found = code_find(workspace_id=actor.workspace.pk, code=code)
        coupon_discount = coupon_check(
            code=found, basket_satang=amount_satang, customer=customer, at=timezone.now()
        ).discount_satang
    value = points_value_satang(programme_get(workspace=actor.workspace), points)
    # What the member has before this sale: the points it earns can't pay for it.
    available = account_view(actor=actor, customer_id=customer.pk).available
    if points > available:
        raise insufficient_error(Insufficient(available=available, asked=points))
    if coupon_discount + value > amount_satang:
        raise _invalid(
            "discount_over_bill",
            _("Points and coupon are worth %(worth)s, more than the bill: use fewer points.")
            % {"worth": format_baht(coupon_discount + value)},
            "points",
        )
    with transaction.atomic():
        result = order_create(
            actor=actor,
            channel_id=channel.pk,
            customer_id=customer.pk,
            external_id=f"till:{key}",
            lines=[
                LineInput(
                    name=(note.strip()[:NOTE_MAX] or _("Sale")),
                    quantity=1,
                    unit_price_satang=amount_satang,
                )
            ],
            discount_satang=coupon_discount + value,
            coupon_code=code,
            payment_method=payment_method[:32],
        )
        order = result.order
        if points:
            points_redeem(
                actor=actor,
                customer_id=customer.pk,
                points=points,
                order_id=order.pk,
                idempotency_key=f"till:{key}:points",
            )
        if code:
            coupon_redeem(
                actor=actor, code=code, order_id=order.pk, idempotency_key=f"till:{key}:coupon"
            )
    return _answer(actor, order, created=result.created)


def _answer(actor: Actor, order: Order, *, created: bool) -> TillSale:
    """The sale as recorded: what its redemptions used and what it earned, read back."""
    used = Redemption.objects.filter(order=order).aggregate(
        points=Sum("points"), value=Sum("value_satang")
    )
    coupon = CouponRedemption.objects.filter(order=order).aggregate(value=Sum("discount_satang"))
    earned = OrderPoints.objects.filter(order=order).values_list("earned", flat=True).first()
    customer_id = order.customer_id
    if customer_id is None:  # a till sale always has its member
        raise ApplicationError("customer_required", _("Choose the member first."), status=422)
    return TillSale(
        order=order,
        created=created,
        points_used=int(used["points"] or 0),
        points_value_satang=int(used["value"] or 0),
        coupon_discount_satang=int(coupon["value"] or 0),
        points_earned=int(earned or 0),
        account=account_view(actor=actor, customer_id=customer_id),
    )
