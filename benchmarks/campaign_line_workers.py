"""A LINE campaign through real Celery workers: --recipients customers with a LINE ID and LINE
marketing consent, one text for all (the multicast path), on PostgreSQL with Redis as the
broker and two worker processes, against the local stub of ``campaign_line.py`` (a thread of
this process, which the workers reach through SAMPHAN_LINE_API_URL).

This process makes the shop (bulk inserts, as ``campaign_line.py`` does), starts the workers,
creates the campaign and calls ``campaign_send`` (which hands ``campaign_start`` to Redis);
a worker fixes the audience into delivery rows and dispatches slices of 1,000, which both
workers send. Timed from ``campaign_send`` to the campaign's ``done`` (polled every 0.1 s);
then every recipient is checked at the stub exactly once.

    createdb -h 127.0.0.1 -U postgres samphan_bench_line
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samphan_bench_line \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samphan_bench_line \\
        .venv/bin/python benchmarks/campaign_line_workers.py --recipients 100000 --pool solo

``--pool solo`` starts two ``celery worker --pool=solo`` processes; ``--pool prefork`` one
``celery worker --pool=prefork --concurrency=2``. The broker's database (default Redis db 13)
is emptied first. It also prints the workers' CPU time during the send; ``--profile`` runs the
workers under cProfile (use a smaller --recipients) and prints where their time went.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROKER = "redis://127.0.0.1:6379/13"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--broker", default=BROKER, help="Redis URL (its database is emptied)")
    parser.add_argument("--pool", choices=("solo", "prefork"), default="solo")
    parser.add_argument("--workers", type=int, default=2, help="processes (solo) or children")
    parser.add_argument(
        "--profile", action="store_true", help="run the workers under cProfile, print the top"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for done")
    return parser.parse_args()


if __name__ == "__main__":  # (webhook_flood.py imports the workers' start and stop)
    ARGS = _args()
    # The broker for this process too: campaign_send hands campaign_start to Redis.
    os.environ["CELERY_BROKER_URL"] = ARGS.broker
    os.environ["CELERY_RESULT_BACKEND"] = ARGS.broker
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import campaign_line  # noqa: E402  (django.setup() with the environment above)
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from samphan.messaging.campaigns import campaign_create, campaign_send  # noqa: E402
from samphan.messaging.models import Campaign, Delivery  # noqa: E402
from samphan.messaging.services import line_channel_save  # noqa: E402


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


def start_workers(
    broker: str, stub_url: str, pool: str, count: int, logs: Path, profile: bool = False
) -> list[subprocess.Popen]:
    """``count`` solo workers, or one prefork worker with ``count`` children, on ``broker``
    and this process's database; returns once each has said it is ready."""
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DATABASE_URL": _database_url(),
        "SAMPHAN_LINE_API_URL": stub_url,
        "SAMPHAN_DATA_DIR": str(logs),
    }
    python = [sys.executable, "-m", "cProfile", "-o"] if profile else [sys.executable]
    base = ["-m", "celery", "-A", "samphan", "worker", "--loglevel=info",
            "--without-heartbeat", "--without-gossip", "--without-mingle"]  # fmt: skip
    if pool == "solo":
        commands = [[*base, "--pool=solo", f"-n=bench{i}@%h"] for i in range(count)]
    else:
        commands = [[*base, "--pool=prefork", f"--concurrency={count}", "-n=bench@%h"]]
    if profile:  # (solo: the tasks run in the profiled main process)
        commands = [[*python, str(logs / f"worker{i}.prof"), *c] for i, c in enumerate(commands)]
    else:
        commands = [[*python, *c] for c in commands]
    workers = []
    for i, command in enumerate(commands):
        out = (logs / f"worker{i}.log").open("wb")
        workers.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 120
    for i, worker in enumerate(workers):
        log = logs / f"worker{i}.log"
        while "ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker {i} did not start: see {log}")
            time.sleep(0.2)
    return workers


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pgids: set[int], cmdline_has: str = "") -> dict[int, float]:
    """User + system CPU seconds of each live process in the process groups ``pgids``, or
    (``cmdline_has``) whose command line contains that text (a PostgreSQL backend shows its
    database there)."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if cmdline_has:
                if cmdline_has not in (entry / "cmdline").read_text(errors="replace"):
                    continue
            elif int(fields[2]) not in pgids:
                continue
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK
        except (OSError, ValueError, IndexError):
            continue
    return found


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def print_profiles(logs: Path) -> None:
    """The workers' cProfile files (``--profile``), merged: the top by cumulative and own time."""
    import pstats

    profiles = [str(p) for p in sorted(logs.glob("worker*.prof"))]
    if profiles:
        stats = pstats.Stats(*profiles)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)


