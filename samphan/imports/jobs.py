"""Services for file imports: upload, mapping and dry-run preview, run, progress, reads.

The flow: ``import_job_create`` stores the upload (``ImportJob.file``, with its SHA-256) and
suggests a mapping from the headings; ``import_job_preview`` checks every row and plans the
import without writing (what would be created, updated, skipped, and every bad row);
``import_job_run`` queues it; the Celery task ``import_job_run_task`` calls
``import_job_execute``, which runs the whole import in ONE database transaction (nothing is
half-imported; a crash rolls everything back and the job is marked failed) and stores the
report in the same transaction as the data.

Progress lives outside that transaction, in ``samphan.imports.progress``.

In embedded mode (``CELERY_TASK_ALWAYS_EAGER``) the task runs in a background thread, so the
web request returns at once and its page can poll the progress; the thread closes its database
connection at the end. With a broker, the task is sent with ``.delay()``.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.commerce.models import SalesChannel
from samphan.core.access import Actor, actor_for_membership, require
from samphan.core.csvsafe import formula_safe_cell
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import Membership, Workspace
from samphan.core.roles import Perm, Role
from samphan.imports.engine import ImportRequest, run_import
from samphan.imports.errors import ImportFileError, RowsRejected, both
from samphan.imports.mapping import (
    date_orders_clean,
    date_orders_from_json,
    fields_for,
    known_column,
    mapping_as_json,
    mapping_clean,
    mapping_from_json,
    suggest_mapping,
)
from samphan.imports.memory import mapping_remember, mapping_remembered
from samphan.imports.models import ImportJob, ImportKind, ImportStatus
from samphan.imports.progress import (
    Heartbeat,
    ProgressFile,
    ProgressListener,
    progress_clear,
    worker_stopped,
)
from samphan.imports.reader import open_table, read_preview, sha256_of
from samphan.imports.values import (
    DEFAULT_DATE_ORDER,
    EITHER,
    SAYS_DAY_FIRST,
    SAYS_MONTH_FIRST,
    clean_cell,
    date_evidence,
)

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
# Pages check bigger files in the background (a preview of 100,000 rows takes seconds).
PREVIEW_INLINE_ROWS = 5000
# Rows the mapping page reads to see whether a date column could be day/month or month/day.
DATE_SCAN_ROWS = 5000
# Embedded mode runs the task in a thread. Tests that keep their data in an open transaction
# (pytest-django's ``db``) switch this off: another thread's connection could not see the job.
RUN_EAGER_IN_THREAD = True
_threads: dict[int, threading.Thread] = {}

_ALREADY_IMPORTED = gettext_lazy(
    "This file was already imported on %(date)s. Importing it again changes nothing that is "
    "already in Samphan."
)


# --- permissions -------------------------------------------------------------------------------


def import_perms(kind: str) -> tuple[Perm, ...]:
    """Customers files need customer editing; order files also create orders (and buyers)."""
    if kind == ImportKind.CUSTOMERS:
        return (Perm.CUSTOMER_EDIT,)
    return (Perm.ORDER_CREATE, Perm.CUSTOMER_EDIT)


def _require_kind(actor: Actor, kind: str) -> None:
    if kind not in ImportKind.values:
        raise ApplicationError(
            "invalid_kind",
            _("Choose what the file holds: customers, orders, Shopee, Lazada or TikTok Shop."),
            {"field": "kind"},
            status=422,
        )
    for perm in import_perms(kind):
        require(actor, perm)


def import_kinds_allowed(actor: Actor) -> list[str]:
    return [k for k in ImportKind.values if all(actor.can(p) for p in import_perms(k))]


def _require_any(actor: Actor) -> None:
    if not import_kinds_allowed(actor):
        require(actor, Perm.CUSTOMER_EDIT)  # raises with the usual message


# --- reads (selectors) ---------------------------------------------------------------------------


def import_job_list(*, actor: Actor) -> QuerySet[ImportJob]:
    """The workspace's imports, newest first. Reading them first marks failed the running ones
    whose worker has stopped (``import_jobs_reap``), so a page or an API poll never shows a dead
    import as running."""
    _require_any(actor)
    import_jobs_reap(workspace=actor.workspace)
    return ImportJob.objects.filter(workspace=actor.workspace).select_related("created_by")


def import_job_get(*, actor: Actor, job_id: int) -> ImportJob:
    """One import of the actor's workspace; another workspace's id is a 404."""
    job = import_job_list(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound("import_not_found", _("Import not found."))
    return job


def _dates_either_way(path: Path, sample: list[list[str]]) -> set[int]:
    """The columns of day/month/year dates that could be read either way (03/04/2024): none of
    the first ``DATE_SCAN_ROWS`` rows has a day or a month above 12. The import decides from
    every row, so this only says where the mapping step should ask."""
    width = max((len(row) for row in sample), default=0)
    candidates = [
        i for i in range(width) if any(i < len(r) and date_evidence(r[i]) for r in sample)
    ]
    if not candidates:
        return set()
    said = {i: [0, 0, 0, 0] for i in candidates}
    try:
        with open_table(path) as table:
            for n, (_line, cells) in enumerate(table.rows):
                if n >= DATE_SCAN_ROWS:
                    break
                for i in candidates:
                    if i < len(cells):
                        said[i][date_evidence(clean_cell(cells[i]))] += 1
    except ImportFileError:
        return set()  # the check of the whole file says what is wrong with it
    return {
        i
        for i, counts in said.items()
        if counts[EITHER] and not (counts[SAYS_DAY_FIRST] or counts[SAYS_MONTH_FIRST])
    }


def import_job_columns(*, job: ImportJob, sample_rows: int = 3) -> dict[str, Any]:
    """Headings, a few sample values per column and the mapping to show on the mapping page;
    columns of dates that could be day/month or month/day say so (``date_question``)."""
    headers, sample, total = read_preview(job.file.path, limit=sample_rows)
    stored = mapping_from_json(job.mapping.get("columns"))
    mapping = stored if stored is not None else suggest_mapping(job.kind, headers)
    either_way = _dates_either_way(Path(job.file.path), sample)
    chosen = job.mapping.get("date_orders") or {}
    columns = [
        {
            "index": i,
            "heading": heading,
            "samples": [row[i] for row in sample if i < len(row) and row[i]],
            "field": mapping.get(i, ""),
            "known": "" if i in mapping else str(known_column(job.kind, heading) or ""),
            "date_question": i in either_way,
            "date_order": chosen.get(str(i), DEFAULT_DATE_ORDER),
        }
        for i, heading in enumerate(headers)
    ]
    return {"columns": columns, "fields": fields_for(job.kind), "rows_total": total}


# --- writes --------------------------------------------------------------------------------------


def _actor_record(actor: Actor) -> dict[str, Any]:
    return {
        "role": actor.role,
        "api_key_id": actor.api_key_id,
        "branch_ids": sorted(actor.branch_ids),
    }


def _channel_check(actor: Actor, channel_id: int | None) -> None:
    if channel_id is not None and not (
        SalesChannel.objects.filter(workspace=actor.workspace, pk=channel_id).exists()
    ):
        raise ApplicationError(
            "channel_not_found", _("Sales channel not found."), {"field": "channel_id"}, status=422
        )


def import_job_create(
    *,
    actor: Actor,
    file: IO[bytes] | File[Any],
    kind: str,
    original_name: str = "",
    channel_id: int | None = None,
) -> ImportJob:
    """Store an uploaded CSV/XLSX file as a new import, with a mapping suggested from its
    headings. An unreadable file is refused here, before anything else is asked."""
    _require_kind(actor, kind)
    _channel_check(actor, channel_id)
    name = Path(original_name or getattr(file, "name", "") or "import.csv").name[:200]
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ApplicationError(
            "unsupported_file",
            _(
                "Upload a .csv or .xlsx file (in Excel: File → Save As → CSV UTF-8 or Excel Workbook)."
            ),
            {"field": "file"},
            status=422,
        )
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    if size > MAX_UPLOAD_BYTES:
        raise ApplicationError(
            "file_too_large",
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            {"field": "file"},
            status=413,
        )
    file.seek(0)
    digest = sha256_of(file)
    file.seek(0)
    job = ImportJob(
        workspace=actor.workspace,
        kind=kind,
        original_name=name,
        sha256=digest,
        created_by=actor.user if actor.user is not None and actor.user.pk else None,
    )
    job.file.save(name, file if isinstance(file, File) else File(file, name=name), save=False)
    try:
        headers, _sample, total = read_preview(job.file.path)
    except ImportFileError as exc:
        job.file.delete(save=False)
        exc.details.setdefault("field", "file")
        raise
    job.rows_total = total
    job.mapping = {
        "columns": mapping_as_json(suggest_mapping(kind, headers)),
        "channel_id": channel_id,
        "actor": _actor_record(actor),
    }
    found = mapping_remembered(workspace=actor.workspace, kind=kind, headers=headers)
    if found is not None:
        remembered, columns = found
        job.mapping["columns"] = mapping_as_json(columns)
        job.mapping["date_orders"] = remembered.date_orders
        job.mapping["remembered"] = {
            "mapping": remembered.pk,
            "confirmed_at": remembered.confirmed_at.isoformat(),
        }
    job.save()
    return job


def _job_for_update(actor: Actor, job_id: int) -> ImportJob:
    job = ImportJob.objects.select_for_update().filter(workspace=actor.workspace, pk=job_id).first()
    if job is None:
        raise NotFound("import_not_found", _("Import not found."))
    return job


def _busy(job: ImportJob) -> bool:
    return job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and not worker_stopped(job)


def _not_now(job: ImportJob) -> ApplicationError:
    if job.status == ImportStatus.DONE:
        return ApplicationError(
            "import_done",
            _("This file has been imported already. Upload it again to import it again."),
            {"status": job.status},
            status=409,
        )
    return ApplicationError(
        "import_running",
        _("This import is running; wait until it has finished."),
        {"status": job.status},
        status=409,
    )


def import_job_preview(
    *,
    actor: Actor,
    job_id: int,
    mapping: Mapping[str, object] | None = None,
    channel_id: int | None = None,
    date_orders: Mapping[str, object] | None = None,
    listener: ProgressListener | None = None,
    background: bool = False,
) -> ImportJob:
    """The dry run: check every row and plan the import with the given mapping (or the one
    stored, or the suggestion), without changing any data. The report says what would be
    created, updated and skipped, and lists every bad row; it is stored on the job.

    With ``background`` the check runs as a task (the pages do this for big files, so that the
    request returns at once and the page shows its progress); the job is queued and becomes
    ``previewed`` when the task has finished."""
    job = import_job_get(actor=actor, job_id=job_id)
    _require_kind(actor, job.kind)
    if job.status == ImportStatus.DONE or _busy(job):
        raise _not_now(job)
    if channel_id is not None:
        _channel_check(actor, channel_id)
        job.mapping["channel_id"] = channel_id
    headers, _sample, _total = read_preview(job.file.path, limit=0)
    given = mapping if mapping is not None else job.mapping.get("columns")
    clean = mapping_clean(job.kind, headers, given)
    job.mapping["columns"] = mapping_as_json(clean)
    if mapping is not None:
        job.mapping["chosen"] = True  # by a person (or a client): remembered when it runs
    if date_orders is not None:
        job.mapping["date_orders"] = date_orders_clean(headers, date_orders)
    job.mapping["mode"] = "preview"
    if background:
        return _queue(actor, job, job.mapping, launch=True)
    # No transaction: the preview only reads, and on SQLite an open write transaction would
    # hold every other writer back for as long as the file takes to check.
    report = run_import(
        ImportRequest(
            actor=actor,
            path=Path(job.file.path),
            kind=job.kind,
            mapping=clean,
            channel_id=job.mapping.get("channel_id"),
            date_orders=date_orders_from_json(job.mapping.get("date_orders")),
            original_name=job.original_name,
            dry_run=True,
        ),
        progress=ProgressFile(job, dry_run=True, listener=listener, to_file=False),
    )
    _note_already_imported(job, report)
    with transaction.atomic():
        locked = _job_for_update(actor, job.pk)
        if locked.status == ImportStatus.DONE or _busy(locked):
            raise _not_now(locked)
        locked.mapping = job.mapping
        locked.report = report
        locked.status = ImportStatus.PREVIEWED
        locked.rows_total = report["rows"]["total"]
        locked.save(update_fields=["mapping", "report", "status", "rows_total"])
    return locked


def _note_already_imported(job: ImportJob, report: dict[str, Any]) -> None:
    """Say so when the same file (by SHA-256) was imported into this workspace before."""
    earlier = (
        ImportJob.objects.filter(
            workspace_id=job.workspace_id, sha256=job.sha256, status=ImportStatus.DONE
        )
        .exclude(pk=job.pk)
        .exclude(finished_at=None)
        .order_by("-finished_at")
        .first()
    )
    if earlier is None or earlier.finished_at is None:
        return
    th, en = both(
        _ALREADY_IMPORTED,
        {"date": timezone.localtime(earlier.finished_at).strftime("%d/%m/%Y %H:%M")},
    )
    report["notes"].insert(
        0, {"code": "already_imported", "message_th": th, "message_en": en, "job": earlier.pk}
    )


def import_job_run(
    *,
    actor: Actor,
    job_id: int,
    mapping: Mapping[str, object] | None = None,
    date_orders: Mapping[str, object] | None = None,
    partial: bool = True,
    background: bool = True,
) -> ImportJob:
    """Queue the import (after a preview, or straight away with the stored or suggested
    mapping). The task starts when this transaction commits; with ``background=False`` the
    caller runs it (the command line calls ``import_job_execute`` itself, with a progress bar).

    With ``partial`` (the pages and the API) the good rows are imported and the bad ones
    reported; without it (``samphan import``) a file with any bad row imports nothing and the
    job fails with ``rows_rejected`` and the report of what was checked."""
    job = import_job_get(actor=actor, job_id=job_id)
    _require_kind(actor, job.kind)
    if job.status == ImportStatus.DONE or _busy(job):
        raise _not_now(job)  # before taking the row's lock, which a running import holds
    headers, _sample, _total = read_preview(job.file.path, limit=0)
    given = mapping if mapping is not None else job.mapping.get("columns")
    clean = mapping_clean(job.kind, headers, given)
    mapping_data = {
        **job.mapping,
        "columns": mapping_as_json(clean),
        "mode": "import",
        "partial": partial,
    }
    if date_orders is not None:
        mapping_data["date_orders"] = date_orders_clean(headers, date_orders)
    chosen = mapping is not None or bool(job.mapping.get("chosen"))
    if chosen:
        mapping_data["chosen"] = True
    queued = _queue(actor, job, mapping_data, launch=background)
    if chosen:
        mapping_remember(
            actor=actor,
            kind=job.kind,
            headers=headers,
            columns=clean,
            date_orders=mapping_data.get("date_orders") or {},
        )
    return queued


def _queue(
    actor: Actor, job: ImportJob, mapping: dict[str, Any], *, launch: bool, retry: bool = False
) -> ImportJob:
    with transaction.atomic():
        locked = _job_for_update(actor, job.pk)
        if locked.status == ImportStatus.DONE or _busy(locked):
            raise _not_now(locked)
        if retry and locked.status != ImportStatus.FAILED:
            raise _not_now(locked)
        locked.mapping = {**mapping, "actor": _actor_record(actor)}
        locked.status = ImportStatus.QUEUED
        locked.rows_done = 0
        locked.started_at = None
        locked.finished_at = None
        locked.save(update_fields=["mapping", "status", "rows_done", "started_at", "finished_at"])
        job_pk = locked.pk
        if launch:
            transaction.on_commit(lambda: _launch(job_pk))
    return locked


def _launch(job_id: int) -> None:
    from samphan.imports.tasks import import_job_run_task

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        import_job_run_task.delay(job_id)
        return
    if not RUN_EAGER_IN_THREAD:
        import_job_run_task(job_id)
        return
    thread = threading.Thread(
        target=_run_in_thread, args=(job_id,), name=f"samphan-import-{job_id}", daemon=True
    )
    _threads[job_id] = thread
    thread.start()


def _run_in_thread(job_id: int) -> None:
    from samphan.imports.tasks import import_job_run_task

    try:
        import_job_run_task(job_id)
    except Exception:
        logger.exception("import %s failed", job_id)
    finally:
        connections.close_all()
        _threads.pop(job_id, None)


def import_job_wait(job_id: int, timeout: float | None = None) -> None:
    """Wait for an embedded-mode import thread (the CLI and tests use this)."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _job_actor(job: ImportJob) -> Actor:
    """Who the import acts as: the member who started it (their role today), or the API key or
    command-line run recorded on the job."""
    record = job.mapping.get("actor") or {}
    if job.created_by_id is not None:
        membership = (
            Membership.objects.select_related("workspace", "user")
            .filter(workspace_id=job.workspace_id, user_id=job.created_by_id)
            .first()
        )
        if membership is None:
            raise PermissionDenied(
                "not_a_member", _("The person who started this import is no longer a member.")
            )
        return actor_for_membership(membership)
    return Actor(
        workspace=job.workspace,
        role=record.get("role") or Role.MANAGER,
        api_key_id=record.get("api_key_id"),
        branch_ids=frozenset(record.get("branch_ids") or ()),
    )


