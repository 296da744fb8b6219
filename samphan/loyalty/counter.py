"""The counter screen (phone- and tablet-friendly): find a member by the last digits of their
phone, a name or their card link (what the card's QR code holds), see their tier and points,
redeem part of the balance or claim a reward, and record the sale with points and a coupon
applied in one step (the receipt line shows what it earned and the new balance)."""

from __future__ import annotations

import uuid
from decimal import InvalidOperation

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.middleware import permissions_policy
from samphan.core.money import baht_to_satang, format_baht
from samphan.core.roles import Perm
from samphan.core.web import current_actor, member_required
from samphan.customers.models import Customer
from samphan.customers.selectors import customer_get, customer_search
from samphan.loyalty.cards import card_from_token
from samphan.loyalty.models import Account
from samphan.loyalty.programme import programme_get
from samphan.loyalty.rewards import member_rewards, reward_claim, reward_get
from samphan.loyalty.selectors import account_view
from samphan.loyalty.services import points_redeem
from samphan.loyalty.till import TillSale, till_sale

QUERY_MAX = 200
RESULTS = 10


def _card_token(q: str) -> str | None:
    """The token of a card link (pasted or scanned), or None."""
    if "/card/" in q:
        return q.rstrip("/").rsplit("/card/", 1)[-1].split("/")[0] or None
    return None


