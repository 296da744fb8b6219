"""Segment pages: the list with sizes over time, the builder (htmx), the detail page with
members and snapshots, freezing, deleting and exporting, and saving a suggested segment
(analytics clustering) in one click."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samphan.analytics.clustering import suggestion_get
from samphan.core.access import Actor
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_date
from samphan.core.web import current_actor, member_required
from samphan.segments import selectors, services
from samphan.segments.builder import (
    apply_action,
    field_sections,
    new_condition,
    tree_from_post,
    tree_view,
)
from samphan.segments.models import Segment, SegmentSnapshot
from samphan.segments.rules import RuleError, rules_check, rules_describe, segment_queryset

CHART_DAYS = 90


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _chart(actor: Actor, points: list[tuple[dt.datetime, int]]) -> dict[str, Any]:
    language = get_language() or "th"
    return {
        "labels": [
            format_date(timezone.localtime(at).date(), language=language) for at, _size in points
        ],
        "values": [size for _at, size in points],
        "label": _("Customers"),
    }


# --- list ----------------------------------------------------------------------------------------


@member_required(Perm.SEGMENT_MANAGE)
def segment_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    segments = list(selectors.segment_list(actor=actor))
    histories = selectors.segment_size_histories(
        actor=actor,
        segment_ids=[s.pk for s in segments],
        since=timezone.now() - dt.timedelta(days=CHART_DAYS),
    )
    rows = [
        {
            "segment": s,
            "summary": rules_describe(actor.workspace, s.rules),
            "history": len(histories[s.pk]),
        }
        for s in segments
    ]
    charts = {str(pk): _chart(actor, points) for pk, points in histories.items() if points}
    return render(request, "segments/list.html", {"rows": rows, "charts": charts})


@member_required(Perm.SEGMENT_MANAGE)
def segment_live_count(request: HttpRequest, segment_id: int) -> HttpResponse:
    """The live count of a saved segment (each list row loads its own, after the page)."""
    actor = current_actor(request)
    segment = selectors.segment_get(actor=actor, segment_id=segment_id)
    count: int | None = None
    error: RuleError | None = None
    normal, errors = rules_check(actor.workspace, segment.rules)
    if errors:
        error = errors[0]
    else:
        count = selectors.segment_count(actor=actor, tree=normal)
    return render(request, "segments/_live_count.html", {"count": count, "error": error})


# --- builder -------------------------------------------------------------------------------------


def _builder_context(
    actor: Actor,
    tree: dict[str, Any],
    *,
    segment: Segment | None,
    name: str,
    description: str,
    errors: list[RuleError] | None = None,
    name_error: str = "",
) -> dict[str, Any]:
    return {
        "segment": segment,
        "name": name,
        "description": description,
        "tree": tree_view(actor.workspace, tree, errors),
        "sections": field_sections(),
        "name_error": name_error,
        "rule_errors": errors or [],
    }


def _builder(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    actor = current_actor(request)
    if request.method == "POST":
        tree = tree_from_post(request.POST)
        name = request.POST.get("name", "")
        description = request.POST.get("description", "")
        try:
            if segment is None:
                segment = services.segment_create(
                    actor=actor, name=name, description=description, rules=tree
                )
                messages.success(request, _("Segment saved."))
            else:
                services.segment_update(
                    actor=actor,
                    segment_id=segment.pk,
                    name=name,
                    description=description,
                    rules=tree,
                )
                messages.success(request, _("Segment updated."))
        except ApplicationError as exc:
            errors: list[RuleError] = []
            name_error = ""
            if exc.code == "invalid_rules":
                errors = [RuleError(e["path"], e["message"]) for e in exc.details["errors"]]
            else:
                name_error = exc.message
            context = _builder_context(
                actor,
                tree,
                segment=segment,
                name=name,
                description=description,
                errors=errors,
                name_error=name_error,
            )
            return render(request, "segments/builder.html", context, status=422)
        return redirect("segments:detail", segment_id=segment.pk)
    if segment is None:
        return _builder_start(request, actor)
    context = _builder_context(
        actor,
        segment.rules,
        segment=segment,
        name=segment.name,
        description=segment.description,
    )
    return render(request, "segments/builder.html", context)


def _builder_start(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A new segment: an empty condition, or pre-filled from the query string with a suggested
    segment (``?suggestion=<index>&key=<key>``) or any rule tree (``?rules=<JSON>``, with
    optional ``name`` and ``description``). A pre-filled tree is checked, and its problems are
    marked in place, as after a failed save."""
    name = request.GET.get("name", "")
    description = request.GET.get("description", "")
    tree: Any = {"op": "and", "items": [new_condition()]}
    errors: list[RuleError] = []
    if "suggestion" in request.GET:
        index = _int(request.GET.get("suggestion"))
        if index is None:
            raise Http404
        try:
            suggestion = suggestion_get(actor=actor, index=index, key=request.GET.get("key", ""))
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
            return redirect("analytics:suggestions")
        tree = suggestion.rule
        name, description = services.suggestion_segment_texts(
            workspace=actor.workspace, suggestion=suggestion
        )
    elif request.GET.get("rules"):
        try:
            tree, errors = rules_check(actor.workspace, json.loads(request.GET["rules"]))
        except ValueError:
            tree = {"op": "and", "items": [new_condition()]}
            errors = [RuleError("", _("The rules in the link are not valid JSON."))]
    context = _builder_context(
        actor, dict(tree), segment=None, name=name, description=description, errors=errors
    )
    return render(request, "segments/builder.html", context)


