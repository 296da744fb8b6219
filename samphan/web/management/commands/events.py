"""``samphan events failures`` lists after-commit subscribers that failed for good;
``samphan events retry [--id N …]`` delivers their events again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from samphan.timeline.models import SubscriberFailure
from samphan.timeline.publish import failures_retry


class Command(BaseCommand):
    help = "List or retry the reactions to events that failed after their retries."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("failures", help="list the failures not yet delivered")
        retry = sub.add_parser("retry", help="deliver them again")
        retry.add_argument("--id", type=int, action="append", help="only this failure (repeat)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "failures":
            failures = SubscriberFailure.objects.filter(resolved_at__isnull=True).order_by("pk")
            for f in failures:
                self.stdout.write(
                    f"{f.pk}\t{timezone.localtime(f.failed_at):%Y-%m-%d %H:%M}\t{f.subscriber}\t"
                    f"{len(f.messages)} events\t{f.attempts} attempts\t{f.error.splitlines()[0] if f.error else ''}"
                )
            self.stdout.write(f"{failures.count()} failure(s) waiting")
            return
        delivered, failing = failures_retry(failure_ids=options.get("id"))
        self.stdout.write(f"delivered {delivered}, still failing {failing}")
        if failing:
            raise CommandError(f"{failing} failure(s) still failing")
