"""Imports' part of a person's data (the data-subject registry, ``core.datasubject``): the
uploaded files that hold them and the import reports that quote them.

Export lists the imports whose file or report mentions the person (the files themselves hold
other people too, so they are not copied out). Erasure deletes those files (an unfinished
upload goes with its file; a finished import keeps its record), and sweeps the person's
values out of every report (rows matched to them, bad cells that quote them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    SCRUBBED,
    Holding,
    Subject,
    Sweeper,
    blank_free_text,
    combined,
    register_part,
    register_unrelated,
    scrub_json,
    subject_identifiers,
)
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.imports.models import ImportJob
from samphan.imports.retention import ImportBusy, import_files_mentioning

_OUTCOME_CODES = frozenset({"action", "code"})


def _report_mentions(job: ImportJob, subject: Subject, sweeper: Sweeper) -> bool:
    _, did = scrub_json(job.report or {}, sweeper)
    return did or _outcomes_scrub(job.report or {}, subject, sweeper)[1]


def _outcomes_scrub(
    report: dict[str, Any], subject: Subject, sweeper: Sweeper
) -> tuple[dict[str, Any], bool]:
    """Blank the dry-run rows matched to one of the person's records."""
    outcomes = report.get("outcomes")
    if not isinstance(outcomes, dict) or not isinstance(outcomes.get("rows"), list):
        return report, False
    ids = set(subject.customer_ids)
    changed = False
    rows = []
    for row in outcomes["rows"]:
        existing = row.get("existing") if isinstance(row, dict) else None
        if isinstance(existing, dict) and existing.get("id") in ids:
            row = blank_free_text(row, sweeper, keep_keys=_OUTCOME_CODES)
            changed = True
        rows.append(row)
    if not changed:
        return report, False
    return {**report, "outcomes": {**outcomes, "rows": rows}}, True


def files_export(subject: Subject) -> list[dict[str, Any]]:
    sweeper = Sweeper.of(_identifiers_for_export(subject))
    workspace = Workspace.objects.get(pk=subject.workspace_id)
    in_files = set(
        import_files_mentioning(workspace=workspace, mentions=sweeper.mentions, remove=False)
        if sweeper
        else []
    )
    out = []
    for job in ImportJob.objects.filter(workspace=workspace).order_by("pk"):
        in_report = _report_mentions(job, subject, sweeper)
        if job.pk in in_files or in_report:
            out.append(
                {
                    "import_id": job.pk,
                    "kind": job.kind,
                    "uploaded_at": job.created_at.isoformat(),
                    "status": job.status,
                    "file_mentions_person": job.pk in in_files,
                    "report_mentions_person": in_report,
                }
            )
    return out


def _identifiers_for_export(subject: Subject) -> frozenset[str]:
    if subject.identifiers:
        return subject.identifiers
    # Export builds the subject without identifiers; gather them as erasure does.
    return subject_identifiers(subject.workspace_id, subject.customer_ids)


def files_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    for subject in (combined(subjects),):
        sweeper = Sweeper.of(subject.identifiers)
        workspace = Workspace.objects.get(pk=subject.workspace_id)
        if sweeper:
            try:
                changed += len(
                    import_files_mentioning(
                        workspace=workspace, mentions=sweeper.mentions, remove=True
                    )
                )
            except ImportBusy as exc:
                raise ApplicationError(
                    "import_running",
                    _(
                        "An import that holds this person's data is running. Erase them "
                        "when it has finished."
                    ),
                    {"imports": exc.job_ids},
                    status=409,
                ) from exc
        for job in ImportJob.objects.filter(workspace=workspace).order_by("pk"):
            report, did_outcomes = _outcomes_scrub(job.report or {}, subject, sweeper)
            report, did = scrub_json(report, sweeper)
            name, did_name = scrub_json(job.original_name, sweeper)
            if did or did_outcomes or did_name:
                job.report = report
                job.original_name = name
                job.save(update_fields=["report", "original_name"])
                changed += 1
    return changed


register_part(
    key="imports.files",
    label=gettext_lazy("Imported files"),
    holds=[
        Holding(
            "imports.ImportJob",
            personal=("file", "report", "original_name"),
            kept=(
                "kind",
                "sha256",
                "mapping",
                "status",
                "rows_total",
                "rows_done",
                "created_count",
                "updated_count",
                "skipped_count",
                "error_count",
                "created_by",
                "created_at",
                "started_at",
                "finished_at",
            ),
            how=SCRUBBED,
        )
    ],
    export=files_export,
    erase=files_erase,
    order=60,
)

register_unrelated("imports.ImportMapping", "a file shape's headings and column choices")
