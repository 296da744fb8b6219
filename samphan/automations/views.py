"""Automation pages (under Campaigns): the journeys with their counts and the ready-made
recipes, a journey's settings and its runs with each step."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samphan.automations import selectors, services
from samphan.automations.forms import JourneyForm
from samphan.automations.recipes import recipes
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required


@member_required(Perm.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def journey_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = JourneyForm(request.POST or None, workspace=actor.workspace)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                journey = services.journey_create(actor=actor, fields=form.journey_fields())
            except ApplicationError as exc:
                add_application_error(form, exc)
                status = 422
            else:
                messages.success(request, _("Journey saved."))
                return redirect("automations:journey", journey_id=journey.pk)
        else:
            status = 422
    return render(
        request,
        "automations/list.html",
        {
            "journeys": selectors.journey_list(actor=actor),
            "recipes": recipes(),
            "form": form,
        },
        status=status,
    )


@member_required(Perm.CAMPAIGN_MANAGE)
@require_POST
def journey_from_recipe(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    try:
        journey = services.journey_create(actor=actor, recipe=request.POST.get("recipe", "")[:32])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("automations:list")
    messages.success(request, _("Journey saved."))
    return redirect("automations:journey", journey_id=journey.pk)


@member_required(Perm.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def journey_detail(request: HttpRequest, journey_id: int) -> HttpResponse:
    actor = current_actor(request)
    journey = selectors.journey_get(actor=actor, journey_id=journey_id)
    initial = {
        f: getattr(journey, f)
        for f in (
            "name",
            "trigger",
            "category",
            "days",
            "threshold",
            "match",
            "after",
            "wait_minutes",
            "stop_if_purchased",
            "coupon_campaign",
            "message",
            "tag",
            "untag",
            "follow_up",
            "is_active",
        )
    }
    form = JourneyForm(request.POST or None, initial=initial, workspace=actor.workspace)
    form.fields["trigger"].disabled = True
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fields = {k: v for k, v in form.journey_fields().items() if k != "trigger"}
            try:
                services.journey_update(actor=actor, journey_id=journey.pk, fields=fields)
            except ApplicationError as exc:
                add_application_error(form, exc)
                status = 422
            else:
                messages.success(request, _("Journey saved."))
                return redirect("automations:journey", journey_id=journey.pk)
        else:
            status = 422
    runs = selectors.run_list(actor=actor, journey_id=journey.pk)[: selectors.RUNS_SHOWN]
    return render(
        request,
        "automations/journey.html",
        {"journey": journey, "form": form, "runs": runs},
        status=status,
    )
