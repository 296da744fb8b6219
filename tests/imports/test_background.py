"""Embedded mode: the import runs in a background thread, the request returns at once, and the
progress can be read while the import's transaction is open."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import actor_for_membership
from samphan.imports import engine as engine_module
from samphan.imports import jobs as imports
from samphan.imports.models import ImportJob
from samphan.imports.progress import import_job_progress
from tests.imports.conftest import member, upload


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_runs_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "RUN_EAGER_IN_THREAD", True)
    actor = actor_for_membership(member())
    SalesChannel.objects.create(workspace=actor.workspace, kind="lazada", name="Lazada")
    job = imports.import_job_create(actor=actor, file=upload("lazada.csv"), kind="lazada")

    reached, go = threading.Event(), threading.Event()
    real = engine_module.ROW_PARSERS["lazada"]

    def wait_on_line_6(ctx: Any, line: int, cells: list[object]) -> Any:
        if line == 6:
            reached.set()
            assert go.wait(20), "the test never let the import go on"
        return real(ctx, line, cells)

    monkeypatch.setitem(engine_module.ROW_PARSERS, "lazada", wait_on_line_6)
    try:
        queued = imports.import_job_run(actor=actor, job_id=job.pk)  # returns at once
        assert queued.status == "queued"
        assert reached.wait(20), "the import thread did not start"
        progress = import_job_progress(job=queued)  # read from the progress file
        assert progress["status"] == "running" and progress["phase"] == "reading"
        assert 1 <= progress["rows_done"] < 8 and progress["rows_total"] == 8
        if connection.vendor == "postgresql":
            # Another connection sees the job running and none of its orders yet.
            assert ImportJob.objects.get(pk=job.pk).status == "running"
            assert not Order.objects.filter(workspace=actor.workspace).exists()
    finally:
        go.set()
        imports.import_job_wait(job.pk, timeout=60)
    job.refresh_from_db()
    assert job.status == "done", job.report
    assert Order.objects.filter(workspace=actor.workspace).count() == 4
    assert import_job_progress(job=job)["percent"] == 100
