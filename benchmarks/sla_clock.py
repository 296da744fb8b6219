"""The SLA business clock (samphan.service.sla.clock): how long one due-time computation takes.

Pure Python, no database. Measures ``add_business_minutes`` and ``business_minutes_between`` on
the default calendar (Mon–Sat 09:00–12:00 and 13:00–18:00, Thai holidays) for targets from one
hour to a year of business minutes, ``due_with_pauses`` with five pauses, and the 24/7 calendar.
Holidays are loaded once per year and cached, so the first call of a year is left out.

    .venv/bin/python benchmarks/sla_clock.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time
from collections.abc import Callable

from samphan.service.sla.clock import (
    ALWAYS_OPEN,
    BANGKOK,
    DEFAULT_CALENDAR,
    add_business_minutes,
    business_minutes_between,
    due_with_pauses,
)


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm the holiday cache
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    start = dt.datetime(2025, 4, 11, 17, 30, tzinfo=BANGKOK)
    pauses = [
        (start + dt.timedelta(days=d, hours=1), start + dt.timedelta(days=d, hours=20))
        for d in range(0, 10, 2)
    ]
    rows = []
    for minutes in (60, 540, 10_000, 100_000, 525_600):
        due = add_business_minutes(DEFAULT_CALENDAR, start, minutes)
        rows.append(
            (
                f"add {minutes:,} min (due {due:%Y-%m-%d %H:%M})",
                _time(
                    lambda m=minutes: add_business_minutes(DEFAULT_CALENDAR, start, m), args.repeat
                ),
            )
        )
        rows.append(
            (
                f"between, {minutes:,} min apart",
                _time(
                    lambda d=due: business_minutes_between(DEFAULT_CALENDAR, start, d), args.repeat
                ),
            )
        )
    rows.append(
        (
            "due_with_pauses 10,000 min, 5 pauses",
            _time(lambda: due_with_pauses(DEFAULT_CALENDAR, start, 10_000, pauses), args.repeat),
        )
    )
    rows.append(
        (
            "24/7 add 10,000 min",
            _time(lambda: add_business_minutes(ALWAYS_OPEN, start, 10_000), args.repeat),
        )
    )
    print(
        f"SLA clock, {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {args.repeat} runs each"
    )
    print("| computation | p50 µs | p95 µs |\n|---|---:|---:|")
    for label, (p50, p95) in rows:
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