@member_required(Perm.LOYALTY_REDEEM)
def counter(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    q = request.GET.get("q", "").strip()[:QUERY_MAX]
    hits = []
    if q:
        token = _card_token(q)
        if token is not None:
            card = card_from_token(token)
            if card is not None and card.workspace_id == actor.workspace.pk:
                return redirect("loyalty:counter_member", customer_id=card.account.customer_id)
        else:
            hits = customer_search(actor=actor, q=q, limit=RESULTS)
            if len(hits) == 1:
                return redirect("loyalty:counter_member", customer_id=hits[0].customer.pk)
    response = render(
        request,
        "loyalty/counter.html",
        {
            "q": q,
            "hits": hits,
            "searched": bool(q),
            "can_manage": actor.can(Perm.LOYALTY_MANAGE),
        },
    )
    # The camera scans member cards here, and only here.
    response.headers["Permissions-Policy"] = permissions_policy(allow=frozenset({"camera"}))
    return response


@member_required(Perm.LOYALTY_REDEEM)
@require_http_methods(["GET", "POST"])
def counter_member(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    error = ""
    if request.method == "POST":
        try:
            points = int(request.POST.get("points", ""))
        except ValueError:
            error = _("Enter the points to use as a whole number.")
        else:
            key = request.POST.get("key", "")[:200] or None
            try:
                answer = points_redeem(
                    actor=actor, customer_id=customer.pk, points=points, idempotency_key=key
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("%(points)s points used: take %(amount)s off the bill.")
                    % {
                        "points": f"{answer.body['points']:,}",
                        "amount": format_baht(answer.body["value_satang"]),
                    },
                )
                return redirect("loyalty:counter_member", customer_id=customer.pk)
    return _member_page(request, actor, customer, error=error)


def _member_page(
    request: HttpRequest,
    actor: Actor,
    customer: Customer,
    *,
    error: str = "",
    reward_error: str = "",
    sale_error: str = "",
) -> HttpResponse:
    """The member at the counter: points, using points, the rewards they can claim now."""
    return render(
        request,
        "loyalty/counter_member.html",
        {
            "customer": customer,
            "account": account_view(actor=actor, customer_id=customer.pk),
            "programme": programme_get(workspace=actor.workspace),
            # A new key per screen: pressing the button twice (or a retried post) uses the
            # points once.
            "key": uuid.uuid4().hex,
            "error": error,
            "can_sell": actor.can(Perm.ORDER_CREATE),
            "rewards": [
                r
                for r in member_rewards(
                    workspace_id=actor.workspace.pk,
                    account=Account.objects.filter(customer=customer).first(),
                )
                if r.claimable
            ],
            "reward_error": reward_error,
            "sale_error": sale_error,
        },
        status=409 if error or reward_error or sale_error else 200,
    )


def _receipt(sale: TillSale) -> str:
    """The receipt line: the sale, what it earned and the balance now."""
    parts = [
        _("Sale %(number)s: %(total)s")
        % {"number": sale.order.number, "total": format_baht(sale.order.total_satang)}
    ]
    if sale.points_used:
        parts.append(
            _("%(points)s points used (%(value)s)")
            % {"points": f"{sale.points_used:,}", "value": format_baht(sale.points_value_satang)}
        )
    if sale.coupon_discount_satang:
        parts.append(_("coupon %(value)s") % {"value": format_baht(sale.coupon_discount_satang)})
    parts.append(_("points earned: %(points)s") % {"points": f"{sale.points_earned:,}"})
    balance = _("balance: %(available)s points") % {"available": f"{sale.account.available:,}"}
    if sale.account.pending:
        balance += " " + _("(+%(pending)s pending)") % {"pending": f"{sale.account.pending:,}"}
    parts.append(balance)
    return " · ".join(parts)


@member_required(Perm.LOYALTY_REDEEM)
@require_http_methods(["GET", "POST"])
def counter_sale(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Record the member's sale with points and a coupon applied, in one step; the receipt line
    shows what it earned and the new balance."""
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    if request.method != "POST":
        return redirect("loyalty:counter_member", customer_id=customer.pk)
    form = request.POST
    try:
        amount = baht_to_satang(form.get("amount", "").replace(",", "").strip()[:20])
        points = int(form.get("points", "").strip()[:12] or 0)
    except (InvalidOperation, ValueError):
        return _member_page(
            request, actor, customer, sale_error=_("Enter the bill in baht and whole points.")
        )
    try:
        sale = till_sale(
            actor=actor,
            customer_id=customer.pk,
            amount_satang=amount,
            key=form.get("key", "")[:64],
            note=form.get("note", "")[:200],
            points=points,
            coupon_code=form.get("coupon", "")[:64],
            payment_method=form.get("payment_method", "")[:32],
        )
    except ApplicationError as exc:
        return _member_page(request, actor, customer, sale_error=exc.message)
    messages.success(request, _receipt(sale))
    return redirect("loyalty:counter_member", customer_id=customer.pk)


@member_required(Perm.LOYALTY_REDEEM)
@require_http_methods(["GET", "POST"])
def counter_claim(request: HttpRequest, customer_id: int, reward_id: int) -> HttpResponse:
    """Claim a reward for the member (a POST from the counter screen; the screen's key makes a
    double press claim once). Another shop's member or reward is a 404 whatever the method."""
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    reward_get(actor=actor, reward_id=reward_id)
    if request.method != "POST":
        return redirect("loyalty:counter_member", customer_id=customer.pk)
    key = request.POST.get("key", "")[:200] or None
    try:
        answer = reward_claim(
            actor=actor, customer_id=customer.pk, reward_id=reward_id, idempotency_key=key
        )
    except ApplicationError as exc:
        return _member_page(request, actor, customer, reward_error=exc.message)
    messages.success(
        request,
        _("Reward claimed: give the member “%(reward)s”.") % {"reward": answer.body["reward"]},
    )
    return redirect("loyalty:counter_member", customer_id=customer.pk)


urlpatterns = [
    path("loyalty/counter/", counter, name="counter"),
    path("loyalty/counter/<int:customer_id>/", counter_member, name="counter_member"),
    path("loyalty/counter/<int:customer_id>/sale/", counter_sale, name="counter_sale"),
    path(
        "loyalty/counter/<int:customer_id>/rewards/<int:reward_id>/claim/",
        counter_claim,
        name="counter_claim",
    ),
]