@member_required(Perm.SEGMENT_MANAGE)
def segment_new(request: HttpRequest) -> HttpResponse:
    return _builder(request, None)


@member_required(Perm.SEGMENT_MANAGE)
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = selectors.segment_get(actor=current_actor(request), segment_id=segment_id)
    return _builder(request, segment)


@member_required(Perm.SEGMENT_MANAGE)
def builder_tree(request: HttpRequest) -> HttpResponse:
    """The rule tree re-drawn from the form after a structural change (htmx)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = current_actor(request)
    tree = apply_action(tree_from_post(request.POST), request.POST.get("action", ""))
    response = render(
        request,
        "segments/_tree.html",
        {"tree": tree_view(actor.workspace, tree), "sections": field_sections()},
    )
    # The inputs changed under the live count: ask the form to count again.
    response["HX-Trigger-After-Settle"] = "rules-changed"
    return response


@member_required(Perm.SEGMENT_MANAGE)
def builder_count(request: HttpRequest) -> HttpResponse:
    """The live count for the tree in the form (htmx, on every change)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = current_actor(request)
    normal, errors = rules_check(actor.workspace, tree_from_post(request.POST))
    context: dict[str, Any] = {"count": None, "error": None, "live": True}
    if errors:
        context["error"] = errors[0]
    else:
        context["count"] = selectors.segment_count(actor=actor, tree=normal)
        context["summary"] = rules_describe(actor.workspace, normal)
    return render(request, "segments/_live_count.html", context)


# --- suggested segments (analytics clustering) -----------------------------------------------


def _suggestion_ref(params: Any) -> tuple[int, str]:
    index = _int(params.get("index"))
    if index is None:
        raise Http404
    return index, params.get("key", "")


