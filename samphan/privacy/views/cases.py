"""Settings → Privacy: the overview, data-subject requests and the breach register."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samphan.core.errors import ApplicationError
from samphan.core.thai.dates import format_date
from samphan.core.web import current_actor
from samphan.customers.selectors import customer_get
from samphan.privacy import breaches, requests
from samphan.privacy.forms import BreachForm, RequestForm, RequestUpdateForm
from samphan.privacy.models import (
    OPEN_STATUSES,
    Breach,
    DataSubjectRequest,
    RequestEntry,
    RequestStatus,
    RetentionRun,
)
from samphan.privacy.retention import retention_plan_for
from samphan.privacy.views.common import private_page, show_error

PER_PAGE = 50


@private_page
def overview(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    open_requests = requests.request_list(actor=actor).filter(status__in=OPEN_STATUSES)
    open_breaches = [
        (b, breaches.breach_dues(b)) for b in breaches.breach_list(actor=actor).filter(
            closed_at__isnull=True
        )
    ]  # fmt: skip
    plan = retention_plan_for(actor=actor)
    last_run = RetentionRun.objects.filter(workspace=actor.workspace).first()
    return render(
        request,
        "privacy/overview.html",
        {
            "open_requests": open_requests.count(),
            "overdue": requests.request_overdue_count(actor=actor),
            "open_breaches": open_breaches,
            "late_breaches": sum(1 for _b, dues in open_breaches if any(d.late for d in dues)),
            "plan": plan,
            "last_run": last_run,
        },
    )


# --- requests ----------------------------------------------------------------------------------


@private_page
def request_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    overdue_only = request.GET.get("show") == "overdue"
    rows = requests.request_list(actor=actor, overdue_only=overdue_only)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/requests.html",
        {
            "page": page,
            "overdue_only": overdue_only,
            "overdue": requests.request_overdue_count(actor=actor),
            "today": timezone.localdate(),
        },
    )


@private_page
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    customer_id = request.POST.get("customer_id") or request.GET.get("customer")
    customer = (
        customer_get(actor=actor, customer_id=int(customer_id))
        if customer_id and str(customer_id).isdigit()
        else None
    )
    initial: dict[str, Any] = {"customer_id": customer.pk if customer else None}
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = requests.request_create(actor=actor, **form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            due = format_date(created.due_on, language=get_language() or "th")
            messages.success(request, _("Request recorded. It is due on %(date)s.") % {"date": due})
            return redirect("privacy:request_detail", request_id=created.pk)
    return render(request, "privacy/request_form.html", {"form": form, "customer": customer})


@private_page
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = current_actor(request)
    case = requests.request_get(actor=actor, request_id=request_id)
    form = RequestUpdateForm(
        request.POST or None, initial={"status": case.status, "outcome": case.outcome}
    )
    if request.method == "POST" and form.is_valid():
        try:
            requests.request_update(actor=actor, request_id=case.pk, **form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Request updated."))
            return redirect("privacy:request_detail", request_id=case.pk)
    return render(
        request,
        "privacy/request_detail.html",
        {
            "case": case,
            "form": form,
            "trail": _trail(case),
            "today": timezone.localdate(),
        },
    )


def _trail(case: DataSubjectRequest) -> list[RequestEntry]:
    labels = dict(RequestStatus.choices)
    entries = list(case.log.select_related("actor").all())
    for entry in entries:
        entry.status_label = labels.get((entry.data or {}).get("status", ""), "")  # type: ignore[attr-defined]
    return entries


# --- breaches ----------------------------------------------------------------------------------


@private_page
def breach_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    rows = [(b, breaches.breach_dues(b)) for b in breaches.breach_list(actor=actor)]
    return render(request, "privacy/breaches.html", {"rows": rows})


@private_page
@require_http_methods(["GET", "POST"])
def breach_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = BreachForm(request.POST or None, initial={"found_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        try:
            created = breaches.breach_record(actor=actor, data=form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Incident recorded."))
            return redirect("privacy:breach_detail", breach_id=created.pk)
    return render(request, "privacy/breach_form.html", {"form": form, "breach": None})


@private_page
@require_http_methods(["GET", "POST"])
def breach_detail(request: HttpRequest, breach_id: int) -> HttpResponse:
    actor = current_actor(request)
    breach: Breach = breaches.breach_get(actor=actor, breach_id=breach_id)
    if request.method == "POST" and request.POST.get("action") == "close":
        try:
            breaches.breach_close(actor=actor, breach_id=breach.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Incident closed."))
        return redirect("privacy:breach_detail", breach_id=breach.pk)
    form = BreachForm(request.POST or None, instance=breach)
    if request.method == "POST" and form.is_valid():
        try:
            breaches.breach_update(actor=actor, breach_id=breach.pk, data=form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Incident updated."))
            return redirect("privacy:breach_detail", breach_id=breach.pk)
    breach.refresh_from_db()
    return render(
        request,
        "privacy/breach_form.html",
        {"form": form, "breach": breach, "dues": breaches.breach_dues(breach)},
    )
