"""All or nothing, and idempotent: re-imports, crashes, previews, progress, the task path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from samphan.commerce import bulk as commerce_bulk
from samphan.commerce.models import Order, OrderLine, SalesChannel
from samphan.core.access import Actor
from samphan.core.sink import RowSink
from samphan.customers.models import ConsentEvent, ContactPoint, Customer
from samphan.imports import engine as engine_module
from samphan.imports import jobs as imports
from samphan.imports.models import ImportJob
from samphan.imports.progress import import_job_progress
from samphan.imports.tasks import import_job_run_task
from samphan.timeline.models import TimelineEvent
from tests.imports.conftest import upload

pytestmark = pytest.mark.django_db

RunFile = Callable[..., ImportJob]
FILES = [
    ("shopee_th.xlsx", "shopee"),
    ("shopee_en.csv", "shopee"),
    ("lazada.csv", "lazada"),
    ("tiktok.csv", "tiktok"),
    ("customers.csv", "customers"),
    ("orders.csv", "orders"),
]


def _snapshot(actor: Actor) -> dict[str, Any]:
    ws = actor.workspace
    return {
        "customers": sorted(
            Customer.objects.filter(workspace=ws).values_list(
                "pk", "title", "first_name", "last_name", "nickname", "gender", "birthday",
                "province", "orders_count", "total_spent_satang", "last_order_at",
            )
        ),
        "contacts": sorted(ContactPoint.objects.filter(workspace=ws).values_list("pk", "kind", "value", "customer_id", "is_primary")),
        "orders": sorted(Order.objects.filter(workspace=ws).values_list("pk", "number", "status", "total_satang", "customer_id")),
        "lines": OrderLine.objects.filter(workspace=ws).count(),
        "events": TimelineEvent.objects.filter(workspace=ws).count(),
        "consents": ConsentEvent.objects.filter(workspace=ws).count(),
        "tags": sorted(Customer.tags.through.objects.filter(customer__workspace=ws).values_list("customer_id", "tag_id")),
    }  # fmt: skip


def _empty(actor: Actor) -> bool:
    snap = _snapshot(actor)
    return not any(
        snap[k] for k in ("customers", "contacts", "orders", "lines", "events", "consents", "tags")
    )


@pytest.mark.parametrize("name,kind", FILES)
def test_same_file_twice_changes_nothing(
    name: str, kind: str, owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    first = run_file(name, kind)
    assert first.created_count > 0
    before = _snapshot(owner)
    second = run_file(name, kind)
    assert _snapshot(owner) == before
    assert (second.created_count, second.updated_count) == (0, 0)
    assert second.skipped_count == first.created_count + first.skipped_count
    # The preview of the second upload said so before anything ran.
    codes = [n["code"] for n in second.report["notes"]]
    assert "already_imported" in codes


def test_new_status_in_a_later_export_is_updated(
    owner: Actor, channels: dict[str, SalesChannel], run_file: RunFile
) -> None:
    run_file("shopee_en.csv", "shopee")
    later = open_fixture("shopee_en.csv").replace(",Shipping,", ",Cancelled,").encode("utf-8-sig")
    job = run_file("shopee_en_later.csv", "shopee", content=later)
    assert (job.created_count, job.updated_count) == (0, 1)
    order = Order.objects.get(workspace=owner.workspace, number="2611240XYZ003")
    assert order.status == "cancelled"
    assert order.customer is not None and order.customer.orders_count == 0
    changed = TimelineEvent.objects.get(customer=order.customer, type="order.status_changed")
    assert changed.payload["from"] == "paid" and changed.payload["to"] == "cancelled"


def open_fixture(name: str) -> str:
    from tests.imports.conftest import FIXTURES

    return (FIXTURES / name).read_text(encoding="utf-8-sig")


def test_preview_writes_nothing(owner: Actor, channels: dict[str, SalesChannel]) -> None:
    job = imports.import_job_create(actor=owner, file=upload("shopee_th.xlsx"), kind="shopee")
    job = imports.import_job_preview(actor=owner, job_id=job.pk)
    assert job.status == "previewed"
    assert _empty(owner)
    report = job.report
    assert report["mode"] == "preview"
    assert (report["created"], report["skipped"]) == (4, 1)
    assert report["counts"]["customers_created"] == 3
    assert report["counts"]["lines_created"] == 6
    # What the preview promised is what the import does.
    imports.import_job_run(actor=owner, job_id=job.pk)
    done = imports.import_job_execute(job_id=job.pk)
    assert done.report["counts"] == report["counts"]
    assert Customer.objects.filter(workspace=owner.workspace).count() == 3


def test_preview_without_a_channel_adds_none(owner: Actor) -> None:
    job = imports.import_job_create(actor=owner, file=upload("tiktok.csv"), kind="tiktok")
    job = imports.import_job_preview(actor=owner, job_id=job.pk)
    assert job.report["created"] == 3
    assert any(n["code"] == "channel_will_be_added" for n in job.report["notes"])
    assert not SalesChannel.objects.filter(workspace=owner.workspace).exists()


def test_crash_while_reading_leaves_no_data(
    owner: Actor, channels: dict[str, SalesChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    parsers = dict(engine_module.ROW_PARSERS)
    real = parsers["customers"]

    def crash_on_line_8(ctx: Any, line: int, cells: list[object]) -> Any:
        if line == 8:
            raise RuntimeError("disk on fire")
        return real(ctx, line, cells)

    monkeypatch.setitem(engine_module.ROW_PARSERS, "customers", crash_on_line_8)
    job = imports.import_job_create(actor=owner, file=upload("customers.csv"), kind="customers")
    imports.import_job_run(actor=owner, job_id=job.pk)
    job = imports.import_job_execute(job_id=job.pk)
    assert job.status == "failed"
    assert job.report["error"]["code"] == "import_crashed"
    assert _empty(owner)


def test_crash_after_some_writes_rolls_everything_back(
    owner: Actor, channels: dict[str, SalesChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches, and a failure on the second batch of orders: the first batch (customers,
    # contacts, orders, lines and events) is already written when it fails.
    monkeypatch.setattr(commerce_bulk, "ORDER_BATCH", 1)
    real = RowSink.insert
    calls = {"n": 0}

    def insert(self: RowSink, model: Any, columns: Any, rows: Any) -> int:
        if model is OrderLine:
            calls["n"] += 1
            if calls["n"] == 2:
                assert Order.objects.filter(workspace=owner.workspace).count() == 2
                assert OrderLine.objects.filter(workspace=owner.workspace).exists()
                raise RuntimeError("the server went away")
        return real(self, model, columns, rows)

    monkeypatch.setattr(RowSink, "insert", insert)
    job = imports.import_job_create(actor=owner, file=upload("shopee_th.xlsx"), kind="shopee")
    imports.import_job_run(actor=owner, job_id=job.pk)
    job = imports.import_job_execute(job_id=job.pk)
    assert calls["n"] == 2
    assert job.status == "failed"
    assert _empty(owner)
    # It can simply be run again.
    monkeypatch.setattr(RowSink, "insert", real)
    imports.import_job_run(actor=owner, job_id=job.pk)
    assert imports.import_job_execute(job_id=job.pk).status == "done"
    assert Order.objects.filter(workspace=owner.workspace).count() == 4


def test_progress_is_visible_while_the_import_runs(
    owner: Actor, channels: dict[str, SalesChannel], monkeypatch: pytest.MonkeyPatch
) -> None:
    job = imports.import_job_create(actor=owner, file=upload("lazada.csv"), kind="lazada")
    imports.import_job_run(actor=owner, job_id=job.pk)
    seen: list[dict[str, Any]] = []

    class EveryTick(engine_module._Progress):
        def __init__(self, fn: Any, interval: float = 0.5) -> None:
            super().__init__(fn, 0.0)  # no throttling: the test wants row 4

        def __call__(self, phase: str, done: int, total: int) -> None:
            super().__call__(phase, done, total)
            if phase == "reading" and done == 4:
                # Inside the import's transaction: what another request would see now.
                assert connection.in_atomic_block
                seen.append(import_job_progress(job=ImportJob.objects.get(pk=job.pk)))

    monkeypatch.setattr(engine_module, "_Progress", EveryTick)
    imports.import_job_execute(job_id=job.pk)
    assert seen, "progress was never reported"
    progress = seen[0]
    assert progress["status"] == "running"
    assert progress["phase"] == "reading"
    assert progress["rows_done"] == 4 and progress["rows_total"] == 8
    assert 0 < progress["percent"] < 50
    final = import_job_progress(job=ImportJob.objects.get(pk=job.pk))
    assert (final["status"], final["percent"], final["rows_done"]) == ("done", 100, 8)


def test_task_runs_the_import(owner: Actor, channels: dict[str, SalesChannel]) -> None:
    job = imports.import_job_create(actor=owner, file=upload("tiktok.csv"), kind="tiktok")
    imports.import_job_run(actor=owner, job_id=job.pk)
    assert import_job_run_task.apply(args=(job.pk,)).get() == "done"
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 3)
    assert job.started_at is not None and job.finished_at is not None
    # Delivered twice (acks_late): the second run leaves the finished job alone.
    assert import_job_run_task.apply(args=(job.pk,)).get() == "done"
    assert Order.objects.filter(workspace=owner.workspace).count() == 3


def test_run_launches_after_commit(
    owner: Actor, channels: dict[str, SalesChannel], django_capture_on_commit_callbacks: Any
) -> None:
    job = imports.import_job_create(actor=owner, file=upload("tiktok.csv"), kind="tiktok")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = imports.import_job_run(actor=owner, job_id=job.pk)
    assert queued.status == "queued"
    assert not Order.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()  # eager mode, inline in tests
    assert ImportJob.objects.get(pk=job.pk).status == "done"


def test_a_running_import_cannot_be_started_again(
    owner: Actor, channels: dict[str, SalesChannel]
) -> None:
    from samphan.core.errors import ApplicationError

    job = imports.import_job_create(actor=owner, file=upload("tiktok.csv"), kind="tiktok")
    imports.import_job_run(actor=owner, job_id=job.pk)
    with pytest.raises(ApplicationError) as info:
        imports.import_job_run(actor=owner, job_id=job.pk)
    assert info.value.code == "import_running"
    imports.import_job_execute(job_id=job.pk)
    with pytest.raises(ApplicationError) as info:
        imports.import_job_preview(actor=owner, job_id=job.pk)
    assert info.value.code == "import_done"
