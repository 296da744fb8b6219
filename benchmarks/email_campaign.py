"""An email campaign end to end against a local SMTP server (aiosmtpd, in a subprocess): --n
customers with an email address and email marketing consent, a personal text (their name) with
two links, from ``campaign_send`` to the campaign's ``done``: the audience fixed into delivery
rows, each slice claimed, consent, contacts and the weekly cap read per 100 rows, each message
rendered for its recipient (links tracked per recipient, an open pixel, the unsubscribe link
and header), a text and an HTML part sent over one SMTP connection per 100 messages, the rows
marked sent, and a timeline event per message.

Runs in-process (Celery eager: one worker) against the database in DATABASE_URL, a scratch
one (it makes a workspace and its customers with bulk inserts; the campaign itself goes through
the services). Prints messages per second and the count at the SMTP server (every recipient
exactly once and personal: its message names that recipient and no other), with the machine
and its load.

    DATABASE_URL=sqlite:////tmp/emailbench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/emailbench.sqlite3 \\
        .venv/bin/python benchmarks/email_campaign.py --n 100000

``--workers 2`` runs it through two real Celery workers (``celery worker --pool=solo`` each,
started and stopped with the helpers of ``campaign_line_workers.py``) on Redis (``--broker``,
default db 13, emptied first) and PostgreSQL; the workers reach the SMTP server through
EMAIL_URL. Timed from ``campaign_send`` to the campaign's ``done`` (polled every 0.1 s).
``--profile`` runs the workers under cProfile (use a smaller --n) and prints the top.

    createdb -h 127.0.0.1 -U postgres samphan_bench_mail
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samphan_bench_mail \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samphan_bench_mail \\
        .venv/bin/python benchmarks/email_campaign.py --n 100000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import django

BROKER = "redis://127.0.0.1:6379/13"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000, help="recipients")
    parser.add_argument(
        "--workers", type=int, default=0, help="Celery worker processes (0: eager, in-process)"
    )
    parser.add_argument("--broker", default=BROKER, help="Redis URL (its database is emptied)")
    parser.add_argument(
        "--profile", action="store_true", help="run the workers under cProfile, print the top"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for done")
    return parser.parse_args()


ARGS = _args() if __name__ == "__main__" else None
if ARGS is not None and ARGS.workers:
    # The broker for this process too: campaign_send hands campaign_start to Redis.
    os.environ["CELERY_BROKER_URL"] = ARGS.broker
    os.environ["CELERY_RESULT_BACKEND"] = ARGS.broker
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from samphan.core.access import actor_for_membership  # noqa: E402
from samphan.core.models import Membership, User, Workspace  # noqa: E402
from samphan.customers.models import ConsentEvent, ContactPoint, Customer  # noqa: E402
from samphan.messaging.campaigns import campaign_create, campaign_send  # noqa: E402
from samphan.messaging.models import Campaign, Delivery, MessagingSettings  # noqa: E402

# The SMTP server runs in its own process (its own core, not this one's GIL): it counts the
# messages, the recipients (each once?), those multipart with the open pixel and those
# personal (recipient c<i>@…: the text part greets ลูกค้า<i>, and no other customer is named
# anywhere in the message), and prints them when its stdin closes.
SERVER = r"""
import asyncio, json, re, socket, sys
from collections import Counter
from aiosmtpd.controller import Controller

seen = Counter()
pixel = [0]
personal = [0]
NAME = re.compile("ลูกค้า([0-9]+)".encode())
GREETING = "สวัสดีคุณลูกค้า".encode()

