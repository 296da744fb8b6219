"""Possible duplicates at size: the old on-the-fly computation, the full scan that stores the
pairs, the incremental scan of one customer, and the list page / selector reading stored rows.

Runs in-process against the database in DATABASE_URL, on the largest workspace (or
--workspace). Seed a scratch database first (never a database someone else uses):

    createdb -h 127.0.0.1 -U postgres dupbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dupbench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dupbench \\
        .venv/bin/samphan seed --customers 200000 --months 24 --seed 2569
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dupbench DEBUG=0 \\
        .venv/bin/python benchmarks/duplicates.py

Replaces this database vendor's part of the section "## Duplicates" in docs/benchmarks.md (the
other vendor's part is kept). The scan rewrites the workspace's stored pairs; dismissals made
in the workspace are left alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from samphan.core.access import actor_for_membership  # noqa: E402
from samphan.core.models import Membership, User, Workspace  # noqa: E402
from samphan.core.roles import Role  # noqa: E402
from samphan.customers import duplicates  # noqa: E402
from samphan.customers.models import Customer, DuplicateCandidate  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Duplicates"
INTRO = """\
The possible-duplicates list used to compute its candidates on every request
(`duplicate_candidates`: blocking keys grouped in the database, then the candidate pairs scored
in Python); it now reads pairs stored by `duplicates_scan` (`DuplicateCandidate` rows: a full
scan nightly and from "Scan again", an incremental scan of one customer right after it is
created or its name, phone or birthday changes). Measured in-process with
[`benchmarks/duplicates.py`](../benchmarks/duplicates.py) on a workspace seeded by
`samphan seed --customers 200000 --months 24 --seed 2569` (DEBUG off; page times through the
Django test client, server side only). Targets: list page p95 under 150 ms; incremental scan of
one customer p95 under 100 ms (it runs inline after the save in the embedded mode). The seeded
names repeat far more than real Thai names do (about 430,000 pairs share a blocking key), so
the full scan stops at `MAX_PAIRS` (20,000 pairs, strongest keys first), as the on-the-fly
computation always did; incremental scans add the pairs of new and edited customers beyond it,
and later full scans keep those while they still qualify."""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(samples: int, call: Callable[[int], object], *, warm: bool = True) -> dict[str, float]:
    if warm:
        call(0)
    times = []
    for i in range(samples):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "max": max(times)}


def _comparable(pairs: list[duplicates.DuplicatePair]) -> dict[frozenset[int], tuple[int, str]]:
    return {frozenset((p.survivor.pk, p.merged.pk)): (p.score, repr(p.reasons)) for p in pairs}


def _same_top(old: list[duplicates.DuplicatePair], new: list[duplicates.DuplicatePair]) -> bool:
    """The same pairs with the same scores and reasons, except the order (and the choice) among
    pairs tied at the lowest score of the cut."""
    if [p.score for p in old] != [p.score for p in new]:
        return False
    cut = old[-1].score if old else 0
    above_old = {k: v for k, v in _comparable(old).items() if v[0] > cut}
    above_new = {k: v for k, v in _comparable(new).items() if v[0] > cut}
    return above_old == above_new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=int, help="default: the one with most customers")
    parser.add_argument("--old-samples", type=int, default=3)
    parser.add_argument("--scan-samples", type=int, default=3)
    parser.add_argument("--samples", type=int, default=40, help="for the list and one customer")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    if args.workspace:
        workspace = Workspace.objects.get(pk=args.workspace)
    else:
        top = Customer.objects.values("workspace").annotate(n=Count("id")).order_by("-n").first()
        assert top, "no customers: run `samphan seed` first"
        workspace = Workspace.objects.get(pk=top["workspace"])
    n_customers = Customer.objects.filter(workspace=workspace).count()
    user, _ = User.objects.get_or_create(email="bench-owner@samphan.bench")
    membership, _ = Membership.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": Role.OWNER}
    )
    actor = actor_for_membership(membership)
    client = Client()
    client.force_login(user)
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, dict[str, float], int]] = []

    print(f"{n_customers:,} customers in workspace {workspace.pk}, {connection.vendor}")
    old_list: list[duplicates.DuplicatePair] = []

    def old(_i: int) -> None:
        nonlocal old_list
        old_list = duplicates.duplicate_candidates(actor=actor, limit=500)

    stats = timed(args.old_samples, old, warm=False)
    rows.append(("before: on-the-fly computation per request (`duplicate_candidates`)", stats, 0))
    print("old", stats)

    stored = 0
    # From scratch: a full scan also keeps pairs earlier incremental scans stored beyond its
    # MAX_PAIRS limit, which the on-the-fly computation never sees.
    DuplicateCandidate.objects.filter(workspace=workspace).delete()

    def scan(_i: int) -> None:
        nonlocal stored
        stored = duplicates.duplicates_scan(workspace=workspace)

    stats = timed(args.scan_samples, scan, warm=False)
    rows.append(("full scan, stored (`duplicates_scan`, background task)", stats, 0))
    print("scan", stats, stored)
    # Compared before the incremental scans below add pairs beyond the full scan's MAX_PAIRS.
    same = _same_top(
        old_list, duplicates.duplicate_pairs(duplicates.duplicate_list(actor=actor)[:500])
    )

    ids = list(
        Customer.objects.filter(workspace=workspace, merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(11)
    sample = rng.sample(ids, min(args.samples + 1, len(ids)))
    paired = list(
        DuplicateCandidate.objects.filter(workspace=workspace)
        .order_by("-score", "customer_a_id")
        .values_list("customer_a_id", flat=True)[: args.samples + 1]
    )
    stats = timed(
        args.samples,
        lambda i: duplicates.duplicates_scan(workspace=workspace, customer_ids=[sample[i]]),
    )
    rows.append(("incremental scan of one random customer", stats, args.samples))
    if paired:
        stats = timed(
            args.samples,
            lambda i: duplicates.duplicates_scan(
                workspace=workspace, customer_ids=[paired[i % len(paired)]]
            ),
        )
        rows.append(("incremental scan of one customer who has pairs", stats, args.samples))

    def selector(_i: int) -> None:
        duplicates.duplicate_pairs(duplicates.duplicate_list(actor=actor)[:20])

    stats = timed(args.samples, selector)
    rows.append(("after: first 20 stored pairs (`duplicate_list` selector)", stats, args.samples))

    def page(url: str) -> Callable[[int], None]:
        def get(_i: int) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return get

    pages = max(1, (stored + 19) // 20)
    for label, url in (
        ("after: list page 1 (`/customers/duplicates/`)", "/customers/duplicates/"),
        (
            f"after: list page {max(1, pages // 2):,} of {pages:,}",
            f"/customers/duplicates/?page={max(1, pages // 2)}",
        ),
    ):
        stats = timed(args.samples, page(url))
        rows.append((label, stats, args.samples))
        print(label, stats)

    after_increments = DuplicateCandidate.objects.filter(workspace=workspace).count()
    start = time.perf_counter()
    kept = duplicates.duplicates_scan(workspace=workspace)
    rescan_seconds = time.perf_counter() - start
    load_after = os.getloadavg()[0]

    lines = [
        f"### {_db_version()}",
        "",
        f"- Date: {time.strftime('%Y-%m-%d')}",
        f"- Machine: {_machine()}; 1-minute load average {load_before:.1f} before, "
        f"{load_after:.1f} after (a shared machine)",
        f"- Size: {n_customers:,} customers; the full scan stored {stored:,} pairs, "
        f"{after_increments:,} after the incremental scans; a full scan then kept {kept:,} "
        f"({rescan_seconds:.1f} s)",
        "- Command: `DATABASE_URL=… .venv/bin/python benchmarks/duplicates.py "
        f"--old-samples {args.old_samples} --scan-samples {args.scan_samples} "
        f"--samples {args.samples}`",
        "",
        "| what | samples | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, stats, samples in rows:
        lines.append(
            f"| {label} | {samples or '–'} | {stats['p50']:,.0f} | {stats['p95']:,.0f} | "
            f"{stats['max']:,.0f} |"
        )
    lines += [
        "",
        (
            "The stored list's top 500 equals the on-the-fly top 500 (same pairs, scores and "
            "reasons; order among equal scores aside)."
            if same
            else "**The stored list's top 500 differs from the on-the-fly top 500.**"
        ),
    ]
    if args.note:
        lines += ["", args.note]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_record:
        _replace_section(text)


def _machine() -> str:
    cores = os.cpu_count() or 0
    memory = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f", {round(pages * size / 2**30)} GB RAM"
    except (ValueError, OSError):
        pass
    return f"{cores} cores{memory}, {platform.machine()}, Python {platform.python_version()}"


def _db_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _replace_section(part: str) -> None:
    """Replace this vendor's part of the section, keep the other vendor's, and leave the rest of
    the file (other scripts write their sections) alone."""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |^<!-- |\Z)", re.S | re.M)
    found = pattern.search(doc)
    parts: dict[str, str] = {}
    if found:
        for block in re.split(r"(?m)^(?=### )", found.group(0)):
            if block.startswith("### "):
                vendor = block.split()[1]
                parts[vendor] = block.rstrip() + "\n"
    parts[part.split()[1]] = part
    body = "\n".join(parts[k] for k in sorted(parts, key=lambda v: v != "PostgreSQL"))
    text = f"{HEADING}\n\n{INTRO}\n\n{body}\n"
    doc = pattern.sub(lambda _m: text, doc) if found else doc.rstrip() + "\n\n" + text
    DOC.write_text(doc)


if __name__ == "__main__":
    main()
