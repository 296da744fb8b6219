"""Coupons: the validate and redeem API's server time, generating unique codes, and 50 tills
redeeming one limited code at the same moment.

Runs in-process against the database in DATABASE_URL (a scratch one: it makes a workspace,
customers, orders and campaigns), through Django's test client with a read-write API key, so
the times include middleware, the checks, the counters' conditional UPDATEs, the redemption row
and the timeline event, but no network. Measures:

- generating 10,000 unique codes (one request's maximum);
- ``POST /api/v1/loyalty/coupons/validate`` for a member on a segment-free shared code
  (p50/p95/max);
- ``POST /api/v1/loyalty/coupons/redeem`` of a shared code with a per-customer limit, one order
  after another (p50/p95/max);
- 50 threads redeeming a code limited to 25 uses at once: wall time, accepted, refused.

Prints the section "Coupons (<vendor>)" for docs/benchmarks.md (and writes it unless
``--no-record``).

    createdb -h 127.0.0.1 -U postgres couponbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/couponbench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/couponbench \\
        .venv/bin/python benchmarks/coupons.py --samples 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from samphan.commerce.services import LineInput, channels_ensure_defaults, order_create  # noqa: E402
from samphan.core.access import actor_for_membership  # noqa: E402
from samphan.core.models import ApiKey, Membership, User, Workspace  # noqa: E402
from samphan.core.roles import Role  # noqa: E402
from samphan.core.services import api_key_create  # noqa: E402
from samphan.customers.services import customer_create  # noqa: E402
from samphan.loyalty.coupons.models import CouponRedemption  # noqa: E402
from samphan.loyalty.coupons.services import campaign_create, codes_generate  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
TILLS = 50


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(samples: int, call: Callable[[int], object]) -> dict[str, float]:
    call(0)
    times = []
    for i in range(1, samples + 1):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "max": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    samples = args.samples

    tag = uuid.uuid4().hex[:6]
    workspace = Workspace.objects.create(name=f"Coupon bench {tag}")
    user = User.objects.create_user(email=f"coupon-bench-{tag}@example.test")
    owner = actor_for_membership(
        Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    )
    channel = channels_ensure_defaults(workspace=workspace)[0]
    secret = api_key_create(actor=owner, name="bench", scope=ApiKey.Scope.READ_WRITE).secret
    headers = {"X-API-Key": secret}
    client = Client()

    customers = [
        customer_create(actor=owner, first_name="ลูกค้า", last_name=f"ทดสอบ{i}").customer
        for i in range(samples + 1)
    ]

    def new_order(i: int) -> int:
        return order_create(
            actor=owner,
            channel_id=channel.pk,
            customer_id=customers[i % len(customers)].pk,
            lines=[LineInput(name="ชาไทย", quantity=2, unit_price_satang=30000)],
        ).order.pk

    orders = [new_order(i) for i in range(samples + 1 + TILLS)]

    unique = campaign_create(actor=owner, name="unique", kind="value", value_satang=5000,
                             code_mode="unique")  # fmt: skip
    start = time.perf_counter()
    codes_generate(actor=owner, campaign_id=unique.pk, count=10_000)
    generate_ms = (time.perf_counter() - start) * 1000

    campaign_create(actor=owner, name="shared", kind="percent", percent_bp=1000,
                    max_discount_satang=20000, min_spend_satang=10000, per_customer_limit=1,
                    code_mode="shared", code="BENCH10")  # fmt: skip

    def validate(i: int) -> None:
        r = client.post(
            "/api/v1/loyalty/coupons/validate",
            {"code": "bench10", "subtotal_satang": 60000, "customer_id": customers[i].pk},
            content_type="application/json",
            headers=headers,
        )
        assert r.status_code == 200 and r.json()["valid"], r.content

    def redeem(i: int) -> None:
        r = client.post(
            "/api/v1/loyalty/coupons/redeem",
            {"code": "bench10", "order_id": orders[i]},
            content_type="application/json",
            headers={**headers, "Idempotency-Key": f"bench-{tag}-{i}"},
        )
        assert r.status_code == 201, r.content

    rows = [("validate (API)", timed(samples, validate)), ("redeem (API)", timed(samples, redeem))]

    limited = campaign_create(actor=owner, name="rush", kind="value", value_satang=5000,
                              total_limit=25, code_mode="shared", code="RUSH25")  # fmt: skip
    barrier = threading.Barrier(TILLS)
    rush_orders = orders[samples + 1 :]

    def till(i: int) -> int:
        try:
            barrier.wait(timeout=60)
            return (
                Client()
                .post(
                    "/api/v1/loyalty/coupons/redeem",
                    {"code": "RUSH25", "order_id": rush_orders[i]},
                    content_type="application/json",
                    headers=headers,
                )
                .status_code
            )
        finally:
            connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=TILLS) as pool:
        statuses = list(pool.map(till, range(TILLS)))
    rush_ms = (time.perf_counter() - start) * 1000
    accepted = CouponRedemption.objects.filter(campaign=limited).count()
    assert statuses.count(201) == accepted == 25, statuses

    load = os.getloadavg()
    lines = [
        f"## Coupons ({connection.vendor})",
        "",
        f"{dt.date.today().isoformat()}, {platform.node()} ({os.cpu_count()} cores, shared with"
        f" other agents; load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}), {samples} requests"
        " of each kind in one process through the test client (`benchmarks/coupons.py`).",
        "",
        "| what | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |" for name, r in rows),
        "",
        f"Generating 10,000 unique codes: {generate_ms:,.0f} ms. {TILLS} threads redeeming a code"
        f" limited to 25 uses at once: {statuses.count(201)} accepted (201), "
        f"{statuses.count(409)} refused (409 `coupon_limit_reached`), {rush_ms:,.0f} ms in all;"
        f" the campaign counts {accepted} redemptions.",
    ]
    if args.note:
        lines += ["", args.note]
    section = "\n".join(lines) + "\n"
    print(section)
    if args.no_record:
        return
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(lines[0])}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