def _failure_report(job: ImportJob, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ImportFileError):
        code, th, en = exc.code, exc.message_th, exc.message_en
    elif isinstance(exc, ApplicationError):
        code = exc.code
        th, en = both(exc.message)
    elif isinstance(exc, IntegrityError):
        code = "import_conflict"
        th, en = both(
            gettext_lazy(
                "Someone saved some of the same customers or orders while this import ran, so "
                "nothing was imported. Run it again: what is already there is not repeated."
            )
        )
    else:
        code = "import_crashed"
        th, en = both(
            gettext_lazy(
                "The import stopped because of an unexpected error; nothing was imported. "
                "Try again, and if it fails again, send the file to support."
            )
        )
    checked = exc.report if isinstance(exc, RowsRejected) else (job.report or {})
    return {**checked, "mode": "import", "failed": True,
            "error": {"code": code, "message_th": th, "message_en": en}}  # fmt: skip


def import_job_execute(
    *, job_id: int, listener: ProgressListener | None = None
) -> ImportJob | None:
    """Run a queued import in one transaction and store its report (the task calls this); a
    queued preview runs as a dry run instead. While it runs, a heartbeat says the worker is
    alive (``progress.Heartbeat``).

    Safe to call twice (a redelivered task): a finished job is left alone, and the import
    itself matches orders and customers by their keys, so it never doubles anything. A job
    deleted before its task started is None.
    """
    job = ImportJob.objects.select_related("workspace").filter(pk=job_id).first()
    if job is None:
        return None
    if job.status in (ImportStatus.DONE, ImportStatus.PREVIEWED):
        return job
    with Heartbeat(job.pk):
        if job.mapping.get("mode") == "preview":
            return _execute_preview(job, listener)
        return _execute_import(job, listener)


