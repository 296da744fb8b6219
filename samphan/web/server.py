"""How ``samphan serve`` runs gunicorn: how many processes and threads, and load shedding.

Workers and threads come from the machine unless set (``--workers``/``--threads`` or
``WEB_WORKERS``/``WEB_THREADS``):

- workers: two per CPU core the process may use (``os.sched_getaffinity``), at least 2, at most
  as many as fit in the available memory at about 250 MB each, and no more than 16. Python runs
  one thread at a time per process, so processes are what use the cores; a second one per core
  covers the time a request waits for the database.
- threads: 4 per worker, for requests waiting on the database or the network.

Under overload a gthread worker queues connections for its threads without bound in time:
every request waits for every earlier one. ``SheddingThreadWorker`` notes how long each
connection waited for a thread (``samphan.core.serving``), and ``LoadSheddingMiddleware``
answers those that waited longer than ``SAMPHAN_SHED_AFTER_SECONDS`` with 503 and
``Retry-After`` at once, so the queue drains in a moment instead of growing.
"""

from __future__ import annotations

import os
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from samphan.core import serving

WORKER_CLASS = "samphan.web.server.SheddingThreadWorker"
MEMORY_PER_WORKER = 250 * 1024 * 1024
MAX_WORKERS = 16
THREADS = 4


def usable_cpus() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes (None where there is no such file)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def default_workers(cpus: int | None = None, memory: int | None = None) -> int:
    cpus = usable_cpus() if cpus is None else cpus
    workers = max(2 * cpus, 2)
    memory = available_memory() if memory is None else memory
    if memory is not None:
        workers = min(workers, max(memory // MEMORY_PER_WORKER, 1))
    return max(min(workers, MAX_WORKERS), 1)


def default_threads() -> int:
    return THREADS


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        "-m",
        "gunicorn",
        "samphan.wsgi:application",
        f"--bind={host}:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--worker-class={WORKER_CLASS}",
        "--access-logfile=-",
        "--timeout=120",
        # Connections a worker holds (queued for a thread or kept alive between requests).
        f"--worker-connections={max(threads * 64, 256)}",
        "--backlog=2048",
    ]


class SheddingThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, noting how long each connection waited for a thread, and
    closing a connection whose request body the application refused to read."""

    def enqueue_req(self, conn: Any) -> None:
        conn.samphan_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        queued_at = getattr(conn, "samphan_queued_at", None)
        serving.request_started(
            queue_wait=None if queued_at is None else time.monotonic() - queued_at
        )
        try:
            return super().handle(conn)
        finally:
            serving.request_started(queue_wait=None)

    def _keepalive_after(self, conn: Any, keepalive: Any) -> bool:
        # Keeping the connection would mean reading the rest of a body refused for its size.
        if serving.must_close():
            return False
        return bool(super()._keepalive_after(conn, keepalive))
