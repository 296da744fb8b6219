"""API: file imports (customers, orders, Shopee, Lazada and TikTok Shop exports)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.params import FileEx, FormEx, P

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut, Id, Pagination
from samphan.core.errors import ApplicationError
from samphan.core.limits import MAX_ID
from samphan.imports import jobs
from samphan.imports.models import ImportJob
from samphan.imports.progress import import_job_progress

router = ApiRouter(tags=["imports"])

# A mapping names each column of a file once: a few hundred columns at most.
MAX_MAPPING = 500
MAPPING_TEXT_MAX = 50_000

_KIND_HELP = (
    "`customers` (a customers sheet), `orders` (a shop's own orders sheet: one row per item), "
    "`shopee`, `lazada` or `tiktok` (the Seller Centre order export, as downloaded)."
)
_MAPPING_HELP = (
    'Optional JSON object from file column to field, e.g. `{"0": "order_number", '
    '"Phone": "customer_phone"}`: keys are column positions (from 0) or headings, values are '
    "field keys; columns left out are not read. Without it the mapping is suggested from the "
    "headings (Thai and English headings are known)."
)


_DATE_ORDERS_HELP = (
    'Optional JSON object from date column to its day/month order, e.g. `{"1": "mdy"}`: '
    "`dmy` (day/month/year) or `mdy` (month/day/year). Used only for columns whose values can "
    "be read either way (03/04/2024); otherwise the values decide. Default: `dmy`. The report's "
    "`dates` says how each date column was read."
)


class ImportErrorOut(Schema):
    line: int
    column: str
    code: str
    message_th: str
    message_en: str
    value: str = ""


class ImportProgressOut(Schema):
    phase: str
    phase_label: str
    percent: int
    rows_done: int
    rows_total: int
    stale: bool


class ImportJobOut(Schema):
    id: int
    kind: str
    status: str
    original_name: str
    sha256: str
    mapping: dict[str, str]
    date_orders: dict[str, str]
    channel_id: int | None
    rows_total: int
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: ImportProgressOut
    report: dict[str, Any]


class ImportRunIn(Schema):
    mapping: dict[str, Annotated[str, Field(max_length=64)]] | None = Field(
        None, max_length=MAX_MAPPING
    )
    date_orders: dict[str, Annotated[str, Field(max_length=3)]] | None = Field(
        None, max_length=MAX_MAPPING
    )


def _out(job: ImportJob) -> dict[str, Any]:
    progress = import_job_progress(job=job)
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": progress["status"],
        "original_name": job.original_name,
        "sha256": job.sha256,
        "mapping": job.mapping.get("columns") or {},
        "date_orders": job.mapping.get("date_orders") or {},
        "channel_id": job.mapping.get("channel_id"),
        "rows_total": job.rows_total,
        "created_count": job.created_count,
        "updated_count": job.updated_count,
        "skipped_count": job.skipped_count,
        "error_count": job.error_count,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "progress": progress,
        "report": job.report or {},
    }


def _json_object(text: str, field: str) -> dict[str, object] | None:
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        message = (
            _("The mapping must be a JSON object from column to field.")
            if field == "mapping"
            else _("The date orders must be a JSON object from column to “dmy” or “mdy”.")
        )
        raise ApplicationError(f"invalid_{field}", message, {"field": field}, status=422)
    return data


@router.post(
    "/imports",
    response={200: ImportJobOut, 202: ImportJobOut},
    summary="Upload a CSV or XLSX file to import (or to check with dry_run)",
    description=(
        "Multipart form: `kind`, `file` (.csv or .xlsx; UTF-8, UTF-8 with BOM or Thai "
        "Windows-874), optional `mapping`, `channel_id` (the sales channel for orders; "
        "marketplace files default to the shop's channel of that marketplace) and `dry_run`.\n\n"
        "With `dry_run=true` every row is checked and the import is planned without changing "
        "any data: the answer (200) is the job with status `previewed` and a `report` saying "
        "what would be created, updated and skipped, and every bad row (line, column, code and "
        "the reason in Thai and English). Without it the import is queued (202) and runs in "
        "the background in one transaction: follow it with `GET /imports/{import_id}`. "
        "Importing the same file again changes nothing. A file that cannot be read, or a "
        "mapping without a required column, is a 422."
    ),
)
def import_create(
    request: HttpRequest,
    kind: FormEx[str, P(description=_KIND_HELP, max_length=16)],
    file: FileEx[UploadedFile, P(description="The .csv or .xlsx file")],
    mapping: FormEx[str, P(description=_MAPPING_HELP, max_length=MAPPING_TEXT_MAX)] = "",
    date_orders: FormEx[str, P(description=_DATE_ORDERS_HELP, max_length=MAPPING_TEXT_MAX)] = "",
    channel_id: FormEx[
        int | None, P(description="Sales channel id for the orders", ge=1, le=MAX_ID)
    ] = None,
    dry_run: FormEx[bool, P(description="Check and plan only; change nothing")] = False,
) -> object:
    actor = actor_of(request)
    given = _json_object(mapping, "mapping")
    orders = _json_object(date_orders, "date_orders")
    job = jobs.import_job_create(
        actor=actor, file=file, kind=kind, original_name=file.name or "", channel_id=channel_id
    )
    if dry_run:
        job = jobs.import_job_preview(actor=actor, job_id=job.pk, mapping=given, date_orders=orders)
        return Status(200, _out(job))
    job = jobs.import_job_run(actor=actor, job_id=job.pk, mapping=given, date_orders=orders)
    return Status(202, _out(job))


@router.get("/imports", response=list[ImportJobOut], summary="List imports, newest first")
@paginate(Pagination)
def import_list(request: HttpRequest) -> object:
    return [_out(job) for job in jobs.import_job_list(actor=actor_of(request))[:200]]


@router.get(
    "/imports/{import_id}",
    response=ImportJobOut,
    summary="One import: status, progress, counts and the report with every bad row",
    description=(
        "`status` is uploaded, previewed, queued, running, done or failed; while it runs, "
        "`progress` says the phase, the percentage and the rows read so far. When it is done "
        "the counts say how many customers (customers files) or orders (order files) were "
        "created, updated or skipped, `error_count` is the number of bad rows, and "
        "`report.errors` lists them."
    ),
)
def import_detail(request: HttpRequest, import_id: Id) -> object:
    return _out(jobs.import_job_get(actor=actor_of(request), job_id=import_id))


@router.post(
    "/imports/{import_id}/run",
    response={202: ImportJobOut, 409: ErrorOut},
    summary="Run an uploaded or previewed import",
    description=(
        "Queues the import with the mapping given here, or the one of the preview. Running a "
        "finished import again is a 409 (upload the file again instead: it changes nothing)."
    ),
)
def import_run(request: HttpRequest, import_id: Id, payload: ImportRunIn | None = None) -> object:
    mapping = payload.mapping if payload is not None else None
    orders = payload.date_orders if payload is not None else None
    job = jobs.import_job_run(
        actor=actor_of(request), job_id=import_id, mapping=mapping, date_orders=orders
    )
    return Status(202, _out(job))


@router.post(
    "/imports/{import_id}/retry",
    response={202: ImportJobOut, 409: ErrorOut},
    summary="Retry a failed import (the same file and mapping)",
    description=(
        "Queues a failed import again with its file, mapping and date orders (a dry run stays "
        "a dry run). An import whose worker stopped (no heartbeat for a minute) is failed with "
        "`report.error.code` `worker_stopped`. Retrying an import that has not failed is a 409."
    ),
)
def import_retry(request: HttpRequest, import_id: Id) -> object:
    job = jobs.import_job_retry(actor=actor_of(request), job_id=import_id)
    return Status(202, _out(job))


@router.delete(
    "/imports/{import_id}",
    response={204: None, 409: ErrorOut},
    summary="Delete an import that never ran, an abandoned dry run or a failed import",
    description=(
        "The uploaded file is deleted with it. A finished or running import is the record of "
        "what was imported and cannot be deleted (409)."
    ),
)
def import_delete(request: HttpRequest, import_id: Id) -> object:
    jobs.import_job_delete(actor=actor_of(request), job_id=import_id)
    return Status(204, None)
