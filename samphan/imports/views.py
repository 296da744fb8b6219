"""Import pages: upload → map columns → preview (dry run) → run with progress → report.

Every page that takes an import id looks the job up through the workspace-scoped selector
first, so another workspace's import is a 404 whatever the method.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from samphan.commerce.models import SalesChannel
from samphan.core.errors import ApplicationError
from samphan.core.web import current_actor, member_required
from samphan.imports import jobs
from samphan.imports.mapping import fields_for
from samphan.imports.models import ImportJob, ImportKind, ImportStatus
from samphan.imports.progress import import_job_progress

ERRORS_ON_PAGE = 1000

KIND_HELP = {
    ImportKind.CUSTOMERS: gettext_lazy(
        "A sheet of customers: names, phones, emails, LINE IDs, birthdays, tags, consent."
    ),
    ImportKind.ORDERS: gettext_lazy(
        "Your own sales sheet or POS export: one row per item, with the order number and date."
    ),
    ImportKind.SHOPEE: gettext_lazy(
        "Seller Centre → Orders → Export, as downloaded (Thai or English headings)."
    ),
    ImportKind.LAZADA: gettext_lazy("Seller Center → Orders → Export, as downloaded."),
    ImportKind.TIKTOK: gettext_lazy("TikTok Shop Seller Center → Orders → Export, as downloaded."),
}

COUNT_LABELS = {
    "customers_created": gettext_lazy("New customers"),
    "customers_updated": gettext_lazy("Customers updated"),
    "customers_unchanged": gettext_lazy("Customers already up to date"),
    "customers_matched": gettext_lazy("Existing customers with new orders"),
    "orders_created": gettext_lazy("New orders"),
    "lines_created": gettext_lazy("Order items"),
    "orders_updated": gettext_lazy("Orders with a new status"),
    "orders_unchanged": gettext_lazy("Orders already in Samphan"),
    "orders_unpaid": gettext_lazy("Orders not paid yet (skipped)"),
    "orders_rejected": gettext_lazy("Orders left out because of bad rows"),
    "orders_without_customer": gettext_lazy("Orders without a customer"),
    "masked_phones": gettext_lazy("Orders with a masked phone"),
    "unknown_status": gettext_lazy("Orders with an unknown status"),
}


def _thai() -> bool:
    return (get_language() or "th").startswith("th")


def _localised(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each error or note with ``message`` in the reader's language."""
    key = "message_th" if _thai() else "message_en"
    return [{**item, "message": item.get(key) or item.get("message_en", "")} for item in items]


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or default)
    except ValueError:
        return default


def _method(request: HttpRequest, *allowed: str) -> HttpResponse | None:
    return None if request.method in allowed else HttpResponseNotAllowed(allowed)


# --- list and upload ----------------------------------------------------------------------------


@member_required()
def import_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    recent = list(jobs.import_job_list(actor=actor)[:50])
    return render(
        request,
        "imports/list.html",
        {"jobs": recent},
    )


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What is in the file?"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=gettext_lazy("File (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,.tsv"}),
    )
    channel = forms.TypedChoiceField(
        label=gettext_lazy("Sales channel for the orders"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy(
            "Marketplace files go to that marketplace's channel; your own orders sheet goes to "
            "the store unless a row names its channel."
        ),
    )

    def __init__(self, *args: Any, kinds: list[str], channels: list[SalesChannel], **kw: Any):
        super().__init__(*args, **kw)
        labels = dict(ImportKind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]  # type: ignore[attr-defined]
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            ("", _("Automatic")),
            *((c.pk, c.name) for c in channels),
        ]