def main(args: argparse.Namespace) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("the workers need a shared database: DATABASE_URL=postgres://…")
    broker = redis.Redis.from_url(args.broker)
    broker.flushdb()
    server, url = campaign_line.line_stub()
    settings.SAMPHAN_LINE_API_URL = url
    logs = Path(tempfile.mkdtemp(prefix="campaign-workers-"))
    workers: list[subprocess.Popen] = []
    try:
        started = time.perf_counter()
        actor, ids = campaign_line.shop_make(args.recipients)
        line_channel_save(
            actor=actor,
            channel_id="1650000000",
            channel_secret="0123456789abcdef0123456789abcdef",
            channel_access_token="bench-access-token-" + "x" * 40,
        )
        setup = time.perf_counter() - started
        campaign = campaign_create(
            actor=actor,
            name="benchmark (workers)",
            channel="line",
            text="ลดทั้งร้าน 20% วันนี้เท่านั้น",
            customer_ids=ids,
            control_percent=0,
        )
        workers = start_workers(
            args.broker, url, args.pool, args.workers, logs, profile=args.profile
        )
        pgids = {w.pid for w in workers}
        database = connection.settings_dict["NAME"]
        cpu0 = (cpu_seconds(pgids), cpu_seconds(set(), database), time.process_time())
        t0 = time.perf_counter()
        campaign_send(actor=actor, campaign_id=campaign.pk, ignore_quiet_hours=True)
        deadline = t0 + args.timeout
        status = ""
        while time.perf_counter() < deadline:
            status = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True)[0]
            if status in ("done", "canceled"):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - t0
        cpu_workers = cpu_spent(cpu0[0], cpu_seconds(pgids))
        cpu_database = cpu_spent(cpu0[1], cpu_seconds(set(), database))
        cpu_self = time.process_time() - cpu0[2]
        left = broker.llen("celery")
    finally:
        stop_workers(workers)
        server.shutdown()
    campaign.refresh_from_db()
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    seen = campaign_line.SEEN
    once = all(n == 1 for n in seen.values()) and len(seen) == args.recipients
    rows_at = Delivery.objects.filter(campaign=campaign).order_by("sent_at")
    first_sent = rows_at.values_list("sent_at", flat=True).first()
    start_lag = (campaign.started_at - campaign.send_after).total_seconds()
    first_lag = (first_sent - campaign.started_at).total_seconds() if first_sent else 0.0
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    load = os.getloadavg()
    layout = (
        f"{args.workers} × celery worker --pool=solo"
        if args.pool == "solo"
        else f"1 × celery worker --pool=prefork --concurrency={args.workers}"
    )
    print(
        f"## LINE campaign through workers, {args.recipients:,} recipients (PostgreSQL {version})"
    )
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()}, {os.cpu_count()} CPUs, "
          f"load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}, {layout}, broker {args.broker}")  # fmt: skip
    print(f"- setup (bulk customers, contacts, consent): {setup:.1f} s")
    print(f"- send → done: {elapsed:.1f} s, {sent / elapsed:,.0f} deliveries/s")
    print(f"  (send → start task running {start_lag:.1f} s; start → first row sent "
          f"{first_lag:.1f} s: the audience fixed into rows and the slices dispatched)")  # fmt: skip
    print(f"- status {status}; {sent:,} sent; {campaign_line.CALLS[0]:,} multicast calls; "
          f"every recipient exactly once at the stub: {once}; messages left in the queue: {left}")  # fmt: skip
    per = 1000 / max(sent, 1)
    # (PostgreSQL's backends: on some VMs their ticks read 0 in /proc; then the line says 0.)
    print(f"- CPU during send → done: workers {cpu_workers:.1f} s "
          f"({cpu_workers * per:.2f} s per 1,000 deliveries, {cpu_workers / elapsed:.2f} of a "
          f"core on average), PostgreSQL backends of {database} {cpu_database:.1f} s, this "
          f"process (stub, polling) {cpu_self:.1f} s")  # fmt: skip
    print(f"- worker logs: {logs}")
    if args.profile:
        print_profiles(logs)
    assert status == "done", status


if __name__ == "__main__":
    main(ARGS)