def _execute_import(job: ImportJob, listener: ProgressListener | None) -> ImportJob:
    job_id = job.pk
    progress = ProgressFile(job, dry_run=False, listener=listener)
    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    progress.write("running", "reading", 0)
    try:
        actor = _job_actor(job)
        _require_kind(actor, job.kind)
        with transaction.atomic():
            # One import at a time per workspace (PostgreSQL; SQLite has one writer anyway):
            # two imports of overlapping files would otherwise race for the same contacts.
            Workspace.objects.select_for_update().filter(pk=job.workspace_id).exists()
            locked = ImportJob.objects.select_for_update().get(pk=job_id)
            if locked.status == ImportStatus.DONE:
                return locked
            report = run_import(
                ImportRequest(
                    actor=actor,
                    path=Path(job.file.path),
                    kind=job.kind,
                    mapping=mapping_from_json(job.mapping.get("columns")),
                    channel_id=job.mapping.get("channel_id"),
                    date_orders=date_orders_from_json(job.mapping.get("date_orders")),
                    original_name=job.original_name,
                    dry_run=False,
                    partial=job.mapping.get("partial", True),
                ),
                progress=progress,
            )
            _note_already_imported(locked, report)
            locked.report = report
            locked.status = ImportStatus.DONE
            locked.rows_total = report["rows"]["total"]
            locked.rows_done = report["rows"]["total"]
            locked.created_count = report["created"]
            locked.updated_count = report["updated"]
            locked.skipped_count = report["skipped"]
            locked.error_count = report["rows"]["bad"]
            locked.finished_at = timezone.now()
            locked.save()
    except Exception as exc:
        if not isinstance(exc, ApplicationError):
            logger.exception("import %s failed", job_id)
        job.refresh_from_db()
        job.status = ImportStatus.FAILED
        job.finished_at = timezone.now()
        job.report = _failure_report(job, exc)
        if isinstance(exc, RowsRejected):
            job.rows_total = exc.report["rows"]["total"]
            job.error_count = exc.report["rows"]["bad"]
        job.save(update_fields=["status", "finished_at", "report", "rows_total", "error_count"])
        progress.finish("failed")
        return job
    progress.rows_done = locked.rows_done
    progress.finish("done")
    return locked