@member_required(Perm.SEGMENT_MANAGE)
def suggestion_save(request: HttpRequest) -> HttpResponse:
    """ "Save as segment" on the suggested segments page: one click, one dynamic segment."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = current_actor(request)
    index, key = _suggestion_ref(request.POST)
    try:
        segment = services.segment_create_from_suggestion(actor=actor, index=index, key=key)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("analytics:suggestions")
    messages.success(
        request,
        _("Segment “%(name)s” saved. It stays up to date by itself.") % {"name": segment.name},
    )
    return redirect("segments:detail", segment_id=segment.pk)


@member_required(Perm.SEGMENT_MANAGE)
def suggestion_count(request: HttpRequest) -> HttpResponse:
    """How many customers a suggested segment's rule selects now, and the rule in words (the
    suggestions page loads one per suggestion, after the page)."""
    actor = current_actor(request)
    index, key = _suggestion_ref(request.GET)
    context: dict[str, Any] = {"count": None, "error": None}
    try:
        suggestion = suggestion_get(actor=actor, index=index, key=key)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        context["error"] = exc.message
    else:
        context["count"] = selectors.segment_count(actor=actor, tree=suggestion.rule)
        context["summary"] = rules_describe(actor.workspace, suggestion.rule)
        context["size"] = suggestion.size
    return render(request, "segments/_suggestion_count.html", context)


# --- detail, snapshots ---------------------------------------------------------------------------


@member_required(Perm.SEGMENT_MANAGE)
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    actor = current_actor(request)
    segment = selectors.segment_get(actor=actor, segment_id=segment_id)
    after = _int(request.GET.get("after"))
    _normal, errors = rules_check(actor.workspace, segment.rules)
    page = None
    if not errors:
        page = selectors.segment_members_page(actor=actor, segment_id=segment.pk, after=after)
    snapshots = list(selectors.snapshot_list(actor=actor, segment_id=segment.pk)[:30])
    history = selectors.segment_size_history(actor=actor, segment_id=segment.pk)
    return render(
        request,
        "segments/detail.html",
        {
            "segment": segment,
            "summary": rules_describe(actor.workspace, segment.rules),
            "rule_error": errors[0] if errors else None,
            "page": page,
            "first_page": after is None,
            "snapshots": snapshots,
            "chart": _chart(actor, history) if history else None,
            "can_export": actor.can(Perm.CUSTOMER_EXPORT),
        },
    )


@member_required(Perm.SEGMENT_MANAGE)
def snapshot_create(request: HttpRequest, segment_id: int) -> HttpResponse:
    """ "Freeze now". The segment is looked up first, so another shop's id is a 404 whatever
    the method."""
    actor = current_actor(request)
    segment = selectors.segment_get(actor=actor, segment_id=segment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    snapshot = services.segment_freeze(actor=actor, segment_id=segment.pk)
    messages.success(
        request,
        _("Frozen: %(size)s customers in this list.") % {"size": f"{snapshot.size:,}"},
    )
    return redirect("segments:snapshot", segment_id=segment.pk, snapshot_id=snapshot.pk)


@member_required(Perm.SEGMENT_MANAGE)
def snapshot_detail(request: HttpRequest, segment_id: int, snapshot_id: int) -> HttpResponse:
    actor = current_actor(request)
    snapshot: SegmentSnapshot = selectors.snapshot_get(
        actor=actor, segment_id=segment_id, snapshot_id=snapshot_id
    )
    after = _int(request.GET.get("after"))
    page = selectors.snapshot_members_page(
        actor=actor, segment_id=segment_id, snapshot_id=snapshot.pk, after=after
    )
    return render(
        request,
        "segments/snapshot.html",
        {
            "segment": snapshot.segment,
            "snapshot": snapshot,
            "summary": rules_describe(actor.workspace, snapshot.rules),
            "page": page,
            "first_page": after is None,
            "can_export": actor.can(Perm.CUSTOMER_EXPORT),
        },
    )


@member_required(Perm.SEGMENT_MANAGE)
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    actor = current_actor(request)
    segment = selectors.segment_get(actor=actor, segment_id=segment_id)
    if request.method == "POST":
        services.segment_delete(actor=actor, segment_id=segment.pk)
        messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
        return redirect("segments:list")
    return render(request, "segments/delete.html", {"segment": segment})


# --- export --------------------------------------------------------------------------------------


@member_required(Perm.SEGMENT_MANAGE)
def segment_export(request: HttpRequest, segment_id: int) -> HttpResponse:
    """The segment's current members through the customers export (CSV or Excel, audited)."""
    from samphan.customers.exports import customers_export

    actor = current_actor(request)
    segment = selectors.segment_get(actor=actor, segment_id=segment_id)
    response = customers_export(
        actor=actor,
        queryset=segment_queryset(actor, segment.rules),
        format=request.GET.get("format", "csv"),
        filters={"segment": segment.pk, "segment_name": segment.name},
        ip=client_ip(request),
    )
    return cast(HttpResponse, response)


@member_required(Perm.SEGMENT_MANAGE)
def snapshot_export(request: HttpRequest, segment_id: int, snapshot_id: int) -> HttpResponse:
    """A frozen list through the customers export."""
    from samphan.customers.exports import customers_export

    actor = current_actor(request)
    snapshot = selectors.snapshot_get(actor=actor, segment_id=segment_id, snapshot_id=snapshot_id)
    response = customers_export(
        actor=actor,
        queryset=selectors.snapshot_customers(
            actor=actor, segment_id=segment_id, snapshot_id=snapshot.pk
        ),
        format=request.GET.get("format", "csv"),
        filters={"segment": segment_id, "snapshot": snapshot.pk},
        ip=client_ip(request),
    )
    return cast(HttpResponse, response)
