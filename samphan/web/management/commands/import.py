"""``samphan import FILE --kind … --workspace ID``: import a file with a progress bar.

The same services as the pages and the API: the file is stored as an import job, checked and
imported in one transaction; the report is kept on the job (see it on the Imports page too).

All or nothing by default: if any row has a problem, nothing is imported (the rows are checked
before anything is written, so this costs no second pass), the problems are printed and the
command exits with status 2. ``--allow-partial`` imports the good rows, as the pages and the
API do, and exits 0. A dry run exits 2 too when rows would be rejected (0 with
``--allow-partial``), so a script can check a file first. Other failures exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import get_language
from tqdm import tqdm

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError
from samphan.core.models import Membership, Workspace
from samphan.core.roles import Role
from samphan.imports import jobs as imports
from samphan.imports.models import ImportKind, ImportStatus


class Command(BaseCommand):
    help = (
        "Import customers or orders from a CSV/XLSX file, or a Shopee, Lazada or TikTok Shop "
        "order export, into a workspace. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--workspace", type=int, required=True, help="workspace id")
        parser.add_argument("--channel-id", type=int, default=None, help="sales channel id")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and say what would change"
        )
        parser.add_argument(
            "--mapping", default="", help='JSON {"column or heading": "field"}; default: guessed'
        )
        parser.add_argument(
            "--date-orders",
            default="",
            help='JSON {"column or heading": "dmy" | "mdy"} for date columns that could be read '
            "either way (03/04/2024); default dmy",
        )
        parser.add_argument(
            "--allow-partial",
            action="store_true",
            help="import the good rows when some rows have problems (default: import nothing "
            "and exit 2)",
        )
        parser.add_argument("--show-errors", type=int, default=20, help="bad rows to print")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        workspace = Workspace.objects.filter(pk=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']}")
        actor = _actor(workspace)
        mapping = json.loads(options["mapping"]) if options["mapping"] else None
        date_orders = json.loads(options["date_orders"]) if options["date_orders"] else None
        bar = None
        if not options["no_progress"]:
            bar = tqdm(total=100, bar_format="{desc} {percentage:3.0f}%|{bar}|{postfix} {elapsed}")

        def listener(data: dict[str, Any]) -> None:
            if bar is None:
                return
            bar.set_description(str(data.get("phase_label") or data["phase"]))
            bar.set_postfix_str(f"{data['rows_done']:,}/{data['rows_total']:,} rows")
            bar.update(max(int(data["percent"]) - bar.n, 0))

        try:
            with path.open("rb") as fh:
                job = imports.import_job_create(
                    actor=actor,
                    file=File(fh, name=path.name),
                    kind=options["kind"],
                    original_name=path.name,
                    channel_id=options["channel_id"],
                )
            if options["dry_run"]:
                job = imports.import_job_preview(
                    actor=actor,
                    job_id=job.pk,
                    mapping=mapping,
                    date_orders=date_orders,
                    listener=listener,
                )
            else:
                imports.import_job_run(
                    actor=actor,
                    job_id=job.pk,
                    mapping=mapping,
                    date_orders=date_orders,
                    partial=options["allow_partial"],
                    background=False,
                )
                done = imports.import_job_execute(job_id=job.pk, listener=listener)
                assert done is not None  # only a deleted job has no result
                job = done
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        finally:
            if bar is not None:
                bar.close()
        self._print_report(job.pk, job.status, job.report, options["show_errors"])
        rejected = (job.report.get("error") or {}).get("code") == "rows_rejected" or (
            options["dry_run"] and job.report["rows"]["bad"] and not options["allow_partial"]
        )
        if rejected:
            raise CommandError(
                f"{job.report['rows']['bad']:,} rows have problems: nothing "
                f"{'would be' if options['dry_run'] else 'was'} imported. Fix them, or run with "
                "--allow-partial to import the good rows.",
                returncode=2,
            )
        if job.status == ImportStatus.FAILED:
            raise CommandError("the import failed; nothing was imported")

    def _print_report(self, job_id: int, status: str, report: dict[str, Any], show: int) -> None:
        key = "message_th" if (get_language() or "th").startswith("th") else "message_en"
        out = self.stdout
        if report.get("error"):
            out.write(self.style.ERROR(report["error"][key]))
            if "rows" not in report:
                return
        rows = report["rows"]
        verb = "would be" if report["mode"] == "preview" or report.get("error") else "were"
        out.write(
            f"Import #{job_id} ({status}): {rows['total']:,} rows, {rows['bad']:,} with problems, "
            f"{report['seconds']} s."
        )
        out.write(
            f"{report['entity'].capitalize()} that {verb} created: {report['created']:,}, "
            f"updated: {report['updated']:,}, skipped: {report['skipped']:,}."
        )
        out.write(f"{report['entity'].capitalize()} {_summary(report)}.")
        for name, value in report["counts"].items():
            out.write(f"  {name}: {value:,}")
        for note in report["notes"]:
            out.write(f"* {note[key]}")
        errors = report["errors"][:show]
        if errors:
            out.write(self.style.WARNING(f"First {len(errors)} problems:"))
            for e in errors:
                out.write(f"  line {e['line']}, {e['column'] or '-'}: {e[key]}")


def _actor(workspace: Workspace) -> Actor:
    """The command acts as the workspace's first owner (so the timeline names a person)."""
    membership = (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace=workspace, role=Role.OWNER)
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return actor_for_membership(membership)
    return Actor(workspace=workspace, role=Role.OWNER)


def _summary(report: dict[str, Any]) -> str:
    """``created: 4, matched: 1, rejected: 2``: new, already in Samphan (found by their keys),
    and left out because of bad rows (orders: whole orders; customers: rows)."""
    c = report["counts"]
    if report["entity"] == "customers":
        created = c.get("customers_created", 0)
        matched = c.get("customers_updated", 0) + c.get("customers_unchanged", 0)
        rejected = report["rows"]["bad"]
        return f"created: {created:,}, matched: {matched:,}, rejected: {rejected:,}"
    created = c.get("orders_created", 0)
    matched = c.get("orders_updated", 0) + c.get("orders_unchanged", 0)
    rejected = c.get("orders_rejected", 0)
    rows = report["rows"]["bad"]
    return (
        f"created: {created:,}, matched: {matched:,}, rejected: {rejected:,} "
        f"({rows:,} rows with problems)"
    )
