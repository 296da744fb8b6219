"""``samphan summaries``: the nightly refresh of purchase summaries and lifecycle stages, for
people who run it from cron instead of celery beat."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samphan.commerce.services import customer_summaries_refresh
from samphan.core.models import Workspace


class Command(BaseCommand):
    help = (
        "Recompute every customer's purchase summary and lifecycle stage from the paid orders "
        "(what the nightly task does); stages set by hand are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", type=int, help="only this workspace (id); default all")

    def handle(self, *args: Any, **options: Any) -> None:
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"] is not None:
            workspaces = workspaces.filter(pk=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"no workspace with id {options['workspace']}")
        for workspace in workspaces:
            start = time.perf_counter()
            count = customer_summaries_refresh(workspace=workspace)
            self.stdout.write(
                f"workspace {workspace.pk} “{workspace.name}”: {count:,} customers "
                f"in {time.perf_counter() - start:.1f} s"
            )
