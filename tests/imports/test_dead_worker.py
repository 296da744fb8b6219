"""Jobs survive a dead worker: a running job beats a heartbeat; one whose heartbeat is older
than a minute is marked failed when it is read and by the periodic task, and can be retried.
A job that never started, an abandoned dry run and a failed job can be deleted with their
file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor
from samphan.imports import jobs, progress
from samphan.imports.models import ImportJob
from samphan.imports.tasks import import_jobs_reap_task
from tests.conftest import ApiClient
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db


def _queued(owner: Actor) -> ImportJob:
    job = jobs.import_job_create(actor=owner, file=upload("lazada.csv"), kind="lazada")
    return jobs.import_job_run(actor=owner, job_id=job.pk, background=False)


def _kill(job: ImportJob, *, beat_age: float) -> ImportJob:
    """The job's worker was killed while it ran: the row says running, the heartbeat file was
    last written ``beat_age`` seconds ago (a stale heartbeat is how a dead worker looks)."""
    started = timezone.now() - dt.timedelta(seconds=beat_age + 5)
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=started)
    progress.heartbeat_write(job.pk, at=timezone.now() - dt.timedelta(seconds=beat_age))
    return job


def _killed(owner: Actor, *, beat_age: float) -> ImportJob:
    return _kill(_queued(owner), beat_age=beat_age)


def test_a_running_job_beats(owner: Actor, channels: dict[str, SalesChannel],
                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    seen: list[dt.datetime | None] = []
    real = jobs.run_import

    def run_and_look(*args: Any, **kw: Any) -> Any:
        seen.append(progress.heartbeat_read(job.pk))  # while the import runs
        return real(*args, **kw)

    monkeypatch.setattr(jobs, "run_import", run_and_look)
    job = jobs.import_job_create(actor=owner, file=upload("lazada.csv"), kind="lazada")
    jobs.import_job_run(actor=owner, job_id=job.pk, background=False)
    job = jobs.import_job_execute(job_id=job.pk)

    assert job.status == "done"
    (beat,) = seen
    assert beat is not None and timezone.now() - beat < dt.timedelta(seconds=10)
    assert progress.heartbeat_read(job.pk) is None  # gone with the job's end


def test_a_stale_heartbeat_is_marked_failed_when_read(
    owner: Actor, channels: dict[str, SalesChannel], api_rw: ApiClient
) -> None:
    # Before: a killed job stayed "running" for 10 minutes.
    job = _killed(owner, beat_age=61)

    body = api_rw.get(f"/api/v1/imports/{job.pk}").json()
    assert body["status"] == "failed"
    assert body["report"]["error"]["code"] == "worker_stopped"
    assert body["report"]["error"]["message_en"]
    assert ImportJob.objects.get(pk=job.pk).status == "failed"
    assert not Order.objects.exists()


def test_a_fresh_heartbeat_is_still_running(
    owner: Actor, channels: dict[str, SalesChannel], owner_client: Client
) -> None:
    job = _killed(owner, beat_age=20)
    page = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == "running"
    assert f'hx-get="/imports/{job.pk}/progress/"' in page


def test_the_periodic_task_marks_every_stale_job(
    owner: Actor, channels: dict[str, SalesChannel]
) -> None:
    dead, alive = _queued(owner), _queued(owner)
    _kill(dead, beat_age=90)
    _kill(alive, beat_age=5)

    assert import_jobs_reap_task.apply().get() == 1
    assert ImportJob.objects.get(pk=dead.pk).status == "failed"
    assert ImportJob.objects.get(pk=alive.pk).status == "running"


def test_retry_requeues_the_same_file_and_mapping(
    owner: Actor, channels: dict[str, SalesChannel], owner_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    job = _killed(owner, beat_age=120)
    columns = ImportJob.objects.get(pk=job.pk).mapping["columns"]
    page = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert f'action="/imports/{job.pk}/retry/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/imports/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done", job.report
    assert job.mapping["columns"] == columns
    assert Order.objects.filter(workspace=owner.workspace).count() == 4


def test_retry_through_the_api(
    owner: Actor, channels: dict[str, SalesChannel], api_rw: ApiClient,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    job = _killed(owner, beat_age=120)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_rw.post(f"/api/v1/imports/{job.pk}/retry")
    assert response.status_code == 202, response.content
    assert ImportJob.objects.get(pk=job.pk).status == "done"
    # Only a failed job is retried.
    again = api_rw.post(f"/api/v1/imports/{job.pk}/retry")
    assert again.status_code == 409


def _stored(job: ImportJob) -> str:
    name = job.file.name
    assert default_storage.exists(name)
    return name


def test_delete_a_job_that_never_started(
    owner: Actor, api_rw: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    job = jobs.import_job_create(actor=owner, file=upload("customers.csv"), kind="customers")
    name = _stored(job)

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once it is committed
        response = api_rw.client.delete(f"/api/v1/imports/{job.pk}", headers=api_rw.headers)
    assert response.status_code == 204, response.content
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not default_storage.exists(name)


def test_delete_an_abandoned_dry_run_on_the_page(
    owner: Actor, owner_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = jobs.import_job_create(actor=owner, file=upload("customers.csv"), kind="customers")
    job = jobs.import_job_preview(actor=owner, job_id=job.pk)
    name = _stored(job)
    page = owner_client.get(f"/imports/{job.pk}/").content.decode()
    assert f'action="/imports/{job.pk}/delete/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/imports/{job.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/imports/"
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not default_storage.exists(name)


def test_delete_a_queued_job_and_its_task_finds_nothing(owner: Actor) -> None:
    job = jobs.import_job_create(actor=owner, file=upload("customers.csv"), kind="customers")
    jobs.import_job_run(actor=owner, job_id=job.pk, background=False)  # queued, not started
    jobs.import_job_delete(actor=owner, job_id=job.pk)
    assert jobs.import_job_execute(job_id=job.pk) is None  # the task, delivered late


def test_a_finished_or_running_job_cannot_be_deleted(
    owner: Actor, channels: dict[str, SalesChannel], api_rw: ApiClient, run_file: Any
) -> None:
    done = run_file("lazada.csv", "lazada")
    running = _killed(owner, beat_age=1)
    for job in (done, running):
        response = api_rw.client.delete(f"/api/v1/imports/{job.pk}", headers=api_rw.headers)
        assert response.status_code == 409
        assert ImportJob.objects.filter(pk=job.pk).exists()
        assert Path(job.file.path).exists()


def test_celery_beat_runs_the_reaper_often_enough() -> None:
    from django.conf import settings

    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values()
                if e["task"] == "imports.import_jobs_reap"]  # fmt: skip
    assert entry["schedule"] <= 30  # stale after 60 s, failed within the next 30 s
    assert import_jobs_reap_task.name == "imports.import_jobs_reap"
