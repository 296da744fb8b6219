"""Settings → Privacy: the retention policy with its dry run, and the record of processing."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samphan.core.errors import ApplicationError
from samphan.core.web import current_actor
from samphan.privacy.forms import PolicyForm, RecordForm
from samphan.privacy.models import RetentionRun
from samphan.privacy.retention import retention_enable, retention_plan_for
from samphan.privacy.ropa import processing_record, processing_record_csv, processing_record_json
from samphan.privacy.services import privacy_settings_get, privacy_settings_update
from samphan.privacy.views.common import private_page, show_error


@private_page
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    current = privacy_settings_get(workspace=actor.workspace)
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            privacy_settings_update(actor=actor, data=form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, _("Policy saved. Check what it will do before you switch it on.")
            )
            return redirect("privacy:retention")
    current.refresh_from_db()
    return render(
        request,
        "privacy/retention.html",
        {
            "form": form,
            "plan": retention_plan_for(actor=actor),
            "runs": RetentionRun.objects.filter(workspace=actor.workspace)[:10],
        },
    )


@private_page
@require_POST
def retention_switch(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    enable = request.POST.get("enable") == "1"
    try:
        retention_enable(actor=actor, enable=enable)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The policy will run tonight and every night.")
            if enable
            else _("The policy is switched off."),
        )
    return redirect("privacy:retention")


@private_page
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    current = privacy_settings_get(workspace=actor.workspace)
    form = RecordForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            privacy_settings_update(actor=actor, data=form.cleaned_data)
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("privacy:record")
    return render(
        request, "privacy/record.html", {"form": form, "record": processing_record(actor=actor)}
    )


@private_page
def record_download(request: HttpRequest, fmt: str) -> HttpResponse:
    found = processing_record(actor=current_actor(request))
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "csv":
        response = HttpResponse(
            processing_record_csv(found), content_type="text/csv; charset=utf-8"
        )
    else:
        body = json.dumps(processing_record_json(found), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="record-of-processing-{stamp}.{fmt}"'
    return response
