"""A person's data from the customer page: download it (JSON), erase it (with a reason)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.thai.dates import format_date
from samphan.core.web import current_actor
from samphan.customers.selectors import customer_get
from samphan.privacy import services
from samphan.privacy.forms import EraseForm
from samphan.privacy.models import OPEN_STATUSES, DataSubjectRequest
from samphan.privacy.views.common import private_page, show_error


@private_page
def customer_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer_get(actor=actor, customer_id=customer_id)  # another shop's customer: 404 first
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    request_id = request.GET.get("request")
    document = services.customer_export(
        actor=actor,
        customer_id=customer_id,
        request_id=int(request_id) if request_id and request_id.isdigit() else None,
        ip=client_ip(request),
    )
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data-{customer_id}-{stamp}.json"'
    )
    return response


def _open_requests(actor: object, customer_id: int) -> list[tuple[int, str]]:
    rows = DataSubjectRequest.objects.filter(
        workspace=actor.workspace,  # type: ignore[attr-defined]
        customer_id=customer_id,
        status__in=OPEN_STATUSES,
    ).order_by("due_on")
    language = get_language() or "th"
    return [
        (r.pk, f"#{r.pk} {r.get_kind_display()} · {format_date(r.received_on, language=language)}")
        for r in rows
    ]


@private_page
@require_http_methods(["GET", "POST"])
def customer_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = customer_get(actor=actor, customer_id=customer_id)
    erased = services.erasure_of(workspace=actor.workspace, customer_id=customer.pk)
    ids = services.customer_records(workspace_id=actor.workspace.pk, customer_id=customer.pk)
    hold = services.legal_hold(workspace=actor.workspace, customer_ids=ids)
    choices = _open_requests(actor, customer.pk)
    initial = {"request": request.GET.get("request")} if request.GET.get("request") else None
    form = EraseForm(request.POST or None, requests=choices, initial=initial)
    if request.method == "POST" and form.is_valid() and erased is None:
        try:
            services.customer_erase(
                actor=actor,
                customer_id=customer.pk,
                reason=form.cleaned_data["reason"],
                request_id=form.cleaned_data["request"],
                source="page",
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The customer's personal data was erased."))
            return redirect("customers:detail", customer_id=customer.pk)
    return render(
        request,
        "privacy/erase.html",
        {"customer": customer, "form": form, "hold": hold, "erased": erased},
    )
