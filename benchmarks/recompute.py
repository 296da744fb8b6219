"""Analytics: the full recompute (RFM, BG/NBD + Gamma-Gamma, CLV, metrics rows) at size.

Runs ``samphan.analytics.recompute.metrics_recompute`` in-process on the largest workspace of
the database in DATABASE_URL (or --workspace), prints the wall time of each step and the peak
RSS of this process, and replaces the matching subsection of "Analytics: full recompute" in
docs/benchmarks.md (one per database vendor and size). The workspace's CustomerMetrics rows
are rewritten (that is what a recompute does); nothing else changes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/recompute.py
    SAMPHAN_DATA_DIR=/tmp/rc DATABASE_URL=sqlite:////tmp/rc/db.sqlite3 \\
        .venv/bin/python benchmarks/recompute.py

Peak RSS is ``ru_maxrss`` of this process (Python, NumPy, Polars); on PostgreSQL the server's
backend has its own memory (bounded by work_mem and shared_buffers), not counted here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from samphan.analytics.models import ModelRun  # noqa: E402
from samphan.analytics.recompute import metrics_recompute  # noqa: E402
from samphan.commerce.models import Order, OrderLine  # noqa: E402
from samphan.core.models import Workspace  # noqa: E402
from samphan.customers.models import Customer  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Analytics: full recompute"
TARGET_SECONDS = 60.0
TARGET_MIB = 3 * 1024


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def section(
    *, key: str, title: str, rows: list[tuple[str, str]], steps: dict[str, float], note: str
) -> str:
    lines = [f"<!-- {key} -->", f"### {title}", ""]
    lines += [
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: 2 cores, 24 GB RAM, {platform.machine()}, Python {platform.python_version()}",
        "- Command: `DATABASE_URL=… .venv/bin/python benchmarks/recompute.py`",
        "",
        "| measure | value |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "| step | wall time |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.2f} s |" for name, seconds in steps.items()]
    if note:
        lines += ["", note]
    lines += [f"<!-- /{key} -->"]
    return "\n".join(lines)


INTRO = (
    f"{HEADING}\n\n"
    "`metrics_recompute` for one workspace: read the paid orders (PostgreSQL: `COPY … TO STDOUT`\n"
    "CSV into Polars, the local day computed by the server; SQLite: one raw query), the RFM\n"
    "summary, the BG/NBD and Gamma-Gamma fits, the 90-day holdout check (a second BG/NBD fit),\n"
    "the predictions for every buyer (once per distinct frequency/recency/age triple), and the\n"
    "replacement of all CustomerMetrics rows in one transaction (PostgreSQL: `COPY … FROM STDIN`).\n"
    "Targets: under 60 s and under 3 GB peak memory, on PostgreSQL for 1,000,000 customers and\n"
    "on SQLite for 100,000. Script: `benchmarks/recompute.py`.\n"
)


def record(key: str, text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")  # re-read right before writing: others edit it too
    pattern = re.compile(rf"<!-- {re.escape(key)} -->.*?<!-- /{re.escape(key)} -->", re.S)
    if pattern.search(doc):
        doc = pattern.sub(lambda _: text, doc)
    elif HEADING in doc:
        start = doc.index(HEADING) + len(HEADING)
        following = doc.find("\n## ", start)
        end = len(doc) if following < 0 else following
        doc = doc[:end].rstrip("\n") + "\n\n" + text + "\n" + doc[end:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + INTRO + "\n" + text + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=int, help="default: the one with most customers")
    parser.add_argument("--now", help="observation time, ISO (default: now)")
    parser.add_argument("--note", default="", help="a remark recorded with the figures")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    if args.workspace:
        workspace = Workspace.objects.get(pk=args.workspace)
    else:
        top = Customer.objects.values("workspace").annotate(n=Count("id")).order_by("-n").first()
        assert top, "no customers: run `samphan seed` first"
        workspace = Workspace.objects.get(pk=top["workspace"])
    customers = Customer.objects.filter(workspace=workspace).count()
    orders = Order.objects.filter(workspace=workspace).count()
    lines = OrderLine.objects.filter(workspace=workspace).count()
    load_before = os.getloadavg()[0]
    rss_before = peak_rss_mib()
    print(
        f"{database_version()}: workspace {workspace.pk}, {customers:,} customers, "
        f"{orders:,} orders, {lines:,} lines; RSS before {rss_before:.0f} MiB",
        flush=True,
    )

    def progress(step: str, seconds: float) -> None:
        print(f"  {step:<16} {seconds:7.2f} s   peak RSS {peak_rss_mib():6.0f} MiB", flush=True)

    now = dt.datetime.fromisoformat(args.now) if args.now else None
    start = time.perf_counter()
    run = metrics_recompute(workspace=workspace, now=now, progress=progress)
    wall = time.perf_counter() - start
    peak = peak_rss_mib()
    load_after = os.getloadavg()[0]
    run.refresh_from_db()
    print(f"status {run.status}; {run.customers:,} buyers scored; wall {wall:.2f} s")
    print(f"peak RSS {peak:.0f} MiB; load {load_before:.1f} → {load_after:.1f}")
    if run.status != ModelRun.Status.DONE:
        print(run.error)
        sys.exit(1)
    card = run.model_card
    met = wall < TARGET_SECONDS and peak < TARGET_MIB
    rows = [
        ("customers / buyers scored", f"{customers:,} / {run.customers:,}"),
        ("orders (all statuses) / paid orders read", f"{orders:,} / {run.params['orders']:,}"),
        ("order lines in the workspace", f"{lines:,}"),
        ("**wall time, whole recompute**", f"**{wall:.1f} s** (target < {TARGET_SECONDS:.0f} s)"),
        (
            "**peak RSS of the process**",
            f"**{peak:.0f} MiB** (target < {TARGET_MIB:,} MiB; {rss_before:.0f} MiB after "
            "Django start-up)",
        ),
        ("targets met", "yes" if met else "**no**"),
        ("model card: trustworthy", "yes" if card.get("trustworthy") else "no"),
        (
            "holdout check: mean absolute error (purchases per customer in 90 days)",
            f"{card['calibration_error']:.3f}"
            if card.get("calibration_error") is not None
            else "–",
        ),
        ("1-minute load average before / after", f"{load_before:.1f} / {load_after:.1f}"),
    ]
    order = ["read", "summary", "fit_bgnbd", "fit_gamma_gamma", "calibration", "predict"]
    order += ["write", "vacuum", "segments"]
    steps = {k: run.timings[k] for k in order if k in run.timings}
    if "segments_error" in run.params:
        print("segments refresh failed:", run.params["segments_error"])
    vendor = connection.vendor
    key = f"recompute:{vendor}:{customers}"
    title = f"{customers:,} customers on {database_version()}"
    text = section(key=key, title=title, rows=rows, steps=steps, note=args.note)
    print(text)
    if not args.no_record:
        record(key, text)
        print(f"recorded in {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
