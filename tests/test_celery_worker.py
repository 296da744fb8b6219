"""A task submitted through Redis is executed by a real worker process (production wiring).

Runs when SAMPHAN_TEST_REDIS_URL is set and the suite runs on PostgreSQL (the worker is another
process and must see the same database); `.ci/run` sets both. In-process (eager) execution is
what every other test uses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from samphan.commerce.models import OrderStatus
from samphan.customers.models import Customer
from tests.factories import CustomerFactory, OrderFactory, WorkspaceFactory

ROOT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("SAMPHAN_TEST_REDIS_URL", "")


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_task_through_redis_runs_on_worker_process(tmp_path: Path) -> None:
    # CI sets SAMPHAN_REQUIRE_REDIS so that this test cannot be skipped there by accident.
    skip = pytest.fail if os.environ.get("SAMPHAN_REQUIRE_REDIS") else pytest.skip
    if not BROKER:
        skip("set SAMPHAN_TEST_REDIS_URL to run against a real Redis broker")
    if connection.vendor != "postgresql":
        skip("the worker process needs a shared database: run with DATABASE_URL=postgres")
    workspace = WorkspaceFactory()
    customer = CustomerFactory(workspace=workspace)
    OrderFactory(workspace=workspace, customer=customer, total_satang=10000)
    OrderFactory(workspace=workspace, customer=customer, total_satang=25050)
    OrderFactory(
        workspace=workspace, customer=customer, total_satang=999, status=OrderStatus.REFUNDED
    )
    # The orders' events refreshed the summary already; make it stale, as a summary that a
    # crashed subscriber left behind would be, so that the worker's refresh is what is seen.
    Customer.objects.filter(pk=customer.pk).update(orders_count=0, total_spent_satang=0)
    assert Customer.objects.get(pk=customer.pk).orders_count == 0

    queue = f"samphan-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "DATABASE_URL": _database_url(),
        "SAMPHAN_DATA_DIR": str(tmp_path),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "samphan", "worker", "--pool=solo",
         f"--queues={queue}", "--loglevel=info", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    outcome: object = None
    try:
        client = Celery("samphan-test-client", broker=BROKER, backend=BROKER)
        result = client.send_task(
            "commerce.customer_summaries_refresh", args=[workspace.pk], queue=queue
        )
        outcome = result.get(timeout=90)
    except Exception as exc:
        outcome = exc
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert outcome == 1, f"{outcome!r}\n--- worker output ---\n{output}"
    assert "commerce.customer_summaries_refresh" in output
    refreshed = Customer.objects.get(pk=customer.pk)
    assert refreshed.orders_count == 2
    assert refreshed.total_spent_satang == 35050
