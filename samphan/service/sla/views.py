"""The SLA settings pages: business calendars (weekly hours, closed days, the Thai holidays
ahead) and the SLA policies table. Every member reads them; owners and managers
(``sla.manage``) change them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samphan.core.access import Actor, require
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.service.sla import selectors, services
from samphan.service.sla.clock import thai_holidays_between
from samphan.service.sla.forms import (
    WEEKDAY_LABELS,
    CalendarForm,
    ClosedDayForm,
    PolicyForm,
    format_periods,
)
from samphan.service.sla.models import BusinessCalendar, SlaPolicy

HOLIDAY_PREVIEW_DAYS = 365


def _can_edit(actor: Actor) -> bool:
    return actor.can(Perm.SLA_MANAGE)


def _week(calendar: BusinessCalendar) -> list[dict[str, object]]:
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for slot in calendar.slots.all():
        days[slot.weekday].append((slot.start_minute, slot.end_minute))
    return [
        {"label": WEEKDAY_LABELS[i], "periods": format_periods(days[i]).replace("-", "–")}
        for i in range(7)
    ]


@member_required()
def sla_settings(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    services.calendar_ensure_default(workspace=actor.workspace)
    calendars = list(selectors.calendar_list(workspace=actor.workspace))
    return render(
        request,
        "sla/settings.html",
        {
            "calendars": [{"calendar": c, "week": _week(c)} for c in calendars],
            "policies": list(selectors.policy_list(workspace=actor.workspace)),
            "can_edit": _can_edit(actor),
        },
    )


def _save_calendar(
    request: HttpRequest, actor: Actor, form: CalendarForm, calendar: BusinessCalendar | None
) -> BusinessCalendar | None:
    data = form.cleaned_data
    branch = data.get("branch")
    fields = {
        "name": data["name"],
        "slots": data["slots"],
        "branch_id": branch.pk if branch else None,
        "always_open": data["always_open"],
        "use_thai_holidays": data["use_thai_holidays"],
        "ip": client_ip(request),
    }
    try:
        if calendar is None:
            return services.calendar_create(actor=actor, is_default=data["is_default"], **fields)
        return services.calendar_update(
            actor=actor,
            calendar_id=calendar.pk,
            is_default=True if data["is_default"] else None,
            **fields,
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        add_application_error(form, exc)
        return None


@member_required(Perm.SLA_MANAGE)
@require_http_methods(["GET", "POST"])
def calendar_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    if request.method == "POST":
        form = CalendarForm(request.POST, workspace=actor.workspace)
        if form.is_valid():
            calendar = _save_calendar(request, actor, form, None)
            if calendar is not None:
                messages.success(request, _("Calendar saved."))
                return redirect("sla:calendar_edit", calendar_id=calendar.pk)
    else:
        form = CalendarForm(
            workspace=actor.workspace,
            initial={
                "use_thai_holidays": True,
                **{d: "09:00-12:00, 13:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")},
            },
        )
    return render(request, "sla/calendar_form.html", {"form": form, "calendar": None})


def _holiday_preview(calendar: BusinessCalendar) -> list[dict[str, object]]:
    """The Thai public holidays of the next year, and whether each closes the shop (it would
    otherwise be open that weekday)."""
    if not calendar.use_thai_holidays or calendar.always_open:
        return []
    today = timezone.localdate()
    open_weekdays = {slot.weekday for slot in calendar.slots.all()}
    language = translation.get_language() or "th"
    return [
        {"date": day, "name": name, "closes": day.weekday() in open_weekdays}
        for day, name in thai_holidays_between(
            today, today + dt.timedelta(days=HOLIDAY_PREVIEW_DAYS), language=language
        )
    ]


@member_required()
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    actor = current_actor(request)
    calendar = selectors.calendar_get(workspace=actor.workspace, calendar_id=calendar_id)
    can_edit = _can_edit(actor)
    if request.method == "POST":
        require(actor, Perm.SLA_MANAGE)
        form = CalendarForm(request.POST, workspace=actor.workspace)
        if form.is_valid() and _save_calendar(request, actor, form, calendar) is not None:
            messages.success(request, _("Calendar saved."))
            return redirect("sla:calendar_edit", calendar_id=calendar.pk)
    else:
        form = CalendarForm(workspace=actor.workspace, initial=CalendarForm.initial_for(calendar))
    if calendar.is_default:
        form.fields["is_default"].disabled = True
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    today = timezone.localdate()
    return render(
        request,
        "sla/calendar_form.html",
        {
            "form": form,
            "calendar": calendar,
            "can_edit": can_edit,
            "week": _week(calendar),
            "closed_days": [d for d in calendar.closed_days.all() if d.date >= today],
            "past_closed_count": sum(1 for d in calendar.closed_days.all() if d.date < today),
            "closed_form": ClosedDayForm(),
            "holidays": _holiday_preview(calendar),
        },
    )


@member_required(Perm.SLA_MANAGE)
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    actor = current_actor(request)
    selectors.calendar_get(workspace=actor.workspace, calendar_id=calendar_id)  # 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.calendar_delete(actor=actor, calendar_id=calendar_id, ip=client_ip(request))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("sla:calendar_edit", calendar_id=calendar_id)
    messages.success(request, _("Calendar deleted."))
    return redirect("sla:settings")


@member_required(Perm.SLA_MANAGE)
def closed_day_add(request: HttpRequest, calendar_id: int) -> HttpResponse:
    actor = current_actor(request)
    selectors.calendar_get(workspace=actor.workspace, calendar_id=calendar_id)  # 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ClosedDayForm(request.POST)
    if form.is_valid():
        try:
            services.closed_day_add(
                actor=actor,
                calendar_id=calendar_id,
                date=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Closed day added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("sla:calendar_edit", calendar_id=calendar_id)


@member_required(Perm.SLA_MANAGE)
def closed_day_remove(request: HttpRequest, calendar_id: int) -> HttpResponse:
    actor = current_actor(request)
    selectors.calendar_get(workspace=actor.workspace, calendar_id=calendar_id)  # 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        day = dt.date.fromisoformat(request.POST.get("date", "")[:10])
    except ValueError:
        messages.error(request, _("No such closed day."))
    else:
        services.closed_day_delete(
            actor=actor, calendar_id=calendar_id, date=day, ip=client_ip(request)
        )
        messages.success(request, _("Closed day removed."))
    return redirect("sla:calendar_edit", calendar_id=calendar_id)


def _save_policy(
    request: HttpRequest, actor: Actor, form: PolicyForm, policy: SlaPolicy | None
) -> SlaPolicy | None:
    data = form.cleaned_data
    calendar = data.get("calendar")
    fields = {
        "name": data["name"],
        "ticket_type": data["ticket_type"],
        "priority": data["priority"],
        "first_response_minutes": data["first_response_minutes"],
        "resolution_minutes": data["resolution_minutes"],
        "calendar_id": calendar.pk if calendar else None,
        "escalate": data["escalate"],
        "ip": client_ip(request),
    }
    try:
        if policy is None:
            return services.policy_create(actor=actor, **fields)
        return services.policy_update(actor=actor, policy_id=policy.pk, **fields)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        add_application_error(form, exc)
        return None


@member_required(Perm.SLA_MANAGE)
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    if request.method == "POST":
        form = PolicyForm(request.POST, workspace=actor.workspace)
        if form.is_valid() and _save_policy(request, actor, form, None) is not None:
            messages.success(request, _("SLA policy saved."))
            return redirect("sla:settings")
    else:
        form = PolicyForm(
            workspace=actor.workspace,
            initial={"first_response_minutes": 60, "resolution_minutes": 1080, "escalate": True},
        )
    return render(request, "sla/policy_form.html", {"form": form, "policy": None})


@member_required(Perm.SLA_MANAGE)
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    actor = current_actor(request)
    policy = selectors.policy_get(workspace=actor.workspace, policy_id=policy_id)
    if request.method == "POST":
        form = PolicyForm(request.POST, workspace=actor.workspace)
        if form.is_valid() and _save_policy(request, actor, form, policy) is not None:
            messages.success(request, _("SLA policy saved."))
            return redirect("sla:settings")
    else:
        form = PolicyForm(
            workspace=actor.workspace,
            initial={
                "name": policy.name,
                "ticket_type": policy.ticket_type,
                "priority": policy.priority,
                "first_response_minutes": policy.first_response_minutes,
                "resolution_minutes": policy.resolution_minutes,
                "calendar": policy.calendar_id,
                "escalate": policy.escalate,
            },
        )
    return render(request, "sla/policy_form.html", {"form": form, "policy": policy})


@member_required(Perm.SLA_MANAGE)
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    actor = current_actor(request)
    selectors.policy_get(workspace=actor.workspace, policy_id=policy_id)  # 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.policy_delete(actor=actor, policy_id=policy_id, ip=client_ip(request))
    messages.success(request, _("SLA policy deleted."))
    return redirect("sla:settings")
