"""How long uploaded import files are kept, and removing files that name a person.

An uploaded file holds every row of it, so it is personal data of everyone in it. The privacy
app's retention policy deletes files older than the shop's limit (``import_files_purge``,
with a dry run that says what it would do, ``import_files_purge_plan``), and its erasure of a
person deletes the files that mention them (``import_files_mentioning``). A finished import
keeps its record and report without the file; an upload, dry run or failed import that
never completed is deleted with its file, as "Delete this upload" would. A queued or running
import is never touched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from samphan.core.models import Workspace
from samphan.imports.errors import ImportFileError
from samphan.imports.models import ImportJob, ImportStatus
from samphan.imports.progress import progress_clear
from samphan.imports.reader import open_table
from samphan.imports.values import clean_cell

logger = logging.getLogger(__name__)

BUSY = (ImportStatus.QUEUED, ImportStatus.RUNNING)


@dataclass
class FilesPurge:
    """What a purge does (dry run) or did: jobs deleted with their file, finished imports
    whose file goes (record and report kept), bytes freed, the oldest upload."""

    cutoff: dt.datetime
    jobs_deleted: list[int] = field(default_factory=list)
    files_deleted: list[int] = field(default_factory=list)
    bytes: int = 0
    oldest: dt.datetime | None = None

    @property
    def count(self) -> int:
        return len(self.jobs_deleted) + len(self.files_deleted)


def _with_files(workspace: Workspace) -> QuerySet[ImportJob]:
    return (
        ImportJob.objects.filter(workspace=workspace)
        .exclude(file="")
        .exclude(status__in=BUSY)
        .order_by("created_at", "pk")
    )


def _size(job: ImportJob) -> int:
    try:
        return int(job.file.size)
    except (OSError, ValueError):
        return 0  # the file is already gone from storage


def import_files_purge_plan(
    *, workspace: Workspace, older_than_days: int, now: dt.datetime | None = None
) -> FilesPurge:
    """The dry run: which uploads are older than ``older_than_days`` and would go. Changes
    nothing."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=older_than_days)
    plan = FilesPurge(cutoff=cutoff)
    for job in _with_files(workspace).filter(created_at__lt=cutoff):
        if job.status == ImportStatus.DONE:
            plan.files_deleted.append(job.pk)
        else:
            plan.jobs_deleted.append(job.pk)
        plan.bytes += _size(job)
        plan.oldest = plan.oldest or job.created_at
    return plan


def import_files_purge(
    *, workspace: Workspace, older_than_days: int, now: dt.datetime | None = None
) -> FilesPurge:
    """Delete the uploads the dry run lists. The files leave storage after the commit."""
    plan = import_files_purge_plan(workspace=workspace, older_than_days=older_than_days, now=now)
    _remove(workspace, plan.jobs_deleted, plan.files_deleted)
    return plan


def _remove(workspace: Workspace, job_ids: list[int], file_ids: list[int]) -> None:
    if not job_ids and not file_ids:
        return
    stamp = timezone.now().isoformat()
    with transaction.atomic():
        jobs = (
            ImportJob.objects.select_for_update()
            .filter(workspace=workspace, pk__in=[*job_ids, *file_ids])
            .exclude(status__in=BUSY)
        )
        for job in jobs:
            name, storage = job.file.name or "", job.file.storage
            if job.pk in job_ids:
                job.delete()
            else:
                job.file = ""
                job.report = {**(job.report or {}), "file_deleted_at": stamp}
                job.save(update_fields=["file", "report"])
            transaction.on_commit(_file_deleter(storage, name, job.pk))


def _file_deleter(storage: Any, name: str, job_id: int) -> Callable[[], None]:
    def delete() -> None:
        if name:
            storage.delete(name)
        progress_clear(job_id)

    return delete


def import_files_mentioning(
    *, workspace: Workspace, mentions: Callable[[str], bool], remove: bool
) -> list[int]:
    """The uploads (ids) with a cell that ``mentions`` matches; with ``remove``, they go as in
    a purge. A queued or running import that mentions the person raises ``ImportBusy``."""
    found: list[int] = []
    busy: list[int] = []
    jobs = ImportJob.objects.filter(workspace=workspace).exclude(file="").order_by("pk")
    for job in jobs:
        if _file_mentions(job, mentions):
            (busy if job.status in BUSY else found).append(job.pk)
    if busy:
        raise ImportBusy(busy)
    if remove:
        done = set(
            ImportJob.objects.filter(pk__in=found, status=ImportStatus.DONE).values_list(
                "pk", flat=True
            )
        )
        _remove(workspace, [pk for pk in found if pk not in done], sorted(done))
    return found


class ImportBusy(Exception):
    def __init__(self, job_ids: list[int]) -> None:
        super().__init__(f"imports {job_ids} are queued or running")
        self.job_ids = job_ids


def _file_mentions(job: ImportJob, mentions: Callable[[str], bool]) -> bool:
    try:
        path = job.file.path
        with open_table(path) as table:
            if any(mentions(h) for h in table.headers):
                return True
            for _line, cells in table.rows:
                if any(mentions(clean_cell(c)) for c in cells if c not in (None, "")):
                    return True
    except FileNotFoundError:
        return False
    except ImportFileError:
        # Not a table we can read: look through its text line by line instead.
        return _raw_mentions(job, mentions)
    return False


def _raw_mentions(job: ImportJob, mentions: Callable[[str], bool]) -> bool:
    try:
        with job.file.open("rb") as fh:
            for raw in fh:
                if mentions(raw.decode("utf-8", errors="ignore")):
                    return True
    except FileNotFoundError:
        return False
    return False
