"""How far an import job is, readable while its transaction is still open.

Progress lives outside that transaction, in a small JSON file per job under
``MEDIA_ROOT/imports/progress/<job id>.json``, replaced atomically (write + ``os.replace``)
at most twice a second. Why a file and not the job row or the cache:

* the job row cannot carry it: the import transaction holds the database's write lock (SQLite
  allows one writer; WAL lets readers in but a second writer would wait for the whole import),
  and an update inside that transaction is invisible to other requests until the end;
* Django's default cache is in-process (LocMem): a Celery worker process, or a gunicorn worker
  other than the one that started the import, would not see it, and we configure no cache;
* the upload itself already lives under ``MEDIA_ROOT``, which the web processes and every
  worker must share anyway, so a file next to it works in every set-up: embedded mode (eager
  Celery, the import in a background thread), several gunicorn workers, and separate Celery
  worker processes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from samphan.imports.models import ImportJob, ImportStatus

PROGRESS_DIR = Path("imports") / "progress"
# A running job writes its heartbeat file every few seconds, from a thread of its own (so a
# long query between two progress ticks does not look like a dead worker). A job not heard
# from for a minute has lost its worker: it is marked failed when it is read, and by the
# periodic task (``import_jobs_reap``).
HEARTBEAT_EVERY = 5.0  # seconds
HEARTBEAT_TIMEOUT = dt.timedelta(seconds=60)
LATE_AFTER = dt.timedelta(seconds=15)  # the page says the worker is late

# Share of the progress bar per phase: (start %, end %).
_PHASES_IMPORT = {"reading": (0, 50), "matching": (50, 55), "writing": (55, 95),
                  "summaries": (95, 100)}  # fmt: skip
_PHASES_PREVIEW = {"reading": (0, 90), "matching": (90, 100)}

PHASE_LABELS = {
    "queued": gettext_lazy("Waiting to start"),
    "reading": gettext_lazy("Reading and checking rows"),
    "matching": gettext_lazy("Matching customers and orders"),
    "writing": gettext_lazy("Saving"),
    "summaries": gettext_lazy("Updating customer totals"),
    "done": gettext_lazy("Finished"),
    "failed": gettext_lazy("Failed"),
}


def _progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / PROGRESS_DIR / f"{job_id}.json"


def _progress_write(job_id: int, data: dict[str, Any]) -> None:
    path = _progress_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps({**data, "updated_at": timezone.now().isoformat()}))
    os.replace(tmp, path)


def _progress_read(job_id: int) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(_progress_path(job_id).read_text())
    except (OSError, ValueError):
        return None
    return data


def _beat_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / PROGRESS_DIR / f"{job_id}.beat"


def heartbeat_write(job_id: int, *, at: dt.datetime | None = None) -> None:
    path = _beat_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.beat-tmp")
    tmp.write_text((at or timezone.now()).isoformat())
    os.replace(tmp, path)


def heartbeat_read(job_id: int) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(_beat_path(job_id).read_text().strip())
    except (OSError, ValueError):
        return None


def progress_clear(job_id: int) -> None:
    """The job's progress and heartbeat files go (the job has ended, or is deleted)."""
    _progress_path(job_id).unlink(missing_ok=True)
    _beat_path(job_id).unlink(missing_ok=True)


class Heartbeat:
    """``with Heartbeat(job_id):`` beats every ``HEARTBEAT_EVERY`` seconds in a daemon thread
    until the block ends. If the process dies, the beats stop with it."""

    def __init__(self, job_id: int, every: float | None = None) -> None:
        self.job_id = job_id
        self.every = HEARTBEAT_EVERY if every is None else every
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"samphan-import-beat-{job_id}", daemon=True
        )

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            with suppress(OSError):  # a full or missing disk must not stop the import itself
                heartbeat_write(self.job_id)

    def __enter__(self) -> Heartbeat:
        heartbeat_write(self.job_id)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        _beat_path(self.job_id).unlink(missing_ok=True)


def worker_stopped(job: ImportJob, now: dt.datetime | None = None) -> bool:
    """Whether a running job's worker has stopped: no heartbeat for ``HEARTBEAT_TIMEOUT``."""
    if job.status != ImportStatus.RUNNING:
        return False
    last = heartbeat_read(job.pk) or job.started_at or job.created_at
    return (now or timezone.now()) - last > HEARTBEAT_TIMEOUT


def _percent(phases: dict[str, tuple[int, int]], phase: str, done: int, total: int) -> int:
    start, end = phases.get(phase, (0, 100))
    share = min(done / total, 1.0) if total else 1.0
    return int(start + (end - start) * share)


ProgressListener = Callable[[dict[str, Any]], None]


class ProgressFile:
    """The engine's progress callback for one job: phase, rows and a percentage, written to
    the job's progress file (and given to ``listener``, e.g. the command line's progress bar)."""

    def __init__(
        self,
        job: ImportJob,
        *,
        dry_run: bool,
        listener: ProgressListener | None = None,
        to_file: bool = True,
    ) -> None:
        self.job_id = job.pk
        self.rows_total = job.rows_total
        self.phases = _PHASES_PREVIEW if dry_run else _PHASES_IMPORT
        self.rows_done = 0
        self.listener = listener
        self.to_file = to_file

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == "reading":
            self.rows_done, self.rows_total = done, max(total, done)
        else:
            self.rows_done = self.rows_total
        self.write("running", phase, _percent(self.phases, phase, done, total))

    def finish(self, status: str) -> None:
        """The job's row now says how it ended: tell the listener, drop the file."""
        if self.listener is not None:
            self.write(status, status, 100, to_file=False)
        _progress_path(self.job_id).unlink(missing_ok=True)

    def write(self, status: str, phase: str, percent: int, *, to_file: bool = True) -> None:
        data = {
            "status": status,
            "phase": phase,
            "percent": percent,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
        }
        if self.to_file and to_file:
            _progress_write(self.job_id, data)
        if self.listener is not None:
            self.listener({**data, "phase_label": str(PHASE_LABELS.get(phase, ""))})


def import_job_progress(*, job: ImportJob) -> dict[str, Any]:
    """Where an import is: status, phase, percent, rows read. Readable while the import's
    transaction is still open (it comes from the progress file, not the database)."""
    data: dict[str, Any] = {
        "status": job.status,
        "phase": {"done": "done", "failed": "failed"}.get(str(job.status), ""),
        "percent": 100 if job.status in (ImportStatus.DONE, ImportStatus.PREVIEWED) else 0,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "stale": False,
    }
    if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        data["phase"] = "queued"
        found = _progress_read(job.pk)
        if found and found.get("status") == "running":
            keys = ("status", "phase", "percent", "rows_done", "rows_total")
            data.update({k: found[k] for k in keys})
        if job.status == ImportStatus.RUNNING:
            last = heartbeat_read(job.pk) or job.started_at or job.created_at
            data["stale"] = timezone.now() - last > LATE_AFTER
    data["phase_label"] = str(PHASE_LABELS.get(data["phase"], ""))
    return data
