"""``samphan recompute``: recompute the customer analytics of one workspace or all of them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samphan.analytics.models import ModelRun
from samphan.analytics.recompute import metrics_recompute
from samphan.core.models import Workspace


class Command(BaseCommand):
    help = (
        "Recompute RFM scores and segments, historical and predicted CLV and the model card "
        "(what the nightly task does), printing the time of each step."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", type=int, help="only this workspace (id); default all")
        parser.add_argument("--horizon-months", type=int, default=12, help="CLV horizon (12)")
        parser.add_argument(
            "--monthly-discount", type=float, default=0.01, help="monthly discount rate (0.01)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"] is not None:
            workspaces = workspaces.filter(pk=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"no workspace with id {options['workspace']}")
        failed = 0
        for workspace in workspaces:
            self.stdout.write(f"workspace {workspace.pk} “{workspace.name}”")
            start = time.perf_counter()

            def progress(step: str, seconds: float) -> None:
                self.stdout.write(f"  {step:<16} {seconds:8.2f} s")

            run = metrics_recompute(
                workspace=workspace,
                horizon_months=options["horizon_months"],
                monthly_discount=options["monthly_discount"],
                progress=progress,
            )
            elapsed = time.perf_counter() - start
            if run.status == ModelRun.Status.DONE:
                trust = "trustworthy" if run.model_card.get("trustworthy") else "NOT trustworthy"
                self.stdout.write(
                    self.style.SUCCESS(
                        f"  done: {run.customers:,} customers in {elapsed:.1f} s "
                        f"(run {run.pk}, model {trust})"
                    )
                )
            else:
                failed += 1
                first_line = run.error.splitlines()[0] if run.error else ""
                self.stderr.write(f"  failed after {elapsed:.1f} s (run {run.pk}): {first_line}")
        if failed:
            raise CommandError(f"{failed} recompute(s) failed")