def _execute_preview(job: ImportJob, listener: ProgressListener | None) -> ImportJob:
    """A dry run queued by ``import_job_preview(background=True)``: reads only."""
    progress = ProgressFile(job, dry_run=True, listener=listener)
    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    progress.write("running", "reading", 0)
    try:
        actor = _job_actor(job)
        _require_kind(actor, job.kind)
        report = run_import(
            ImportRequest(
                actor=actor,
                path=Path(job.file.path),
                kind=job.kind,
                mapping=mapping_from_json(job.mapping.get("columns")),
                channel_id=job.mapping.get("channel_id"),
                date_orders=date_orders_from_json(job.mapping.get("date_orders")),
                original_name=job.original_name,
                dry_run=True,
            ),
            progress=progress,
        )
    except Exception as exc:
        if not isinstance(exc, ApplicationError):
            logger.exception("preview of import %s failed", job.pk)
        job.status = ImportStatus.FAILED
        job.finished_at = timezone.now()
        job.report = _failure_report(job, exc)
        job.save(update_fields=["status", "finished_at", "report"])
        progress.finish("failed")
        return job
    _note_already_imported(job, report)
    job.report = report
    job.status = ImportStatus.PREVIEWED
    job.rows_total = report["rows"]["total"]
    job.finished_at = timezone.now()
    job.save(update_fields=["report", "status", "rows_total", "finished_at"])
    progress.rows_done = job.rows_total
    progress.finish("done")
    return job


