"""Benchmark the Shopee importer: a 100,000-line Seller Centre export into a fresh workspace.

Usage (from the repository root)::

    # SQLite: a scratch database (migrated first)
    SAMPHAN_DATA_DIR=/tmp/samphan-bench DATABASE_URL=sqlite:////tmp/samphan-bench/db.sqlite3 \\
        .venv/bin/python benchmarks/import_shopee.py
    # PostgreSQL (the tables exist; a fresh workspace is used)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/import_shopee.py

The file is generated deterministically (``--seed``) into a temporary folder: Thai headings
(some starting with ``*``), one row per line item, order totals repeated on every row of an
order, masked buyer phones (``******920``) for most buyers and full numbers for a few, about 3 %
of orders not paid yet (skipped by the importer). The import then runs as ``samphan import``
in a child process, exactly as a shop owner would run it; its wall time and peak memory
(``RUSAGE_CHILDREN``) are measured. The same file is imported a second time, which must change
nothing (every order is found by its Shopee order ID). The figures replace this database's
entry in the "Import: 100,000-line Shopee file" section of ``docs/benchmarks.md`` unless
``--no-record`` is given.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "import-shopee"
HEADING = "## Import: 100,000-line Shopee file"

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")

HEADERS = [
    "หมายเลขคำสั่งซื้อ", "สถานะการสั่งซื้อ", "สถานะการคืนเงินหรือคืนสินค้า", "*หมายเลขติดตามพัสดุ",
    "ตัวเลือกการจัดส่ง", "วันที่ทำการสั่งซื้อ", "เวลาการชำระสินค้า", "เลขอ้างอิง Parent SKU",
    "ชื่อสินค้า", "เลขอ้างอิง SKU (SKU Reference No.)", "ชื่อตัวเลือก", "ราคาตั้งต้น", "ราคาขาย",
    "จำนวน", "ราคาขายสุทธิ", "โค้ดส่วนลดชำระโดยผู้ขาย", "ค่าจัดส่งที่ชำระโดยผู้ซื้อ",
    "จำนวนเงินทั้งหมด", "ช่องทางการชำระเงิน", "*ชื่อผู้ใช้ (ผู้ซื้อ)", "ชื่อผู้รับ", "หมายเลขโทรศัพท์",
    "ที่อยู่ในการจัดส่ง", "ตำบล", "เขต/อำเภอ", "จังหวัด", "รหัสไปรษณีย์", "หมายเหตุจากผู้ซื้อ",
]  # fmt: skip
FIRST = ["สมหญิง", "สมชาย", "วิภา", "ณัฐพงศ์", "พลอย", "กิตติพงษ์", "ชนิดา", "อรุณี", "ธนากร",
         "ศิริพร", "วรรณา", "ปิยะ", "สุดารัตน์", "อนุชา", "มาลี", "จิราพร", "ประเสริฐ", "กมล"]  # fmt: skip
LAST = ["ใจดี", "รักดี", "แสงทอง", "แก้วมณี", "ศรีสุข", "บุญมา", "ประเสริฐ", "วงศ์ใหญ่", "มั่นคง",
        "ทองดี", "สุขสวัสดิ์", "พรหมมา", "จันทร์เพ็ญ", "ศรีวงศ์"]  # fmt: skip
TITLES = ["", "", "คุณ", "นาย", "นางสาว", "นาง"]
PLACES = [
    ("จอมพล", "จตุจักร", "กรุงเทพมหานคร", "10900"), ("สุเทพ", "เมืองเชียงใหม่", "เชียงใหม่", "50200"),
    ("ในเมือง", "เมืองขอนแก่น", "ขอนแก่น", "40000"), ("หนองปรือ", "บางละมุง", "ชลบุรี", "20150"),
    ("ตลาดใหญ่", "เมืองภูเก็ต", "ภูเก็ต", "83000"), ("บางกระสอ", "เมืองนนทบุรี", "นนทบุรี", "11000"),
]  # fmt: skip
PRODUCTS = ["เซรั่มวิตามินซี", "ครีมกันแดด SPF50", "ลิปทินท์", "โทนเนอร์ดอกดาวเรือง", "มาสก์หน้าใส",
            "โฟมล้างหน้า", "ครีมบำรุงผิว", "แชมพูสมุนไพร", "สบู่ชาเขียว", "โลชั่นน้ำนม"]  # fmt: skip
STATUSES = [("สำเร็จแล้ว", 88), ("ยกเลิกแล้ว", 5), ("ที่ต้องจัดส่ง", 4), ("ที่ต้องชำระ", 3)]
PAYMENTS = ["ShopeePay", "เก็บเงินปลายทาง", "บัตรเครดิต/บัตรเดบิต", "โอนผ่านธนาคาร"]


def generate(path: Path, *, orders: int, buyers: int, lines: int, seed: int) -> dict[str, int]:
    """Write the export; returns what it holds (orders by status, lines, distinct buyers)."""
    rng = random.Random(seed)
    skus = [
        (f"SKU-{i:04d}", f"{PRODUCTS[i % len(PRODUCTS)]} รุ่น {i // len(PRODUCTS) + 1}",
         rng.choice([59, 99, 129, 159, 199, 259, 289, 359, 459, 599]))
        for i in range(300)
    ]  # fmt: skip
    people = []
    for i in range(buyers):
        title, first, last = rng.choice(TITLES), rng.choice(FIRST), rng.choice(LAST)
        full_phone = rng.random() < 0.05
        phone = (
            f"66{rng.randint(800000000, 999999999)}"
            if full_phone
            else f"******{rng.randint(0, 999):03d}"
        )
        people.append(
            (
                f"buyer{i:06d}_{rng.randint(0, 99)}",
                f"{title}{first} {last}",
                phone,
                rng.choice(PLACES),
            )
        )
    # Every buyer has at least one order; the rest are repeat orders (some buyers buy often).
    owners = list(range(buyers)) + [
        int(rng.paretovariate(1.2)) % buyers for _ in range(orders - buyers)
    ]
    rng.shuffle(owners)
    counts = [1] * orders
    for _ in range(lines - orders):
        counts[rng.randrange(orders)] += 1
    status_pool = [s for s, weight in STATUSES for _ in range(weight)]
    start = dt.datetime(2026, 1, 1, 8, 0)
    stats = {"orders": orders, "lines": lines, "buyers": len(set(owners))}
    for status, _weight in STATUSES:
        stats[status] = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for n in range(orders):
            user, receiver, phone, (sub, district, province, postcode) = people[owners[n]]
            status = rng.choice(status_pool)
            stats[status] += 1
            created = start + dt.timedelta(minutes=n * 13 + rng.randint(0, 12))
            order_id = f"26{created:%m%d}{n:07d}SP"
            items = [rng.choice(skus) for _ in range(counts[n])]
            qtys = [rng.choice([1, 1, 1, 2, 3]) for _ in items]
            subtotal = sum(price * q for (_s, _n, price), q in zip(items, qtys, strict=True))
            shipping = rng.choice([0, 0, 30, 40])
            voucher = rng.choice([0, 0, 0, 20, 50]) if subtotal > 100 else 0
            total = subtotal + shipping - voucher
            payment = rng.choice(PAYMENTS)
            for (sku, name, price), qty in zip(items, qtys, strict=True):
                writer.writerow([
                    order_id, status, "", f"TH{n:010d}", "Kerry Express", f"{created:%Y-%m-%d %H:%M}",
                    f"{created:%Y-%m-%d %H:%M}", sku[:8], name, sku, "", price, price, qty,
                    price * qty, voucher, shipping, total, payment, user, receiver, phone,
                    "99/1 หมู่บ้านสุขใจ", sub, district, province, postcode, "",
                ])  # fmt: skip
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=35_000)
    parser.add_argument("--buyers", type=int, default=25_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--no-migrate", action="store_true", help="skip migrate (PostgreSQL)")
    parser.add_argument("--no-record", action="store_true", help="do not update the docs")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the benchmark workspace and its data"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from samphan.core.models import Membership, User, Workspace
    from samphan.core.roles import Role

    if connection.vendor == "sqlite" and not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    stamp = int(time.time())
    workspace = Workspace.objects.create(name=f"benchmark import {stamp}")
    user = User.objects.create(email=f"bench-import-{stamp}@example.com", first_name="Bench")
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    database = _database_version()
    from samphan.customers.models import Customer

    others = Customer.objects.exclude(workspace=workspace).count()
    load = os.getloadavg()[0]
    connection.close()

    folder = Path(tempfile.mkdtemp(prefix="samphan-import-bench-"))
    path = folder / "shopee_orders_100k.csv"
    started = time.perf_counter()
    stats = generate(path, orders=args.orders, buyers=args.buyers, lines=args.lines, seed=args.seed)
    print(f"generated {path} ({path.stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - started:.1f} s: {stats}")  # fmt: skip

    command = [sys.executable, "manage.py", "import", str(path), "--kind", "shopee",
               "--workspace", str(workspace.pk), "--show-errors", "3", "--no-progress"]  # fmt: skip
    runs = []
    for attempt in ("first", "again"):
        print("$", " ".join(command[1:]), flush=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(done.stdout, end="")
        if done.returncode:
            if not args.keep:
                path.unlink()
                folder.rmdir()
            raise SystemExit(done.returncode)
        found = re.search(r"with problems, ([\d.]+) s", done.stdout)
        engine = float(found.group(1)) if found else 0.0
        runs.append({"attempt": attempt, "seconds": seconds, "engine_seconds": engine,
                     "rss_mib": max(rss, before) / 1024, "stdout": done.stdout})  # fmt: skip
        print(f"{attempt}: {seconds:.1f} s wall ({engine:.1f} s importing), "
              f"peak RSS {rss / 1024:.0f} MiB")  # fmt: skip

    counts = _counts(workspace.pk)
    print("in the workspace:", counts)
    if not args.keep:
        path.unlink()
        folder.rmdir()
    if not args.keep_data:
        try:
            drop_workspace(workspace.pk)  # the database may be shared: leave it as it was
        except Exception as exc:
            print(f"could not delete benchmark workspace {workspace.pk}: {exc}")
    if not args.no_record:
        _record(
            vendor=connection.vendor, database=database, stats=stats, counts=counts, runs=runs,
            args=args, context={"others": others, "load": load},
        )  # fmt: skip
        print(f"recorded in {DOC.relative_to(ROOT)}")


def _counts(workspace_id: int) -> dict[str, int]:
    from samphan.commerce.models import Order, OrderLine
    from samphan.customers.models import ContactPoint, Customer
    from samphan.timeline.models import TimelineEvent

    return {
        "customers": Customer.objects.filter(workspace_id=workspace_id).count(),
        "contact points": ContactPoint.objects.filter(workspace_id=workspace_id).count(),
        "orders": Order.objects.filter(workspace_id=workspace_id).count(),
        "order lines": OrderLine.objects.filter(workspace_id=workspace_id).count(),
        "timeline events": TimelineEvent.objects.filter(workspace_id=workspace_id).count(),
    }


def drop_workspace(workspace_id: int) -> None:
    """Delete a benchmark workspace and the uploaded files, with plain DELETEs in dependency
    order (Django's cascade would load every row, and would touch the tables of every app,
    some of which a shared database may not have yet)."""
    from django.db import connection, transaction

    from samphan.commerce.models import Order, OrderLine, SalesChannel
    from samphan.core.models import Membership, User, Workspace
    from samphan.customers.models import ConsentEvent, ContactPoint, Customer, Tag
    from samphan.imports.models import ImportJob
    from samphan.timeline.models import TimelineEvent

    users = list(
        Membership.objects.filter(
            workspace_id=workspace_id, user__email__startswith="bench-import-"
        ).values_list("user_id", flat=True)
    )
    for job in ImportJob.objects.filter(workspace_id=workspace_id):
        job.file.delete(save=False)
    qn = connection.ops.quote_name
    customers = qn(Customer._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {qn(Customer.tags.through._meta.db_table)} WHERE customer_id IN "
            f"(SELECT id FROM {customers} WHERE workspace_id = %s)",
            [workspace_id],
        )
        for model in (TimelineEvent, OrderLine, Order, ContactPoint, ConsentEvent, Customer, Tag,
                      ImportJob, SalesChannel, Membership, Workspace):  # fmt: skip
            column = "id" if model is Workspace else "workspace_id"
            cursor.execute(
                f"DELETE FROM {qn(model._meta.db_table)} WHERE {column} = %s", [workspace_id]
            )
        if users:
            cursor.execute(
                f"DELETE FROM {qn(User._meta.db_table)} WHERE id IN "
                f"({', '.join(['%s'] * len(users))})",
                users,
            )


def _database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _machine() -> str:
    mem_gib = 0.0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_gib = int(line.split()[1]) / 1024 / 1024
    return (
        f"{os.cpu_count()} cores, {mem_gib:.0f} GB RAM, {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def _record(
    *, vendor: str, database: str, stats: dict[str, int], counts: dict[str, int],
    runs: list[dict[str, Any]], args: argparse.Namespace, context: dict[str, Any],
) -> None:  # fmt: skip
    first, again = runs
    key = f"{SECTION}:{vendor}"
    unpaid = stats.get("ที่ต้องชำระ", 0)
    block = "\n".join([
        f"<!-- {key} -->",
        f"### {database}",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).date().isoformat()} (UTC)",
        f"- Machine: {_machine()}",
        f"- File: {stats['lines']:,} lines, {stats['orders']:,} orders ({unpaid:,} not paid yet), "
        f"{stats['buyers']:,} buyers; seed {args.seed}",
        f"- Also in the database: {context['others']:,} customers of other workspaces; load "
        f"average at the start {context['load']:.1f} (a shared machine)",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| first import, wall time (`samphan import`, incl. start-up) | {first['seconds']:.1f} s |",
        f"| first import, reading + checking + writing (report) | {first['engine_seconds']:.1f} s |",
        f"| first import, peak RSS of the import process | {first['rss_mib']:,.0f} MiB |",
        f"| same file again (changes nothing), wall time | {again['seconds']:.1f} s |",
        *(f"| {label} | {value:,} |" for label, value in counts.items()),
        f"<!-- /{key} -->",
    ])  # fmt: skip
    # The heading comes first and the marker after it: other benchmarks replace their own section
    # up to the next "## " heading, which must not take this section's marker with it.
    intro = "\n".join([
        HEADING,
        f"<!-- {SECTION} -->",
        "",
        "`benchmarks/import_shopee.py` generates a Shopee Seller Centre export (Thai headings, one "
        "row per line item, masked buyer phones) and imports it into a fresh workspace with "
        "`samphan import FILE --kind shopee` in a child process: every row checked, buyers matched "
        "by Shopee username, orders, lines, customers, contact points, timeline events and the "
        "customers' purchase summaries written in one transaction. Target: under 60 s on each "
        "database, memory bounded.",
        "",
        "Memory: the importer keeps one small object per order item and per buyer (about 1 KB "
        "per line), never the file; the peak RSS below includes about 85 MiB for Python, Django "
        "and openpyxl themselves. The second import of the same file only reads, checks and "
        "matches (every order is found by its Shopee order ID) and writes nothing.",
        "",
    ])  # fmt: skip
    closing = f"<!-- /{SECTION} -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"  # re-read just before editing
    begin = text.find(f"<!-- {SECTION} -->\n{HEADING}")  # the older layout: marker first
    if begin < 0:
        begin = text.find(f"{HEADING}\n")
    entries: dict[str, str] = {}
    if begin >= 0:
        finish = text.index(closing, begin) + len(closing)
        current = text[begin:finish]
        entry = re.compile(rf"<!-- ({re.escape(SECTION)}:\w+) -->.*?<!-- /\1 -->", re.S)
        entries = {m.group(1): m.group(0) for m in entry.finditer(current)}
    entries[key] = block  # this database's entry replaced, the others kept
    updated = "\n".join([intro, *(entries[k] + "\n" for k in sorted(entries)), closing])
    if begin >= 0:
        text = text[:begin] + updated + text[finish:]
    else:
        text = text.rstrip("\n") + "\n\n" + updated + "\n"
    DOC.write_text(text)


if __name__ == "__main__":
    main()
