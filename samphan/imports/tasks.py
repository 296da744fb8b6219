"""Background work for imports: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="imports.import_job_run")
def import_job_run_task(job_id: int) -> str:
    """Run one queued import (``samphan.imports.jobs.import_job_execute``); returns the job's
    final status. Failures are recorded on the job, not raised."""
    from samphan.imports.jobs import import_job_execute

    job = import_job_execute(job_id=job_id)
    return "deleted" if job is None else job.status


@shared_task(name="imports.import_jobs_reap")
def import_jobs_reap_task() -> int:
    """Mark failed the imports whose worker stopped (no heartbeat for a minute); Celery beat
    runs this every 30 s. Returns how many."""
    from samphan.imports.jobs import import_jobs_reap

    return import_jobs_reap()
