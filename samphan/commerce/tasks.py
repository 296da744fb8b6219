"""Background work for commerce: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from samphan.commerce.services import customer_summaries_refresh
from samphan.core.models import Workspace


@shared_task(name="commerce.customer_summaries_refresh")
def customer_summaries_refresh_task(workspace_id: int) -> int:
    workspace = Workspace.objects.get(pk=workspace_id)
    return customer_summaries_refresh(workspace=workspace)


@shared_task(name="commerce.import_job_run")
def import_job_run_task(job_id: int) -> str:
    """Run one queued import (``samphan.commerce.imports.import_job_execute``); returns the
    job's final status. Failures are recorded on the job, not raised."""
    from samphan.commerce.imports import import_job_execute

    return import_job_execute(job_id=job_id).status