# --- dead workers, retries, deletion -----------------------------------------------------------

_WORKER_STOPPED = gettext_lazy(
    "The import stopped: the worker running it stopped (restarted, or out of memory) and was "
    "not heard from for a minute. Nothing from it was saved. Retry it."
)
DELETABLE = (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.QUEUED,
             ImportStatus.FAILED)  # fmt: skip


def import_jobs_reap(*, workspace: Workspace | None = None) -> int:
    """Mark failed every running import whose heartbeat is older than a minute (its worker
    was killed or restarted; its transaction was rolled back with it). Returns how many. Called
    whenever imports are read and every 30 s by Celery beat (``imports.import_jobs_reap``)."""
    running = ImportJob.objects.filter(status=ImportStatus.RUNNING)
    if workspace is not None:
        running = running.filter(workspace=workspace)
    now = timezone.now()
    th, en = both(_WORKER_STOPPED)
    reaped = 0
    for job in running:
        if not worker_stopped(job, now):
            continue
        report = {
            **(job.report or {}),
            "mode": job.mapping.get("mode", "import"),
            "failed": True,
            "error": {"code": "worker_stopped", "message_th": th, "message_en": en},
        }
        # Only if it is still running: a worker that was only slow may just have finished.
        reaped += ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED, finished_at=now, report=report
        )
        progress_clear(job.pk)
        logger.warning("import %s: the worker stopped (no heartbeat); marked failed", job.pk)
    return reaped