class Inbox:
    async def handle_DATA(self, server, session, envelope):
        seen.update(envelope.rcpt_tos)
        content = envelope.content
        pixel[0] += b"/m/o/" in content and b"multipart/alternative" in content
        if len(envelope.rcpt_tos) == 1:
            i = envelope.rcpt_tos[0].split("@")[0][1:].encode()
            names = set(NAME.findall(content))
            greeting = GREETING + i
            personal[0] += names == {i} and (
                greeting + b"\r\n" in content or greeting + b"\n" in content
            )
        return "250 OK"

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
controller.start()
print(port, flush=True)
sys.stdin.read()
controller.stop()
print(json.dumps({
    "messages": sum(seen.values()),
    "recipients": len(seen),
    "repeated": sum(1 for n in seen.values() if n > 1),
    "with_pixel": pixel[0],
    "personal": personal[0],
}), flush=True)
"""


def _server() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def _server_counts(process: subprocess.Popen[str]) -> dict[str, int]:
    out, _err = process.communicate(timeout=300)
    return json.loads(out.strip().splitlines()[-1])


def _shop(recipients: int) -> tuple[Any, list[int]]:
    stamp = int(time.time())
    user = User.objects.create_user(email=f"bench{stamp}@email.test", password="x-bench-1")
    workspace = Workspace.objects.create(name=f"ร้านทดสอบอีเมล {stamp}")
    membership = Membership.objects.create(user=user, workspace=workspace, role="owner")
    actor = actor_for_membership(membership)
    now = timezone.now()
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [
                Customer(workspace=workspace, first_name=f"ลูกค้า{i}", created_at=now)
                for i in range(recipients)
            ],
            batch_size=5000,
        )
        ids = [c.pk for c in customers]
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(
                    workspace=workspace, customer_id=pk, kind="email", value=f"c{i}@r{stamp}.test"
                )
                for i, pk in enumerate(ids)
            ],
            batch_size=5000,
        )
        ConsentEvent.objects.bulk_create(
            [
                ConsentEvent(
                    workspace=workspace,
                    customer_id=pk,
                    purpose="marketing_email",
                    granted=True,
                    source="counter",
                    recorded_at=now,
                )
                for pk in ids
            ],
            batch_size=5000,
        )
    MessagingSettings.objects.create(workspace=workspace, weekly_cap=0)
    return actor, ids


def _wait_done(campaign_id: int, timeout: float) -> str:
    deadline = time.perf_counter() + timeout
    status = ""
    while time.perf_counter() < deadline:
        status = Campaign.objects.filter(pk=campaign_id).values_list("status", flat=True)[0]
        if status in ("done", "canceled"):
            break
        time.sleep(0.1)
    return status


def main(args: argparse.Namespace) -> None:
    workers_mode = args.workers > 0
    if workers_mode:
        if connection.vendor != "postgresql":
            raise SystemExit("the workers need a shared database: DATABASE_URL=postgres://…")
        import redis

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from campaign_line_workers import (
            cpu_seconds,
            cpu_spent,
            print_profiles,
            start_workers,
            stop_workers,
        )

        broker = redis.Redis.from_url(args.broker)
        broker.flushdb()
    server, port = _server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    # (The workers read it at their start: start_workers passes this process's environment.)
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="email-campaign-workers-")) if workers_mode else Path()
    workers: list[subprocess.Popen[bytes]] = []
    cpu_workers = 0.0
    left = 0
    try:
        started = time.perf_counter()
        actor, ids = _shop(args.n)
        setup = time.perf_counter() - started
        campaign = campaign_create(
            actor=actor,
            name="benchmark",
            channel="email",
            subject="โปรสำหรับคุณ{{ name }}",
            text="สวัสดีคุณ{{ name }}\nลดทั้งร้าน 20% วันนี้เท่านั้น https://shop.example/sale\n"
            "ดูเมนูใหม่ https://shop.example/menu",
            customer_ids=ids,
            control_percent=0,
            link_base="https://samphan.example",
        )
        if workers_mode:
            # (No LINE here: the stub address is never called.)
            workers = start_workers(
                args.broker, "http://127.0.0.1:9", "solo", args.workers, logs, args.profile
            )
            pgids = {w.pid for w in workers}
            cpu0 = cpu_seconds(pgids)
        t0 = time.perf_counter()
        campaign_send(actor=actor, campaign_id=campaign.pk, ignore_quiet_hours=True)
        if workers_mode:
            _wait_done(campaign.pk, args.timeout)
        elapsed = time.perf_counter() - t0
        if workers_mode:
            cpu_workers = cpu_spent(cpu0, cpu_seconds(pgids))
            left = broker.llen("celery")
    finally:
        if workers:
            stop_workers(workers)
        at_server = _server_counts(server)
    campaign.refresh_from_db()
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    received = at_server["messages"]
    once = at_server["recipients"] == args.n and not at_server["repeated"]
    personal = at_server["personal"] == args.n
    load = os.getloadavg()
    layout = (
        f"{args.workers} × celery worker --pool=solo, broker {args.broker}"
        if workers_mode
        else "Celery eager (one process)"
    )
    print(f"## Email campaign, {args.n:,} recipients ({connection.vendor}, local aiosmtpd)")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()}, "
          f"{os.cpu_count()} CPUs, load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}, {layout}")  # fmt: skip
    print(f"- setup (bulk customers, contacts, consent): {setup:.1f} s")
    print(f"- send → done: {elapsed:.1f} s, {sent / elapsed:,.0f} messages/s")
    print(f"- status {campaign.status}; {sent:,} sent; {received:,} messages at the server "
          f"({at_server['with_pixel']:,} multipart with the pixel, {at_server['personal']:,} "
          f"personal); every recipient exactly once at the server: {once}; each message "
          f"personal: {personal}")  # fmt: skip
    if workers_mode:
        print(f"- workers' CPU during send → done: {cpu_workers:.1f} s "
              f"({cpu_workers / elapsed:.2f} of a core on average); messages left in the "
              f"queue: {left}; worker logs: {logs}")  # fmt: skip
        if args.profile:
            print_profiles(logs)
    assert received == args.n, f"{received} received, {args.n} expected"
    assert once and personal, at_server
    assert Campaign.objects.filter(pk=campaign.pk, status="done").exists()


if __name__ == "__main__":
    assert ARGS is not None
    main(ARGS)
