"""``samphan seed``: generate a believable Thai shop (demo data and the benchmark generator)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from samphan.core.models import Workspace
from samphan.seeding.runner import DEFAULT_BATCH_SIZE, seed_shop


def _until(text: str) -> dt.datetime:
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(text)
        moment = dt.datetime.combine(day, dt.time(23, 59, 59))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Generate a believable Thai shop: branches, channels, products, customers with contacts, "
        "orders with lines, and their timeline. Deterministic for a given --seed, --until and "
        "--batch-size."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=2000, help="how many (default 2000)")
        parser.add_argument(
            "--months", type=int, default=18, help="months of order history ending now (18)"
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--workspace", type=int, help="add to this existing workspace (id)")
        target.add_argument("--workspace-name", help="name of the new workspace to create")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"customers generated and written per chunk (default {DEFAULT_BATCH_SIZE:,})",
        )
        parser.add_argument(
            "--until",
            type=_until,
            help="end of the history (ISO date or datetime; default now), for reproducible data",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        workspace = None
        if opts.get("workspace") is not None:
            workspace = Workspace.objects.filter(pk=opts["workspace"]).first()
            if workspace is None:
                raise CommandError(f"Workspace {opts['workspace']} does not exist.")
        if opts["customers"] < 0:
            raise CommandError("--customers must be 0 or more.")
        if opts["months"] < 1:
            raise CommandError("--months must be 1 or more.")
        if opts["seed"] < 0:
            raise CommandError("--seed must be 0 or more.")
        if opts["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        verbosity = int(opts.get("verbosity", 1))
        result = seed_shop(
            customers=opts["customers"],
            months=opts["months"],
            seed=opts["seed"],
            workspace=workspace,
            workspace_name=opts.get("workspace_name"),
            batch_size=opts["batch_size"],
            end=opts.get("until"),
            progress=verbosity > 0,
        )
        if verbosity > 0:
            c = result.counts
            self.stdout.write(
                f"Seeded workspace {result.workspace.pk} “{result.workspace.name}”: "
                f"{c['customers']:,} customers, {c['contacts']:,} contact points, "
                f"{c['orders']:,} orders, {c['order_lines']:,} order lines, "
                f"{c['timeline_events']:,} timeline events in {result.seconds:.1f} s"
            )
        if verbosity > 1 and result.server_cpu_seconds is not None:
            self.stdout.write(
                f"Database server CPU for the seed: {result.server_cpu_seconds:.1f} s"
            )
