"""Segments at size: the builder's live count (p50/p95) for realistic rule trees, and one
snapshot (INSERT … SELECT of the members).

Runs in-process against the database in DATABASE_URL (PostgreSQL for the 1M figure), on the
largest workspace (or --workspace), through ``selectors.segment_count`` as the builder calls it:
the time includes validating the tree (a few small lookups of tag / product / branch ids) and
the ``COUNT(*)``. Replaces the section "Segments: live count" of docs/benchmarks.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test DEBUG=0 \\
        .venv/bin/python benchmarks/segment_count.py --samples 40
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import translation  # noqa: E402

from samphan.analytics.models import CustomerMetrics  # noqa: E402
from samphan.commerce.models import ChannelKind, Product, ProductCategory, SalesChannel  # noqa: E402
from samphan.core.access import actor_for_membership  # noqa: E402
from samphan.core.models import Membership, User, Workspace  # noqa: E402
from samphan.core.roles import Role  # noqa: E402
from samphan.customers.models import Customer  # noqa: E402
from samphan.segments import selectors  # noqa: E402
from samphan.segments.models import Segment  # noqa: E402
from samphan.segments.rules import rules_describe, segment_queryset  # noqa: E402
from samphan.segments.services import segment_snapshot  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Segments: live count"
BANGKOK = "กรุงเทพมหานคร"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(samples: int, call: Callable[[], object]) -> tuple[dict[str, float], Any]:
    result = call()  # warm caches and connections
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "max": max(times),
    }, result


def _days_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


def c(field: str, operator: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    return {"field": field, "operator": operator, "value": value, **extra}


def trees(workspace: Workspace, with_metrics: bool) -> list[tuple[str, dict[str, Any], bool]]:
    """(label, tree, is it an order-table condition) for the trees measured."""
    line = SalesChannel.objects.filter(workspace=workspace, kind=ChannelKind.LINE).first()
    category = (
        ProductCategory.objects.filter(workspace=workspace)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    product = (
        Product.objects.filter(workspace=workspace)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    found: list[tuple[str, dict[str, Any], bool]] = [
        (
            "Bangkok AND ≥ 2 orders (the builder example)",
            {"op": "and", "items": [c("province", "eq", BANGKOK), c("orders_count", "gte", 2)]},
            False,
        ),
        (
            "lapsed big spenders: not bought for 180 days AND spent ≥ ฿5,000",
            {
                "op": "and",
                "items": [
                    c("last_purchase", "not_within_days", 180),
                    c("total_spent", "gte", 5000),
                ],
            },
            False,
        ),
        (
            "birthday this month AND has a LINE ID (EXISTS on contacts)",
            {"op": "and", "items": [c("birthday_month", "this_month"), c("has_line", "is_true")]},
            False,
        ),
        (
            "(loyal OR repeat OR regular type) AND province in 3, nested OR",
            {
                "op": "and",
                "items": [
                    {
                        "op": "or",
                        "items": [
                            c("lifecycle_stage", "in", ["loyal", "repeat"]),
                            c("behaviour_type", "eq", "regular"),
                        ],
                    },
                    c("province", "in", [BANGKOK, "นนทบุรี", "เชียงใหม่"]),
                ],
            },
            False,
        ),
        (
            "LINE consent given AND female (EXISTS latest consent row)",
            {
                "op": "and",
                "items": [c("consent_marketing_line", "is_true"), c("gender", "eq", "female")],
            },
            False,
        ),
    ]
    if with_metrics:
        found += [
            (
                "RFM at risk / can't lose AND P(alive) < 0.5 (metrics join)",
                {
                    "op": "and",
                    "items": [
                        c("rfm_segment", "in", ["at_risk", "cant_lose"]),
                        c("p_alive", "lt", 0.5),
                    ],
                },
                False,
            ),
            (
                "predicted 12-month CLV ≥ ฿2,000 OR champions, in Bangkok",
                {
                    "op": "and",
                    "items": [
                        {
                            "op": "or",
                            "items": [
                                c("predicted_clv_12m", "gte", 2000),
                                c("rfm_segment", "eq", "champions"),
                            ],
                        },
                        c("province", "eq", BANGKOK),
                    ],
                },
                False,
            ),
        ]
    if line is not None:
        found.append(
            (
                "bought through LINE in the last 30 days (EXISTS on orders)",
                {
                    "op": "and",
                    "items": [
                        c("bought_channel", "any", [line.pk], period={"within_days": 30}),
                    ],
                },
                True,
            )
        )
    if category is not None:
        found += [
            (
                "bought from a category, ever (purchase rows)",
                {"op": "and", "items": [c("bought_category", "any", [category])]},
                True,
            ),
            (
                "bought from a category in the last 90 days (purchase rows)",
                {
                    "op": "and",
                    "items": [
                        c("bought_category", "any", [category], period={"within_days": 90}),
                    ],
                },
                True,
            ),
            (
                "bought from a category between two dates, 2 months (purchase lines)",
                {
                    "op": "and",
                    "items": [
                        c(
                            "bought_category",
                            "any",
                            [category],
                            period={"from": _days_ago(240), "to": _days_ago(180)},
                        ),
                    ],
                },
                True,
            ),
        ]
        found.append(
            (
                "bought from a category between two dates, 12 months (purchase lines)",
                {
                    "op": "and",
                    "items": [
                        c(
                            "bought_category",
                            "any",
                            [category],
                            period={"from": _days_ago(540), "to": _days_ago(180)},
                        ),
                    ],
                },
                True,
            )
        )
    if product is not None:
        found += [
            (
                "bought the best-selling product between two dates, 2 months (purchase lines)",
                {
                    "op": "and",
                    "items": [
                        c(
                            "bought_product",
                            "any",
                            [product],
                            period={"from": _days_ago(240), "to": _days_ago(180)},
                        ),
                    ],
                },
                True,
            ),
            (
                "bought the best-selling product in the last 90 days AND ≥ 3 orders",
                {
                    "op": "and",
                    "items": [
                        c("bought_product", "any", [product], period={"within_days": 90}),
                        c("orders_count", "gte", 3),
                    ],
                },
                True,
            ),
        ]
    found += [
        (
            "spent > ฿1,000 in the last 90 days (purchase runs: the first order since)",
            {"op": "and", "items": [c("total_spent", "gt", 1000, period={"within_days": 90})]},
            True,
        ),
        (
            "spent < ฿500 in the last 90 days (none there is ฿0: NOT EXISTS)",
            {"op": "and", "items": [c("total_spent", "lt", 500, period={"within_days": 90})]},
            True,
        ),
        (
            "≥ 2 orders in the last 30 days (purchase runs)",
            {"op": "and", "items": [c("orders_count", "gte", 2, period={"within_days": 30})]},
            True,
        ),
        (
            "spent > ฿5,000 since a date 2 years ago (purchase runs)",
            {"op": "and", "items": [c("total_spent", "gt", 5000, period={"from": _days_ago(730)})]},
            True,
        ),
        (
            "spent ≥ ฿2,000 until a date a year ago (purchase runs, cached total)",
            {"op": "and", "items": [c("total_spent", "gte", 2000, period={"to": _days_ago(365)})]},
            True,
        ),
        (
            "spent ≥ ฿1,000 between two dates, 2 months (runs since the start less since the end)",
            {
                "op": "and",
                "items": [
                    c(
                        "total_spent",
                        "gte",
                        1000,
                        period={"from": _days_ago(240), "to": _days_ago(180)},
                    )
                ],
            },
            True,
        ),
        (
            "spent ≥ ฿3,000 between two dates, 12 months (runs since the start less since the end)",
            {
                "op": "and",
                "items": [
                    c(
                        "total_spent",
                        "gte",
                        3000,
                        period={"from": _days_ago(540), "to": _days_ago(180)},
                    )
                ],
            },
            True,
        ),
        (
            "spent < ฿1,000 between two dates, 12 months (none there is ฿0: NOT EXISTS)",
            {
                "op": "and",
                "items": [
                    c(
                        "total_spent",
                        "lt",
                        1000,
                        period={"from": _days_ago(540), "to": _days_ago(180)},
                    )
                ],
            },
            True,
        ),
        (
            "spent between ฿500 and ฿2,000 between two dates, 12 months",
            {
                "op": "and",
                "items": [
                    c(
                        "total_spent",
                        "between",
                        [500, 2000],
                        period={"from": _days_ago(540), "to": _days_ago(180)},
                    )
                ],
            },
            True,
        ),
        (
            "spent exactly ฿1,300 between two dates, 12 months",
            {
                "op": "and",
                "items": [
                    c(
                        "total_spent",
                        "eq",
                        1300,
                        period={"from": _days_ago(540), "to": _days_ago(180)},
                    )
                ],
            },
            True,
        ),
        (
            "spent anything but ฿1,300 between two dates, 12 months (฿0 matches: NOT EXISTS)",
            {
                "op": "and",
                "items": [
                    c(
                        "total_spent",
                        "ne",
                        1300,
                        period={"from": _days_ago(540), "to": _days_ago(180)},
                    )
                ],
            },
            True,
        ),
    ]
    if category is not None:
        found.append(
            (
                "spent > ฿1,000 in the last 90 days AND bought from a category in the last 30 days",
                {
                    "op": "and",
                    "items": [
                        c("total_spent", "gt", 1000, period={"within_days": 90}),
                        c("bought_category", "any", [category], period={"within_days": 30}),
                    ],
                },
                True,
            )
        )
    return found


def plan_of(actor: Any, tree: dict[str, Any]) -> str:
    """The top of PostgreSQL's plan, to show the count is a scan plus semi-joins."""
    if connection.vendor != "postgresql":
        return ""
    sql, params = segment_queryset(actor, tree).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) AS s", params)
        lines = [row[0] for row in cursor.fetchall()]
    nodes = [
        re.sub(r"\s+\(cost=.*", "", line).strip().lstrip("-> ").strip()
        for line in lines
        if "cost=" in line
    ]
    keep = [n for n in nodes if not n.startswith(("Aggregate", "Finalize", "Partial", "Gather"))]
    return "; ".join(dict.fromkeys(keep))[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=int, help="default: the one with most customers")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--slow-samples", type=int, default=10, help="for order-table trees")
    parser.add_argument("--no-snapshot", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="")
    parser.add_argument(
        "--only", default="", help="only the trees whose label contains this (implies --no-record)"
    )
    args = parser.parse_args()
    if args.only:
        args.no_record = True
    translation.activate("en")  # the rule summaries in the report

    if args.workspace:
        workspace = Workspace.objects.get(pk=args.workspace)
    else:
        top = Customer.objects.values("workspace").annotate(n=Count("id")).order_by("-n").first()
        assert top, "no customers: run `samphan seed` first"
        workspace = Workspace.objects.get(pk=top["workspace"])
    n_customers = Customer.objects.filter(workspace=workspace).count()
    n_metrics = CustomerMetrics.objects.filter(workspace=workspace).count()
    user, _ = User.objects.get_or_create(email="bench-owner@samphan.bench")
    membership, _ = Membership.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": Role.OWNER}
    )
    actor = actor_for_membership(membership)

    load_before = os.getloadavg()[0]
    results = []
    for label, tree, slow in trees(workspace, with_metrics=n_metrics > 0):
        if args.only not in label:
            continue
        samples = args.slow_samples if slow else args.samples
        stats, count = timed(
            samples, functools.partial(selectors.segment_count, actor=actor, tree=tree)
        )
        results.append((label, stats, count, samples, plan_of(actor, tree)))
        print(f"{label}: {count:,} customers, p50 {stats['p50']:.0f} ms, p95 {stats['p95']:.0f} ms")

    snapshot_line = ""
    if not args.no_snapshot:
        tree = trees(workspace, with_metrics=False)[0][1]
        segment = Segment.objects.create(
            workspace=workspace, name="benchmark: snapshot", rules=tree
        )
        try:
            start = time.perf_counter()
            snapshot = segment_snapshot(segment=segment)
            seconds = time.perf_counter() - start
            snapshot_line = (
                f"One snapshot of “{rules_describe(workspace, tree)}” "
                f"({snapshot.size:,} members, one INSERT … SELECT): {seconds:.2f} s."
            )
        finally:
            segment.delete()
        print(snapshot_line)

    load_after = os.getloadavg()[0]
    lines = [
        HEADING,
        "",
        f"The segment builder's live count (`selectors.segment_count`: validate the tree, then one "
        f"`SELECT COUNT(*)`) on a workspace of {n_customers:,} customers "
        f"({n_metrics:,} analytics rows). Target: **p95 under 300 ms** on PostgreSQL.",
        "",
        f"- Date: {dt.date.today().isoformat()}",
        f"- Machine: 2 cores, 24 GB RAM, {platform.machine()}, Python "
        f"{platform.python_version()}; {_db_version()} with stock settings; 1-minute load "
        f"average {load_before:.1f} before, {load_after:.1f} after (a shared machine)",
        f"- Command: `DATABASE_URL=… .venv/bin/python benchmarks/segment_count.py "
        f"--samples {args.samples} --slow-samples {args.slow_samples}`",
        "",
        "| rule tree | matches | samples | p50 ms | p95 ms | max ms | plan (PostgreSQL) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, stats, count, samples, plan in results:
        lines.append(
            f"| {label} | {count:,} | {samples} | {stats['p50']:.0f} | {stats['p95']:.0f} | "
            f"{stats['max']:.0f} | {plan} |"
        )
    if snapshot_line:
        lines += ["", snapshot_line]
    if args.note:
        lines += ["", args.note]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_record:
        _replace_section(text)


def _db_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _replace_section(text: str) -> None:
    """Replace only this script's section (others write theirs in the same file)."""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |^<!-- |\Z)", re.S | re.M)
    doc = pattern.sub(text + "\n", doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + text
    DOC.write_text(doc)


if __name__ == "__main__":
    main()
