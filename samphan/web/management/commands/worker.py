"""``samphan worker``: a Celery worker for background work (imports, recomputes, sends)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run a Celery worker. Needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=None)
        parser.add_argument("--queues", default="celery")
        parser.add_argument("--loglevel", default="info")
        parser.add_argument("--beat", action="store_true", help="also run the periodic scheduler")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                "CELERY_BROKER_URL is not set: tasks run in-process (eager mode) and need no "
                "worker. Set it, e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/0, to use workers."
            )
        argv = [sys.executable, "-m", "celery", "-A", "samphan", "worker"]
        argv += [f"--loglevel={opts['loglevel']}", f"--queues={opts['queues']}"]
        if opts["concurrency"]:
            argv.append(f"--concurrency={opts['concurrency']}")
        if opts["beat"]:
            argv.append("--beat")
        sys.stdout.flush()
        os.execv(sys.executable, argv)
