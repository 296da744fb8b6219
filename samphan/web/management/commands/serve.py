"""``samphan serve``: the web server (gunicorn, static files by WhiteNoise)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the Samphan web server (gunicorn)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SAMPHAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "1")))
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **opts: Any) -> None:
        serve(
            host=opts["host"], port=opts["port"], workers=opts["workers"], threads=opts["threads"]
        )


def serve(*, host: str, port: int, workers: int = 1, threads: int = 8) -> None:
    """Replace this process with gunicorn so signals (Ctrl-C) reach the server directly."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "samphan.wsgi:application",
        f"--bind={host}:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--access-logfile=-",
        "--timeout=120",
    ]
    sys.stdout.flush()
    os.execv(sys.executable, argv)
