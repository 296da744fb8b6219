"""Loyalty at size: account lookup, redeem and the order API with earning, server time p50/p95,
and the nightly expiry, on a workspace with N members and about 10·N ledger rows.

Builds its own workspace in the database of DATABASE_URL (use a scratch database: it writes
N customers, accounts, lots and ledger rows with INSERT … SELECT), then measures in-process
through Django's test client with an API key (middleware, auth, queries, JSON; no network).
Appends a section "Loyalty at N members (<vendor>)" to docs/benchmarks.md.

    createdb -h 127.0.0.1 -U postgres loyaltybench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyaltybench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loyaltybench DEBUG=0 \\
        .venv/bin/python benchmarks/loyalty.py --members 100000 --samples 200
    dropdb -h 127.0.0.1 -U postgres loyaltybench
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from samphan.commerce.models import SalesChannel  # noqa: E402
from samphan.commerce.services import channels_ensure_defaults  # noqa: E402
from samphan.core.access import Actor  # noqa: E402
from samphan.core.models import ApiKey, Workspace  # noqa: E402
from samphan.core.roles import Role  # noqa: E402
from samphan.core.services import api_key_create  # noqa: E402
from samphan.customers.models import Customer  # noqa: E402
from samphan.loyalty.models import Account, LedgerEntry, PointLot, Programme  # noqa: E402
from samphan.loyalty.services import loyalty_nightly  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
LOTS_PER_MEMBER = 7  # each lot: an earn entry; three of them spent by a redeem entry (10 rows)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(samples: int, call: Callable[[int], object]) -> dict[str, float]:
    call(0)
    times = []
    for i in range(samples):
        start = time.perf_counter()
        call(i + 1)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "n": samples}


def build(members: int) -> tuple[Workspace, list[int]]:
    """A workspace with ``members`` customers, each with an account, LOTS_PER_MEMBER lots
    (one earn entry each) and redemptions, balances equal to their ledgers."""
    workspace = Workspace.objects.create(name=f"Loyalty bench {members}")
    channels_ensure_defaults(workspace=workspace)
    Programme.objects.create(workspace=workspace, pending_days=0)
    now = timezone.now()
    t0 = time.perf_counter()
    batch = 20_000
    for start in range(0, members, batch):
        Customer.objects.bulk_create(
            [
                Customer(
                    workspace=workspace,
                    first_name=f"สมาชิก{start + i}",
                    last_name="ทดสอบ",
                    created_at=now,
                )
                for i in range(min(batch, members - start))
            ],
            batch_size=5000,
        )
    ws = workspace.pk
    with connection.cursor() as cur, transaction.atomic():
        cur.execute(
            f"INSERT INTO {Account._meta.db_table} (workspace_id, customer_id, balance, pending,"
            " version, created_at, updated_at)"
            f" SELECT {ws}, id, 0, 0, 0, %s, %s FROM {Customer._meta.db_table}"
            f" WHERE workspace_id = {ws}",
            [now, now],
        )
        # Lots: earned 1..LOTS months ago, 100 points each, expiring 12 months after earning
        # minus a spread so that some expire every night.
        cur.execute(
            f"INSERT INTO {PointLot._meta.db_table} (workspace_id, account_id, points, remaining,"
            " is_pending, available_at, expires_at, created_at)"
            " SELECT %s, a.id, 100, CASE WHEN g.n %% 2 = 0 THEN 0 ELSE 100 END, false,"
            " %s - (g.n * interval '30 days'), %s + ((a.id %% 365) * interval '1 day')"
            " + (g.n * interval '30 days'), %s - (g.n * interval '30 days')"
            f" FROM {Account._meta.db_table} a CROSS JOIN generate_series(1, %s) AS g(n)"
            " WHERE a.workspace_id = %s",
            [ws, now, now, now, LOTS_PER_MEMBER, ws],
        )
        entries = LedgerEntry._meta.db_table
        cur.execute(
            f"INSERT INTO {entries} (workspace_id, account_id, kind, points, pending_points,"
            " lot_id, reason, created_at, created_by)"
            " SELECT workspace_id, account_id, 'earn', points, 0, id, '', created_at, ''"
            f" FROM {PointLot._meta.db_table} WHERE workspace_id = %s",
            [ws],
        )
        cur.execute(
            f"INSERT INTO {entries} (workspace_id, account_id, kind, points, pending_points,"
            " lot_id, reason, created_at, created_by)"
            " SELECT workspace_id, account_id, 'redeem', remaining - points, 0, NULL, '',"
            " created_at + interval '1 day', ''"
            f" FROM {PointLot._meta.db_table} WHERE workspace_id = %s AND remaining = 0",
            [ws],
        )
        cur.execute(
            f"UPDATE {Account._meta.db_table} a SET balance = s.total, version = s.n"
            f" FROM (SELECT account_id, SUM(points) AS total, COUNT(*) AS n FROM {entries}"
            " WHERE workspace_id = %s GROUP BY account_id) s WHERE a.id = s.account_id",
            [ws],
        )
    cur = connection.cursor()
    cur.execute("ANALYZE")
    print(f"built {members} members in {time.perf_counter() - t0:.0f} s", flush=True)
    ids = list(Customer.objects.filter(workspace=workspace).values_list("pk", flat=True))
    return workspace, ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--skip-api", action="store_true", help="only the nightly run")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the workspace an earlier run built"
    )
    args = parser.parse_args()
    random.seed(7)

    found = (
        Workspace.objects.filter(name=f"Loyalty bench {args.members}").order_by("-pk").first()
        if args.reuse
        else None
    )
    if found is not None:
        workspace = found
        ids = list(Customer.objects.filter(workspace=workspace).values_list("pk", flat=True))
    else:
        workspace, ids = build(args.members)
    ledger_rows = LedgerEntry.objects.filter(workspace=workspace).count()
    actor = Actor(workspace=workspace, role=Role.OWNER)
    secret = api_key_create(actor=actor, name="bench", scope=ApiKey.Scope.READ_WRITE).secret
    client = Client()
    headers = {"X-API-Key": secret}
    picks = random.sample(ids, min(len(ids), args.samples * 3 + 3))

    def lookup(i: int) -> None:
        r = client.get(f"/api/v1/loyalty/accounts/{picks[i]}", headers=headers)
        assert r.status_code == 200, r.content

    def redeem(i: int) -> None:
        r = client.post(
            f"/api/v1/loyalty/accounts/{picks[args.samples + i]}/redeem",
            {"points": 1},
            content_type="application/json",
            headers={**headers, "Idempotency-Key": f"bench-{i}"},
        )
        assert r.status_code == 201, r.content

    channel = SalesChannel.objects.filter(workspace=workspace).first()
    assert channel is not None

    def order(i: int) -> None:
        r = client.post(
            "/api/v1/orders",
            {
                "channel_id": channel.pk,
                "customer_id": picks[2 * args.samples + (i % args.samples)],
                "lines": [{"name": "ชาไทย", "quantity": 2, "unit_price_satang": 6500}],
            },
            content_type="application/json",
            headers=headers,
        )
        assert r.status_code == 201, r.content

    results: dict[str, dict[str, float]] = {}
    if not args.skip_api:
        results["account lookup"] = timed(args.samples, lookup)
        results["redeem"] = timed(args.samples, redeem)
        results["order API, programme on"] = timed(args.samples, order)
        Programme.objects.filter(workspace=workspace).update(is_active=False)
        results["order API, programme off"] = timed(args.samples, order)
        Programme.objects.filter(workspace=workspace).update(is_active=True)

    expiring = PointLot.objects.filter(
        workspace=workspace,
        remaining__gt=0,
        expires_at__lte=timezone.now() + dt.timedelta(days=400),
    )
    due_accounts = expiring.values("account_id").distinct().count()
    start = time.perf_counter()
    nightly = loyalty_nightly(workspace=workspace, now=timezone.now() + dt.timedelta(days=400))
    nightly_s = time.perf_counter() - start

    load = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    lines = [
        f"\n## Loyalty at {args.members:,} members ({connection.vendor})\n",
        f"{timezone.now():%Y-%m-%d %H:%M} UTC, commit {commit}, {platform.machine()} "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(the machine's other work shows in the load). "
        f"{ledger_rows:,} ledger rows, {LOTS_PER_MEMBER} lots a member. In-process test client "
        "with an API key (no network).\n",
        "| operation | p50 ms | p95 ms | samples |",
        "|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['n']} |")
    if results:
        extra = (
            results["order API, programme on"]["p95"] - results["order API, programme off"]["p95"]
        )
        lines += [
            "",
            f"Earning adds {extra:.1f} ms to the order API's p95 (target < 10 ms). Targets: "
            "account lookup p95 < 30 ms, redeem p95 < 50 ms.",
        ]
    lines += [
        "",
        f"Nightly run with every lot expiring ({due_accounts:,} accounts with points to expire, "
        f"{nightly.expired:,} points): {nightly_s:.1f} s "
        f"({nightly_s / max(due_accounts, 1) * 1e6:.0f} µs an account; target: 1,000,000 "
        f"accounts in under 2 minutes). Steps (s): {nightly.seconds}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_doc:
        with DOC.open("a") as doc:
            doc.write(text)


if __name__ == "__main__":
    main()
