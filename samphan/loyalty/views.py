"""Loyalty pages: the overview with the points liability, the programme settings, the reward
catalogue, and adding or taking off a member's points by hand."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers.selectors import customer_get
from samphan.loyalty.cards import card_from_token, card_issue, card_revoke, qr_svg
from samphan.loyalty.enrol import enrol_path
from samphan.loyalty.forms import AdjustForm, ProgrammeForm, RewardForm
from samphan.loyalty.models import EntryKind, LedgerEntry
from samphan.loyalty.programme import programme_get, programme_update
from samphan.loyalty.rewards import (
    member_rewards,
    reward_create,
    reward_get,
    reward_list,
    reward_update,
)
from samphan.loyalty.selectors import account_view, ledger_list, liability, next_expiries
from samphan.loyalty.services import points_adjust

LEDGER_ROWS = 50
CARD_ROWS = 10
CARD_TOKEN_MAX = 200
REWARDS_SHOWN = 500


@member_required(Perm.LOYALTY_MANAGE)
def overview(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    join = request.build_absolute_uri(enrol_path(actor.workspace))
    return render(
        request,
        "loyalty/overview.html",
        {
            "liability": liability(actor=actor),
            "programme": programme_get(workspace=actor.workspace),
            "enrol_url": join,
            "enrol_qr": mark_safe(qr_svg(join)),  # our own SVG
        },
    )


@member_required(Perm.LOYALTY_MANAGE)
@require_http_methods(["GET", "POST"])
def programme(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    current = programme_get(workspace=actor.workspace)
    form = ProgrammeForm(
        request.POST or None,
        workspace=actor.workspace,
        initial=ProgrammeForm.initial_for(current),
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme_update(actor=actor, changes=form.changes())
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Programme saved. New orders earn by it."))
            return redirect("loyalty:programme")
    return render(request, "loyalty/programme.html", {"form": form, "programme": current})


@member_required(Perm.LOYALTY_MANAGE)
def rewards(request: HttpRequest) -> HttpResponse:
    """The reward catalogue: what members can claim with points."""
    actor = current_actor(request)
    return render(
        request,
        "loyalty/rewards.html",
        {"rewards": list(reward_list(actor=actor)[:REWARDS_SHOWN])},
    )


@member_required(Perm.LOYALTY_MANAGE)
@require_http_methods(["GET", "POST"])
def reward_edit(request: HttpRequest, reward_id: int | None = None) -> HttpResponse:
    """A new reward, or (with ``reward_id``) a change to one; another shop's reward is a 404."""
    actor = current_actor(request)
    reward = reward_get(actor=actor, reward_id=reward_id) if reward_id is not None else None
    form = RewardForm(
        request.POST or None,
        initial=RewardForm.initial_for(reward) if reward is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if reward is None:
                reward_create(actor=actor, **form.values())
            else:
                reward_update(actor=actor, reward_id=reward.pk, changes=form.values())
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Reward saved."))
            return redirect("loyalty:rewards")
    return render(request, "loyalty/reward_form.html", {"form": form, "reward": reward})


@member_required(Perm.CUSTOMER_VIEW)
@require_http_methods(["GET", "POST"])
def member(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A member's points and ledger; owners and managers may add or take off points."""
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    can_adjust = actor.can(Perm.LOYALTY_MANAGE)
    form = AdjustForm(request.POST or None)
    if request.method == "POST":
        if not can_adjust:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                points_adjust(
                    actor=actor,
                    customer_id=customer.pk,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, _("Points adjusted."))
                return redirect("loyalty:member", customer_id=customer.pk)
    return render(
        request,
        "loyalty/member.html",
        {
            "customer": customer,
            "account": account_view(actor=actor, customer_id=customer.pk, customer=customer),
            "entries": list(
                ledger_list(actor=actor, customer_id=customer.pk, customer=customer)[:LEDGER_ROWS]
            ),
            "form": form if can_adjust else None,
        },
    )


@member_required(Perm.LOYALTY_REDEEM)
@require_http_methods(["GET", "POST"])
def member_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Issue (or, with ``revoke``, revoke) the member's card link. Another shop's customer is a
    404 whatever the method; a GET goes back to the member's page."""
    actor = current_actor(request)
    customer_get(actor=actor, customer_id=customer_id)
    if request.method != "POST":
        return redirect("loyalty:member", customer_id=customer_id)
    if request.POST.get("action") == "revoke":
        card_revoke(actor=actor, customer_id=customer_id)
        messages.success(request, _("The card link no longer works."))
    else:
        card_issue(actor=actor, customer_id=customer_id)
        messages.success(request, _("Card link ready: send it to the member."))
    return redirect("loyalty:member", customer_id=customer_id)


@require_GET
def card(request: HttpRequest, token: str) -> HttpResponse:
    """The member's own card page: no sign-in, the signed link is the key. Not indexed, not
    cached, and the same 404 for a bad, unknown or revoked link."""
    if len(token) > CARD_TOKEN_MAX:
        raise Http404
    found = card_from_token(token)
    if found is None:
        raise Http404
    account = found.account
    entries = list(
        LedgerEntry.objects.filter(account=account)
        .exclude(kind=EntryKind.RELEASE)
        .order_by("-created_at", "-pk")[:CARD_ROWS]
    )
    expiries = next_expiries(account)
    response = render(
        request,
        "loyalty/card.html",
        {
            "shop": found.workspace,
            "customer": account.customer,
            "account": account,
            "available": max(account.balance, 0),
            "owed": max(-account.balance, 0),
            "entries": entries,
            "next_expiry": expiries[0] if expiries else None,
            "rewards": member_rewards(workspace_id=found.workspace_id, account=account),
            "qr": mark_safe(qr_svg(request.build_absolute_uri())),
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


app_name = "loyalty"
urlpatterns = [
    path("loyalty/", overview, name="overview"),
    path("loyalty/programme/", programme, name="programme"),
    path("loyalty/rewards/", rewards, name="rewards"),
    path("loyalty/rewards/new/", reward_edit, name="reward_new"),
    path("loyalty/rewards/<int:reward_id>/", reward_edit, name="reward_edit"),
    path("loyalty/members/<int:customer_id>/", member, name="member"),
    path("loyalty/members/<int:customer_id>/card/", member_card, name="member_card"),
    path("card/<str:token>/", card, name="card"),
]
