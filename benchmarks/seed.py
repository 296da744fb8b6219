"""Benchmark ``samphan seed``: wall time, peak memory and row counts, recorded in the docs.

Usage (from the repository root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/seed.py --customers 1000000 --months 24 --fresh
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 \\
        .venv/bin/python benchmarks/seed.py --customers 2000 --months 18 --fresh

The seed runs as a child process (``manage.py seed``), so its peak RSS is this script's
``RUSAGE_CHILDREN`` ``ru_maxrss``; the script's own peak (Django, counting rows) is
``RUSAGE_SELF``. ``--fresh`` migrates and empties the shop tables first (the database must be a
scratch one). The result replaces the matching section of ``docs/benchmarks.md`` (one section
per database vendor, size and ``--label``) unless ``--no-record`` is given.

Before and after a change: run this script from a git worktree of each commit (copy it into
the older one if it lacks ``--label``), with ``--label before`` / ``--label after`` and
``--doc`` pointing at the one ``docs/benchmarks.md`` to record both in; the commit of the
checkout that ran is recorded with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SEEDED_TABLES = {
    "customers": "customers_customer",
    "contact points": "customers_contactpoint",
    "orders": "commerce_order",
    "order lines": "commerce_orderline",
    "timeline events": "timeline_timelineevent",
}

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--fresh", action="store_true", help="migrate and empty the shop tables")
    parser.add_argument("--no-record", action="store_true", help="do not update the docs")
    parser.add_argument("--note", default="", help="a remark recorded with the figures")
    parser.add_argument(
        "--label", default="", help="recorded as a section of its own (e.g. before, after)"
    )
    parser.add_argument("--doc", type=Path, default=DOC, help=f"where to record (default {DOC})")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from samphan.core.models import Workspace

    if args.fresh:
        call_command("migrate", interactive=False, verbosity=0)
        _empty_shop_tables()
    before = Workspace.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()

    command = [
        sys.executable,
        "manage.py",
        "seed",
        f"--customers={args.customers}",
        f"--months={args.months}",
        f"--seed={args.seed}",
        "--workspace-name=benchmark",
        "--verbosity=2",
    ]
    if args.batch_size:
        command.append(f"--batch-size={args.batch_size}")
    print("$", " ".join(command[1:]), flush=True)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    print(done.stdout, end="")
    if done.returncode:
        raise SystemExit(done.returncode)
    load_after = os.getloadavg()[0]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_rss = children.ru_maxrss  # KiB on Linux
    inner = re.search(r"timeline events in ([\d.]+) s", done.stdout)
    server_cpu = re.search(r"Database server CPU for the (?:seed|writes): ([\d.]+) s", done.stdout)

    workspace = Workspace.objects.filter(pk__gt=before).order_by("pk").first()
    assert workspace is not None, "the seed created no workspace"
    counts = {}
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label, table in SEEDED_TABLES.items():
            cursor.execute(
                f"SELECT COUNT(*) FROM {qn(table)} WHERE workspace_id = %s", [workspace.pk]
            )
            counts[label] = cursor.fetchone()[0]
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    result = {
        "vendor": connection.vendor,
        "database": _database_version(),
        "command": "samphan seed " + " ".join(command[3:]),
        "customers": args.customers,
        "months": args.months,
        "seconds": seconds,
        "child_rss_mib": child_rss / 1024,
        "self_rss_mib": self_rss / 1024,
        "counts": counts,
        "note": args.note,
        "inner_seconds": float(inner.group(1)) if inner else None,
        "client_cpu": children.ru_utime + children.ru_stime,
        "server_cpu": float(server_cpu.group(1)) if server_cpu else None,
        "load": (load_before, load_after),
        "label": args.label,
        "commit": _commit(),
    }
    total_rows = sum(counts.values())
    print(
        f"\n{connection.vendor}: {args.customers:,} customers / {args.months} months in "
        f"{seconds:,.1f} s ({total_rows / seconds:,.0f} rows/s); peak RSS seed "
        f"{result['child_rss_mib']:,.0f} MiB, this script {result['self_rss_mib']:,.0f} MiB"
    )
    for label, count in counts.items():
        print(f"  {label:>16}: {count:>12,}")
    print(f"  CPU: seed process {result['client_cpu']:,.0f} s", end="")
    if result["server_cpu"] is not None:
        print(f", database backend {result['server_cpu']:,.0f} s", end="")
    print(f"; 1-min load average {load_before:.1f} before, {load_after:.1f} after")
    if not args.no_record:
        _record(result, args.doc)
        print(f"recorded in {args.doc}")


def _empty_shop_tables() -> None:
    from django.db import connection as conn

    from samphan.core.models import Workspace

    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Workspace._meta.db_table} RESTART IDENTITY CASCADE")
    else:
        Workspace.objects.all().delete()


def _database_version() -> str:
    from django.db import connection as conn

    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _machine() -> str:
    mem_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {mem_gib:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}"


def _commit() -> str:
    """The checkout's commit (short), with "+ changes" when its work tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return ""
    return f"{head} + uncommitted changes" if head and dirty else head


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:,.1f} s"
    return f"{seconds:,.1f} s ({seconds / 60:.1f} min)"


def _record(result: dict[str, Any], doc: Path) -> None:
    key = f"seed:{result['vendor']}:{result['customers']}x{result['months']}"
    title = f"{result['customers']:,} customers, {result['months']} months on {result['database']}"
    if result["label"]:
        key += f":{result['label']}"
        title += f" ({result['label']})"
    c = result["counts"]
    rows = sum(c.values())
    lines = [
        f"<!-- {key} -->",
        f"### {title}",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).date().isoformat()} (UTC)",
        f"- Machine: {_machine()}",
        *([f"- Commit: {result['commit']}"] if result["commit"] else []),
        f"- Command: `{result['command']}`",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| wall time (child process, start to exit) | {_duration(result['seconds'])} |",
        *(
            [
                f"| time reported by the command (after start-up) | {result['inner_seconds']:,.1f} s |"
            ]
            if result["inner_seconds"] is not None
            else []
        ),
        f"| peak RSS, seed process (RUSAGE_CHILDREN) | {result['child_rss_mib']:,.0f} MiB |",
        f"| peak RSS, benchmark script (RUSAGE_SELF) | {result['self_rss_mib']:,.0f} MiB |",
        *(f"| {label} | {count:,} |" for label, count in c.items()),
        f"| rows in all | {rows:,} ({rows / result['seconds']:,.0f} rows/s) |",
        f"| CPU time, seed process (user + system) | {result['client_cpu']:,.0f} s |",
        *(
            [f"| CPU time, the PostgreSQL backend of the seed | {result['server_cpu']:,.0f} s |"]
            if result["server_cpu"] is not None
            else []
        ),
        f"| 1-minute load average before / after | {result['load'][0]:.1f} / {result['load'][1]:.1f} |",
        f"| orders per customer | {c['orders'] / max(c['customers'], 1):.2f} |",
        f"| lines per order | {c['order lines'] / max(c['orders'], 1):.2f} |",
    ]
    if result["note"]:
        lines += ["", result["note"]]
    lines.append(f"<!-- /{key} -->")
    section = "\n".join(lines)

    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"<!-- {re.escape(key)} -->.*?<!-- /{re.escape(key)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


if __name__ == "__main__":
    main()
