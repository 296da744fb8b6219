"""The server under a mixed read load: requests/s and latency at N concurrent clients.

Starts ``samphan serve`` (gunicorn, workers and threads as it picks them, DEBUG off) against the
database in DATABASE_URL, logs in as a member of the largest workspace (a session cookie made
here, as a sign-in would), and runs N clients for --duration seconds after --warmup seconds.
Each client keeps one HTTP/1.1 connection and sends one request after another (closed loop),
each a random pick from a realistic mix over many customers:

* search (35 %): the customer list's search box, ``/customers/?q=`` with a phone's last 4
  digits, a first name, a surname fragment or "first last";
* customer page (35 %): ``/customers/<id>/`` of a random customer;
* lists (20 %): the customer list newest first, by total spend, its second page (cursor),
  filtered by stage and province;
* dashboard (10 %): ``/``.

The client is plain asyncio (no dependencies), in this process; its CPU time is reported, as it
shares the machine with the server. Results (overall and per kind: req/s, p50/p95/p99, errors
and 503s) replace the section ``<!-- load:<label> -->`` of docs/benchmarks.md unless
--no-record.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load1m \\
        .venv/bin/python benchmarks/load_mixed.py --clients 50 --duration 60 --label pg-1m

``--url`` runs against a server already started instead (then --workers/--threads are only
recorded as given).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
os.environ.setdefault("DEBUG", "0")

MIX = {"search": 35, "customer": 35, "list": 20, "dashboard": 10}
BANGKOK = "กรุงเทพมหานคร"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- set-up: a member's session and the URLs ---------------------------------------------------


def prepare(role: str, samples: int, seed: int) -> tuple[str, dict[str, list[str]], int, str]:
    """(session cookie, URLs per kind, customers in the workspace, database version)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count

    from samphan.core.middleware import SESSION_WORKSPACE
    from samphan.core.models import Membership, User, Workspace
    from samphan.customers.models import ContactPoint, Customer

    top = Customer.objects.values("workspace").annotate(n=Count("id")).order_by("-n").first()
    assert top, "no customers: run `samphan seed` first"
    workspace = Workspace.objects.get(pk=top["workspace"])
    n_customers = int(top["n"])
    user, _ = User.objects.get_or_create(email=f"load-{role}@samphan.bench")
    Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SESSION_WORKSPACE] = workspace.pk
    store.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    rng = random.Random(seed)
    bounds = Customer.objects.filter(workspace=workspace).order_by("id")
    low = bounds.values_list("id", flat=True).first()
    high = bounds.reverse().values_list("id", flat=True).first()
    assert low is not None and high is not None
    wanted = sorted({rng.randint(low, high) for _ in range(samples * 2)})
    people = list(
        Customer.objects.filter(workspace=workspace, pk__in=wanted).values_list(
            "id", "first_name", "last_name"
        )[:samples]
    )
    phones = list(
        ContactPoint.objects.filter(
            workspace=workspace, kind="phone", customer_id__in=[p[0] for p in people]
        ).values_list("value", flat=True)
    )

    def q(text: str) -> str:
        return "/customers/?q=" + urllib.parse.quote(text)

    search: list[str] = []
    for i, (_pk, first, last) in enumerate(people):
        kind = i % 4
        if kind == 0 and phones:
            search.append(q(phones[i % len(phones)][-4:]))
        elif kind == 1 and first:
            search.append(q(first))
        elif kind == 2 and last:
            search.append(q(last[:4]))
        elif first and last:
            search.append(q(f"{first} {last}"))
    lists = [
        "/customers/",
        "/customers/?sort=spend",
        "/customers/?lifecycle_stage=loyal&province=" + urllib.parse.quote(BANGKOK),
        "/customers/?lifecycle_stage=at_risk",
    ]
    urls = {
        "search": search,
        "customer": [f"/customers/{pk}/" for pk, _f, _l in people],
        "list": lists,
        "dashboard": ["/"],
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
    connection.close()
    return cookie, urls, n_customers, version


# --- the client ----------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter[int]] = defaultdict(Counter)
        self.errors: Counter[str] = Counter()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    close = headers.get("connection", "").lower() == "close"
    return status, body, close


async def client(
    host: str,
    port: int,
    cookie: str,
    urls: dict[str, list[str]],
    rng: random.Random,
    start_at: float,
    stop_at: float,
    stats: Stats,
) -> None:
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        path = rng.choice(urls[kind])
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
        assert reader is not None
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
            "Accept: text/html\r\nAccept-Language: th\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        began = time.monotonic()
        try:
            writer.write(request)
            await writer.drain()
            status, _body, close = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            if began >= start_at:
                stats.errors[type(exc).__name__] += 1
            writer.close()
            reader = writer = None
            await asyncio.sleep(0.05)
            continue
        took = time.monotonic() - began
        if began >= start_at and time.monotonic() <= stop_at:
            stats.times[kind].append(took * 1000)
            stats.status[kind][status] += 1
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run_load(
    host: str, port: int, cookie: str, urls: dict[str, list[str]], args: argparse.Namespace
) -> Stats:
    stats = Stats()
    now = time.monotonic()
    start_at = now + args.warmup
    stop_at = start_at + args.duration
    await asyncio.gather(
        *(
            client(
                host,
                port,
                cookie,
                urls,
                random.Random(args.seed * 1000 + i),
                start_at,
                stop_at,
                stats,
            )
            for i in range(args.clients)
        )
    )
    return stats


# --- the server ----------------------------------------------------------------------------------


def start_server(
    port: int, workers: int | None, threads: int | None, log: Path
) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    out = log.open("wb")
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    import urllib.request

    # gunicorn listens before its workers have booted (20 s on a busy machine): wait until
    # every worker has said it booted and a page answers.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"samphan serve exited: see {log}")
        text = log.read_text(errors="replace")
        wanted = re.search(r"with (\d+) workers", text)
        booted = text.count("Booting worker")
        if wanted and booted >= int(wanted.group(1)):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30):
                    pass
                time.sleep(3)  # the last worker's imports
                return server
            except OSError:
                pass
        time.sleep(0.5)
    raise SystemExit(f"samphan serve did not answer on {port}: see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def served_with(log: Path) -> str:
    match = re.search(r"with (\d+) workers × (\d+) threads", log.read_text(errors="replace"))
    return f"{match.group(1)} workers × {match.group(2)} threads" if match else "?"


# --- the report ----------------------------------------------------------------------------------


def report(stats: Stats, args: argparse.Namespace, meta: dict[str, str]) -> str:
    all_times = [t for times in stats.times.values() for t in times]
    ok = sum(c[200] for c in stats.status.values())
    shed = sum(c[503] for c in stats.status.values())
    total = sum(sum(c.values()) for c in stats.status.values())
    other = total - ok - shed
    rows = []
    for kind in [*MIX, "all"]:
        times = all_times if kind == "all" else stats.times.get(kind, [])
        statuses: Counter[int] = Counter()
        for k, c in stats.status.items():
            if kind in ("all", k):
                statuses.update(c)
        if not times:
            continue
        rows.append(
            f"| {kind} | {len(times):,} | {len(times) / args.duration:.1f} | "
            f"{statistics.median(times):.0f} | {percentile(times, 95):.0f} | "
            f"{percentile(times, 99):.0f} | {statuses[503]:,} | "
            f"{sum(n for s, n in statuses.items() if s not in (200, 503)):,} |"
        )
    rate = ok / args.duration
    p95 = percentile(all_times, 95)
    met = rate >= 250 and p95 < 300 and shed == 0 and other == 0
    lines = [
        f"<!-- load:{args.label} -->",
        f"### {args.clients} clients, {meta['title']}",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; commit {meta['commit']}",
        f"- Machine: {os.cpu_count()} cores, x86_64, Python {platform.python_version()}, "
        f"{meta['db']}; shared with other developers' work",
        f"- 1-minute load average: {meta['load_before']} before, {meta['load_after']} after",
        f"- Server: `samphan serve` ({meta['served']}), DEBUG off; {meta['customers']} customers",
        f"- Load: {args.clients} clients, closed loop, {args.warmup} s warm-up then "
        f"{args.duration} s measured; the client's own CPU {meta['client_cpu']} s",
        f"- Command: `DATABASE_URL=… .venv/bin/python benchmarks/load_mixed.py --clients "
        f"{args.clients} --duration {args.duration} --label {args.label}`",
        "",
        "| kind | requests | req/s | p50 ms | p95 ms | p99 ms | 503 | other errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Answered 200: {ok:,} ({rate:.1f}/s); 503 (shed): {shed:,}; other statuses: {other:,}; "
        f"connection errors: {sum(stats.errors.values()):,}. Target ≥ 250 req/s with p95 < "
        f"300 ms: **{'met' if met else 'not met'}**.",
    ]
    if args.note:
        lines += ["", args.note]
    lines.append(f"<!-- /load:{args.label} -->")
    return "\n".join(lines) + "\n"


def record(text: str, label: str, doc: Path) -> None:
    content = doc.read_text()
    start, end = f"<!-- load:{label} -->", f"<!-- /load:{label} -->"
    if start in content:
        before, rest = content.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        content = before + text + ("\n" + after if after else "")
    else:
        anchor = "<!-- load-results -->"
        if anchor in content:
            content = content.replace(anchor, anchor + "\n\n" + text.rstrip("\n"), 1)
        else:
            content = content.rstrip("\n") + "\n\n" + text
    doc.write_text(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="measured seconds")
    parser.add_argument(
        "--warmup", type=int, default=45, help="seconds of load before measuring (workers warm up)"
    )
    parser.add_argument("--url", help="a server already running (default: start samphan serve)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, help="passed to samphan serve")
    parser.add_argument("--threads", type=int, help="passed to samphan serve")
    parser.add_argument("--role", default="manager", help="the member's role (default manager)")
    parser.add_argument("--samples", type=int, default=3000, help="customers to draw URLs from")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--label", default="run")
    parser.add_argument("--note", default="")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args()

    cookie, urls, n_customers, db = prepare(args.role, args.samples, args.seed)
    server = None
    log = Path(f"/tmp/samphan-load-{args.port}.log")
    if args.url:
        parsed = urllib.parse.urlsplit(args.url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
        served = f"{args.workers or '?'} workers × {args.threads or '?'} threads"
    else:
        host, port = "127.0.0.1", args.port
        server = start_server(port, args.workers, args.threads, log)
        served = served_with(log)
    try:
        load_before = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        stats = asyncio.run(run_load(host, port, cookie, urls, args))
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            stop_server(server)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    meta = {
        "title": args.label,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "db": db,
        "load_before": f"{load_before:.1f}",
        "load_after": f"{load_after:.1f}",
        "served": served,
        "customers": f"{n_customers:,}",
        "client_cpu": f"{client_cpu:.1f}",
    }
    text = report(stats, args, meta)
    print(text)
    if stats.errors:
        print("connection errors:", dict(stats.errors))
    if not args.no_record:
        record(text, args.label, args.doc)


if __name__ == "__main__":
    main()
