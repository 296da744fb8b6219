"""``samphan serve``: the web server (gunicorn, static files by WhiteNoise).

Workers and threads are picked from the machine (``samphan.web.server``): two worker processes
per usable CPU core, as many as fit in the available memory (about 250 MB each), 4 threads each.
Change them with ``--workers``/``--threads`` or ``WEB_WORKERS``/``WEB_THREADS``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samphan.web import server


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


class Command(BaseCommand):
    help = (
        "Run the Samphan web server (gunicorn). Worker processes and threads are picked from "
        "the machine: two workers per CPU core (as memory allows) and 4 threads each; set "
        "--workers/--threads or WEB_WORKERS/WEB_THREADS to change them. Under overload, a "
        "request that waited longer than SAMPHAN_SHED_AFTER_SECONDS (5) for a thread is "
        "answered 503 with Retry-After."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SAMPHAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=_env_int("WEB_WORKERS"),
            help="worker processes (default: WEB_WORKERS, else two per CPU core as memory allows)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=_env_int("WEB_THREADS"),
            help=f"threads per worker (default: WEB_THREADS, else {server.THREADS})",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        serve(
            host=opts["host"], port=opts["port"], workers=opts["workers"], threads=opts["threads"]
        )


def serve(*, host: str, port: int, workers: int | None = None, threads: int | None = None) -> None:
    """Replace this process with gunicorn so signals (Ctrl-C) reach the server directly."""
    workers = workers or server.default_workers()
    threads = threads or server.default_threads()
    print(f"Serving on http://{host}:{port}/ with {workers} workers × {threads} threads")
    argv = [
        sys.executable,
        *server.gunicorn_argv(host=host, port=port, workers=workers, threads=threads),
    ]
    sys.stdout.flush()
    os.execv(sys.executable, argv)
