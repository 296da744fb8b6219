"""Customer 360 at size: search, the customer list and the customer page, server time p50/p95.

Runs in-process against the database in DATABASE_URL (PostgreSQL for the 1M figure), on the
largest workspace (or --workspace), through Django's test client with a logged-in owner, so
the times include middleware, queries and template rendering but no network. Replaces the
section "Customer 360 at N customers (<vendor>)" of docs/benchmarks.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test DEBUG=0 \\
        .venv/bin/python benchmarks/customer_360.py --samples 200
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

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from samphan.core.access import actor_for_membership  # noqa: E402
from samphan.core.models import Membership, User, Workspace  # noqa: E402
from samphan.core.roles import Role  # noqa: E402
from samphan.customers.models import ContactPoint, Customer  # noqa: E402
from samphan.customers.selectors import customer_search  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
TITLES = ("นาง", "คุณ", "นาย", "นางสาว", "ด.ญ.")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(samples: int, call: Callable[[int], object]) -> dict[str, float]:
    call(0)  # warm caches and connections
    times = []
    for i in range(samples):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    return {
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "max": max(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=int, help="default: the one with most customers")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="", help="a remark recorded under the table")
    args = parser.parse_args()
    rng = random.Random(args.seed)

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
    client.session.save()

    max_id = (
        Customer.objects.filter(workspace=workspace).order_by("-id").values_list("id", flat=True)[0]
    )
    min_id = (
        Customer.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True)[0]
    )
    sample_ids = [rng.randint(min_id, max_id) for _ in range(args.samples * 3)]
    people = list(
        Customer.objects.filter(workspace=workspace, pk__in=sample_ids).values(
            "id", "first_name", "last_name", "nickname"
        )[: args.samples]
    )
    phones = list(
        ContactPoint.objects.filter(
            workspace=workspace, kind="phone", customer_id__in=[p["id"] for p in people]
        ).values_list("value", flat=True)
    )
    assert people and phones

    def national(e164: str) -> str:
        local = "0" + e164[3:]
        return f"{local[:3]}-{local[3:6]}-{local[6:]}"

    load_before = os.getloadavg()[0]
    queries = {
        "phone, last 4 digits": lambda i: phones[i % len(phones)][-4:],
        "phone, 081-234-5678 format": lambda i: national(phones[i % len(phones)]),
        "Thai first name": lambda i: people[i % len(people)]["first_name"],
        "Thai surname fragment (3+ letters)": lambda i: people[i % len(people)]["last_name"][:4],
        "nickname": lambda i: people[i % len(people)]["nickname"] or "บอล",
        # As staff type names: with a title, glued or spaced, and "first last" either way.
        "title glued to the first name (นาง/คุณ/นาย…)": lambda i: (
            TITLES[i % len(TITLES)] + people[i % len(people)]["first_name"]
        ),
        "title, first and last name (คุณ สมศรี ใจดี)": lambda i: (
            f"คุณ {people[i % len(people)]['first_name']} {people[i % len(people)]['last_name']}"
        ),
        "first and last name": lambda i: (
            f"{people[i % len(people)]['first_name']} {people[i % len(people)]['last_name']}"
        ),
        "last and first name": lambda i: (
            f"{people[i % len(people)]['last_name']} {people[i % len(people)]['first_name']}"
        ),
        "English title and first name (Mrs สมศรี)": lambda i: (
            f"Mrs {people[i % len(people)]['first_name']}"
        ),
    }
    results: list[tuple[str, dict[str, float]]] = []
    for label, make in queries.items():
        results.append(
            (
                f"search: {label}",
                timed(args.samples, lambda i, m=make: customer_search(actor=actor, q=m(i))),
            )
        )

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    first_page = client.get("/customers/?sort=spend").content.decode()
    cursor = re.search(r"cursor=([\w-]+)", first_page)
    pages = {
        "list page: newest": "/customers/",
        "list page: by total spend": "/customers/?sort=spend",
        "list page: next page (cursor)": f"/customers/?sort=spend&cursor={cursor.group(1) if cursor else ''}",
        "list page: filtered (stage + province)": "/customers/?lifecycle_stage=loyal&province=%E0%B8%81%E0%B8%A3%E0%B8%B8%E0%B8%87%E0%B9%80%E0%B8%97%E0%B8%9E%E0%B8%A1%E0%B8%AB%E0%B8%B2%E0%B8%99%E0%B8%84%E0%B8%A3",
        "list page: search by last 4 digits": None,
    }
    for label, url in pages.items():
        if url is None:
            results.append(
                (
                    label,
                    timed(
                        args.samples, lambda i: get(f"/customers/?q={phones[i % len(phones)][-4:]}")
                    ),
                )
            )
        else:
            results.append((label, timed(args.samples, lambda i, u=url: get(u))))
    results.append(
        (
            "customer page (360)",
            timed(args.samples, lambda i: get(f"/customers/{people[i % len(people)]['id']}/")),
        )
    )

    vendor = connection.vendor
    load = os.getloadavg()[0]
    lines = [
        f"## Customer 360 at {n_customers:,} customers ({vendor})",
        "",
        f"Measured {dt.date.today().isoformat()} on {_machine()}, {_db_version()}; "
        f"{args.samples} samples each, server time in-process (Django test client, DEBUG off); "
        f"1-minute load average {load_before:.1f} before, {load:.1f} after (a shared machine).",
        f"Command: `DATABASE_URL=… .venv/bin/python benchmarks/customer_360.py --samples {args.samples}`",
        "",
        "| what | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    for label, r in results:
        lines.append(f"| {label} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |")
    search_ok = all(r["p95"] < 50 for label, r in results if label.startswith("search:"))
    pages_ok = all(r["p95"] < 150 for label, r in results if not label.startswith("search:"))
    lines += [
        "",
        "Targets: search p95 < 50 ms "
        + ("(met)" if search_ok else "(**not met**)")
        + ", customer page and list page p95 < 150 ms "
        + ("(met)" if pages_ok else "(**not met**)")
        + f". Samples are random customers (seed {args.seed}) on a warm server; a first query "
        "for a rare name fragment that has to read cold pages from disk can take a few hundred "
        "ms (the max column). Search ignores a leading title (นาง, คุณ, ด.ญ., Mrs …) and takes "
        "“first last” in either order.",
    ]
    if args.note:
        lines += ["", args.note]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_record:
        _replace_section(text, f"## Customer 360 at {n_customers:,} customers ({vendor})")


def _machine() -> str:
    return (
        f"{os.cpu_count()} cores, 24 GB, {platform.machine()}, Python {platform.python_version()}"
    )


def _db_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _replace_section(text: str, heading: str) -> None:
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    doc = pattern.sub(text + "\n", doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + text
    DOC.write_text(doc)


if __name__ == "__main__":
    main()