@member_required()
def import_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    kinds = jobs.import_kinds_allowed(actor)
    if not kinds:
        jobs.import_job_list(actor=actor)  # raises the usual permission error
    channels = list(SalesChannel.objects.filter(workspace=actor.workspace, is_active=True))
    form = UploadForm(
        request.POST or None, request.FILES or None, kinds=kinds, channels=channels,
        initial={"kind": request.GET.get("kind") or kinds[0]},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_job_create(
                actor=actor,
                file=upload,
                kind=form.cleaned_data["kind"],
                original_name=upload.name,
                channel_id=form.cleaned_data["channel"],
            )
        except ApplicationError as exc:
            form.add_error("file" if exc.details.get("field") == "file" else None, exc.message)
        else:
            return redirect("imports:import_mapping", import_id=job.pk)
    return render(
        request,
        "imports/new.html",
        {"form": form, "kind_help": KIND_HELP},
    )


# --- mapping and preview ------------------------------------------------------------------------


@member_required()
def import_mapping(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = current_actor(request)
    job = jobs.import_job_get(actor=actor, job_id=import_id)
    if (refused := _method(request, "GET", "POST")) is not None:
        return refused
    if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DONE):
        return redirect("imports:import_detail", import_id=job.pk)
    error: ApplicationError | None = None
    columns = jobs.import_job_columns(job=job)
    if request.method == "POST":
        mapping = {
            str(col["index"]): request.POST.get(f"col_{col['index']}", "")
            for col in columns["columns"]
        }
        date_orders = {
            str(col["index"]): request.POST.get(f"date_order_{col['index']}", "")
            for col in columns["columns"]
            if col["date_question"]
        }
        try:
            jobs.import_job_preview(
                actor=actor,
                job_id=job.pk,
                mapping=mapping,
                date_orders=date_orders,
                background=job.rows_total > jobs.PREVIEW_INLINE_ROWS,
            )
        except ApplicationError as exc:
            error = exc
            for col in columns["columns"]:
                col["field"] = mapping.get(str(col["index"]), "")
                col["date_order"] = date_orders.get(str(col["index"])) or col["date_order"]
        else:
            return redirect("imports:import_detail", import_id=job.pk)
    required = [f for f in fields_for(job.kind) if f.required]
    return render(
        request,
        "imports/mapping.html",
        {
            "job": job,
            "columns": columns["columns"],
            "fields": columns["fields"],
            "required": required,
            "rows_total": columns["rows_total"],
            "error": error,
            "remembered_at": _remembered_at(job),
        },
        status=422 if error else 200,
    )


def _remembered_at(job: ImportJob) -> dt.datetime | None:
    remembered = job.mapping.get("remembered") or {}
    at = remembered.get("confirmed_at")
    return dt.datetime.fromisoformat(at) if at else None


# --- the job: preview, progress, report -------------------------------------------------------


OUTCOMES_PER_PAGE = 50
ACTION_LABELS = {
    "create": gettext_lazy("New"),
    "match": gettext_lazy("Already there"),
    "update": gettext_lazy("Updated"),
    "skip": gettext_lazy("Skipped"),
    "reject": gettext_lazy("Left out"),
}


def _outcomes_context(report: dict[str, Any], page: int) -> dict[str, Any]:
    """One page of the dry run's row-by-row outcomes, with the counts of all of them."""
    outcomes = report.get("outcomes")
    if not outcomes:
        return {"outcomes": None}
    rows = outcomes.get("rows", [])
    pages = max((len(rows) + OUTCOMES_PER_PAGE - 1) // OUTCOMES_PER_PAGE, 1)
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * OUTCOMES_PER_PAGE : page * OUTCOMES_PER_PAGE]
    counts = outcomes.get("counts", {})
    return {
        "outcomes": {
            "rows": [
                {**row, "action_label": ACTION_LABELS.get(row["action"], "")}
                for row in _localised(shown)
            ],
            "counts": [(label, counts[a]) for a, label in ACTION_LABELS.items() if a in counts],
            "total": outcomes.get("total", len(rows)),
            "kept": len(rows),
            "page": page,
            "pages": pages,
            "previous": page - 1 if page > 1 else None,
            "next": page + 1 if page < pages else None,
        }
    }


def _report_context(job: ImportJob, *, rows_page: int = 1) -> dict[str, Any]:
    report = job.report or {}
    errors = report.get("errors", [])
    counts = report.get("counts", {})
    return {
        "report": report,
        "errors": _localised(errors[:ERRORS_ON_PAGE]),
        "errors_more": max(len(errors) - ERRORS_ON_PAGE, 0),
        "notes": _localised(report.get("notes", [])),
        "count_rows": [(COUNT_LABELS[key], counts[key]) for key in COUNT_LABELS if counts.get(key)],
        "failure": _localised([report["error"]])[0] if report.get("error") else None,
        "dates": [
            {
                **column,
                "examples": [
                    {"text": e["text"], "date": dt.date.fromisoformat(e["date"])}
                    for e in column.get("examples", [])
                ],
            }
            for column in report.get("dates", [])
        ],
        **_outcomes_context(report, rows_page),
    }


@member_required()
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = current_actor(request)
    job = jobs.import_job_get(actor=actor, job_id=import_id)
    if (refused := _method(request, "GET")) is not None:
        return refused
    progress = import_job_progress(job=job)
    running = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    context = {
        "job": job,
        "progress": progress,
        "running": running,
        "deletable": job.status in jobs.DELETABLE
        and not (job.status == ImportStatus.QUEUED and job.started_at),
        "checking": job.mapping.get("mode") == "preview",
        "kind_label": dict(ImportKind.choices).get(job.kind, job.kind),
        **_report_context(job, rows_page=_int(request.GET.get("rows"), 1)),
    }
    return render(request, "imports/detail.html", context)


@member_required()
def import_run(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = current_actor(request)
    job = jobs.import_job_get(actor=actor, job_id=import_id)
    if (refused := _method(request, "POST")) is not None:
        return refused
    try:
        jobs.import_job_run(actor=actor, job_id=job.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("imports:import_detail", import_id=job.pk)


@member_required()
def import_retry(request: HttpRequest, import_id: int) -> HttpResponse:
    """Queue a failed import again: the same file, the same columns."""
    actor = current_actor(request)
    job = jobs.import_job_get(actor=actor, job_id=import_id)
    if (refused := _method(request, "POST")) is not None:
        return refused
    try:
        jobs.import_job_retry(actor=actor, job_id=job.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("imports:import_detail", import_id=job.pk)


@member_required()
def import_delete(request: HttpRequest, import_id: int) -> HttpResponse:
    """Delete an import that never ran, an abandoned dry run or a failed import, and its file."""
    actor = current_actor(request)
    job = jobs.import_job_get(actor=actor, job_id=import_id)
    if (refused := _method(request, "POST")) is not None:
        return refused
    try:
        jobs.import_job_delete(actor=actor, job_id=job.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("imports:import_detail", import_id=job.pk)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": job.original_name})
    return redirect("imports:import_list")


@member_required()
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress bar, polled by htmx every second; when the import has finished, the
    browser is sent to the report."""
    actor = current_actor(request)
    job = jobs.import_job_get(actor=actor, job_id=import_id)
    if (refused := _method(request, "GET")) is not None:
        return refused
    progress = import_job_progress(job=job)
    finished = job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    if finished and getattr(request, "htmx", False):
        return HttpResponseClientRedirect(reverse("imports:import_detail", args=[job.pk]))
    return render(
        request,
        "imports/_progress.html",
        {"job": job, "progress": progress, "running": not finished},
    )


@member_required()
def import_errors_csv(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = current_actor(request)
    job = jobs.import_job_get(actor=actor, job_id=import_id)
    if (refused := _method(request, "GET")) is not None:
        return refused
    # At most MAX_ERRORS rows: small enough to send in one piece.
    response = HttpResponse(
        b"".join(jobs.import_job_errors_csv(job=job)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problems.csv"'
    return response
