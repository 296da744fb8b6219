"""Where a request of the mixed load spends its time: per kind, in-process (Django test client),
the server time, the number of SQL queries and the time in them, and optionally a cProfile of
one kind's requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load1m \\
        .venv/bin/python benchmarks/load_profile.py --samples 50 [--profile customer] [--sql]

Uses the URLs and the member's session of ``load_mixed.py`` (same mix, same seed). Prints
only; the load figures themselves come from ``load_mixed.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
os.environ.setdefault("DEBUG", "0")

from load_mixed import percentile, prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--profile", help="cProfile this kind (search, customer, list, dashboard)")
    parser.add_argument("--sort", default="cumulative", help="pstats order (cumulative, tottime)")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--sql", action="store_true", help="print the slowest queries per kind")
    parser.add_argument("--role", default="manager")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    cookie, urls, n_customers, db = prepare(args.role, 3000, args.seed)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="th")
    name, _, value = cookie.partition("=")
    client.cookies[name] = value
    assert not settings.DEBUG
    print(f"{n_customers:,} customers, {db}")

    def backend_cpu() -> float:
        """CPU seconds of the PostgreSQL backend serving this connection (a local server)."""
        try:
            pid = connection.connection.info.backend_pid
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, AttributeError, ValueError, IndexError):
            return float("nan")

    summary: list[str] = []
    for kind, paths in urls.items():
        client.get(paths[0])  # warm
        times: list[float] = []
        sql_times: list[float] = []
        counts: list[int] = []
        slow: Counter[str] = Counter()
        cpu: list[float] = []
        # CPU time, not wall time: on a shared machine the wall clock counts others' work too.
        profiler = cProfile.Profile(time.process_time) if args.profile == kind else None
        db_before, app_before = backend_cpu(), time.process_time()
        for i in range(args.samples):
            path = paths[i % len(paths)]
            with CaptureQueriesContext(connection) as ctx:
                if profiler:
                    profiler.enable()
                start, cpu_start = time.perf_counter(), time.process_time()
                response = client.get(path)
                took = (time.perf_counter() - start) * 1000
                cpu.append((time.process_time() - cpu_start) * 1000)
                if profiler:
                    profiler.disable()
            assert response.status_code == 200, (path, response.status_code)
            times.append(took)
            counts.append(len(ctx.captured_queries))
            sql_times.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
            for q in ctx.captured_queries:
                slow[q["sql"][:160]] += int(float(q["time"]) * 1000)
        app_ms = (time.process_time() - app_before) / args.samples * 1000
        db_ms = (backend_cpu() - db_before) / args.samples * 1000
        summary.append(f"| {kind} | {statistics.median(counts):.0f} | {app_ms:.1f} | {db_ms:.1f} |")
        print(
            f"{kind:10} p50 {statistics.median(times):6.1f} ms  p95 {percentile(times, 95):6.1f} ms"
            f"  queries {statistics.median(counts):4.0f}  SQL p50 {statistics.median(sql_times):6.1f} ms"
            f"  app CPU p50 {statistics.median(cpu):5.1f} ms"
        )
        if args.sql:
            for sql, ms in slow.most_common(8):
                print(f"    {ms / args.samples:7.1f} ms/req  {sql}")
        if profiler:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
    print("\n| kind | queries | app CPU ms/request | database CPU ms/request |")
    print("|---|---:|---:|---:|")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
