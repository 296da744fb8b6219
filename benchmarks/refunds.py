"""Partial refunds at size: the refund API's server time, and what net spend costs the readers.

Runs in-process against the database in DATABASE_URL (a scratch, seeded one: it writes refunds),
on the largest workspace, through Django's test client with a read-write API key, so the times
include middleware, the order lock, the refund rows, the timeline event and the customer's
purchase-summary refresh, but no network. Measures:

- ``POST /api/v1/orders/{id}/refunds``: one unit of a line, and an amount (p50/p95/max);
- the dashboard's 12 months of net revenue (``analytics.kpis.monthly_revenue``), and on
  PostgreSQL whether a month's sum is still an index-only scan;
- rebuilding the purchase summaries and runs of 1,000 customers (``customer_summaries_update``),
  which now sum totals net of refunds and leave fully refunded lines out.

Replaces the section "Partial refunds (<vendor>, N orders)" of docs/benchmarks.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/refundbench \\
        .venv/bin/python benchmarks/refunds.py --samples 200
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from samphan.analytics.kpis import monthly_revenue  # noqa: E402
from samphan.commerce.models import NET_SATANG, Order, OrderLine  # noqa: E402
from samphan.commerce.summary import customer_summaries_update  # noqa: E402
from samphan.core.access import actor_for_membership  # noqa: E402
from samphan.core.models import ApiKey, Membership, User, Workspace  # noqa: E402
from samphan.core.roles import Role  # noqa: E402
from samphan.core.services import api_key_create  # noqa: E402
from samphan.customers.models import Customer  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(samples: int, call: Callable[[int], object]) -> dict[str, float]:
    call(0)  # warm caches and connections
    times = []
    for i in range(1, samples + 1):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "max": max(times)}


def _owner(workspace: Workspace) -> Membership:
    membership = Membership.objects.filter(workspace=workspace, role=Role.OWNER).first()
    if membership is not None:
        return membership
    user = User.objects.create_user(email=f"bench-owner-{workspace.pk}@example.test")
    return Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="", help="a remark recorded under the table")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    top = (
        Customer.objects.values("workspace_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("workspace_id", flat=True)
        .first()
    )
    workspace = Workspace.objects.get(pk=top)
    actor = actor_for_membership(_owner(workspace))
    secret = api_key_create(actor=actor, name="refund bench", scope=ApiKey.Scope.READ_WRITE).secret
    client = Client()
    headers = {"X-API-Key": secret}
    orders = Order.objects.paid().filter(workspace=workspace, customer__isnull=False)
    order_count = Order.objects.filter(workspace=workspace).count()
    candidates = list(
        OrderLine.objects.filter(
            order__in=orders.filter(total_satang__gt=10_000),
            quantity__gt=F("refunded_quantity"),
        ).values_list("order_id", "pk")[: 20 * args.samples]
    )
    rng.shuffle(candidates)
    line_targets = candidates[: args.samples + 1]
    used = {order_id for order_id, _line in line_targets}
    amount_targets = [
        pk
        for pk in orders.filter(total_satang__gt=10_000).values_list("pk", flat=True)[
            : 20 * args.samples
        ]
        if pk not in used
    ][: args.samples + 1]

    def refund_line(i: int) -> None:
        order_id, line_id = line_targets[i]
        response = client.post(
            f"/api/v1/orders/{order_id}/refunds",
            {"lines": [{"line_id": line_id, "quantity": 1}], "reason": "benchmark"},
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 201, response.content

    def refund_amount(i: int) -> None:
        response = client.post(
            f"/api/v1/orders/{amount_targets[i]}/refunds",
            {"amount_satang": 1000, "reason": "benchmark"},
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 201, response.content

    rows: list[tuple[str, dict[str, float]]] = []
    samples = min(args.samples, len(line_targets) - 1, len(amount_targets) - 1)
    rows.append(("POST …/refunds, one unit of a line", timed(samples, refund_line)))
    rows.append(("POST …/refunds, an amount", timed(samples, refund_amount)))
    rows.append(
        (
            "dashboard: 12 months of net revenue",
            timed(20, lambda i: monthly_revenue(workspace=workspace, months=12)),
        )
    )
    some = list(
        Customer.objects.filter(workspace=workspace, orders_count__gt=0).values_list(
            "pk", flat=True
        )[:1000]
    )

    def rebuild(i: int) -> None:
        with transaction.atomic():
            customer_summaries_update(Customer.objects.filter(pk__in=some))

    rows.append(("purchase summaries of 1,000 customers", timed(5, rebuild)))

    plan = ""
    if connection.vendor == "postgresql":
        now = timezone.now()
        month = Order.objects.paid().filter(
            workspace=workspace, placed_at__gte=now - dt.timedelta(days=30), placed_at__lt=now
        )
        plan = month.values("workspace").annotate(s=Sum(NET_SATANG)).explain()
    load = os.getloadavg()
    lines = [
        f"## Partial refunds ({connection.vendor}, {order_count:,} orders)",
        "",
        f"{dt.date.today().isoformat()}, {platform.node()} ({os.cpu_count()} cores, shared with"
        f" other agents; load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}),"
        f" {samples} refunds of each kind on the largest workspace (`benchmarks/refunds.py`).",
        "",
        "| what | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |" for name, r in rows),
    ]
    if plan:
        index_only = "Index Only Scan" in plan
        lines += [
            "",
            "A month of net revenue: "
            + (
                "an index-only scan of `order_ws_placed_net_revenue` (the refunded column is in "
                "the index)."
                if index_only
                else "NOT an index-only scan:"
            ),
        ]
        if not index_only:
            lines += ["", "```", plan, "```"]
    if args.note:
        lines += ["", args.note]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.no_record:
        return
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    title = re.escape(lines[0])
    pattern = re.compile(rf"^{title}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