def import_job_retry(*, actor: Actor, job_id: int, background: bool = True) -> ImportJob:
    """Queue a failed import again, the same file with the same mapping (a dry run stays a dry
    run)."""
    job = import_job_get(actor=actor, job_id=job_id)
    _require_kind(actor, job.kind)
    if job.status != ImportStatus.FAILED:
        raise ApplicationError(
            "import_not_failed",
            _("Only an import that failed can be retried."),
            {"status": job.status},
            status=409,
        )
    return _queue(actor, job, dict(job.mapping), launch=background, retry=True)


def import_job_delete(*, actor: Actor, job_id: int) -> None:
    """Delete an import that never started, a dry run nobody went on with, or a failed import,
    with its uploaded file. A finished or running import stays (it is the record of what was
    imported)."""
    job = import_job_get(actor=actor, job_id=job_id)
    _require_kind(actor, job.kind)
    with transaction.atomic():
        locked = _job_for_update(actor, job.pk)
        started = locked.status == ImportStatus.QUEUED and locked.started_at is not None
        if locked.status not in DELETABLE or started:
            raise ApplicationError(
                "import_not_deletable",
                _("A finished or running import cannot be deleted."),
                {"status": locked.status},
                status=409,
            )
        name = locked.file.name or ""
        storage = locked.file.storage
        locked.delete()
        transaction.on_commit(lambda: _delete_files(storage, name, job.pk))


def _delete_files(storage: Any, name: str, job_id: int) -> None:
    if name:
        storage.delete(name)
    progress_clear(job_id)


# --- the bad rows as a file --------------------------------------------------------------------


def import_job_errors_csv(*, job: ImportJob) -> Iterator[bytes]:
    """The report's bad rows as CSV (UTF-8 with BOM so that Excel shows Thai)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    writer.writerow(["line", "column", "code", "reason (ไทย)", "reason (English)", "value"])
    for error in (job.report or {}).get("errors", []):
        # The column heading and the value come from the uploaded file: a cell such as
        # =HYPERLINK(…) must stay text when the shop opens this file in Excel.
        writer.writerow(
            [
                formula_safe_cell(error.get(key, ""))
                for key in ("line", "column", "code", "message_th", "message_en", "value")
            ]
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
