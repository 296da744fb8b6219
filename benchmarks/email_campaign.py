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
exactly once), with the machine and its load.

    DATABASE_URL=sqlite:////tmp/emailbench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/emailbench.sqlite3 \\
        .venv/bin/python benchmarks/email_campaign.py --n 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any

import django

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
# messages, the recipients (each once?) and those multipart with the open pixel, and prints
# them when its stdin closes.
SERVER = r"""
import asyncio, json, socket, sys
from collections import Counter
from aiosmtpd.controller import Controller

seen = Counter()
pixel = [0]

class Inbox:
    async def handle_DATA(self, server, session, envelope):
        seen.update(envelope.rcpt_tos)
        pixel[0] += b"/m/o/" in envelope.content and b"multipart/alternative" in envelope.content
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
}), flush=True)
"""


def _server() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def _server_counts(process: subprocess.Popen[str]) -> dict[str, int]:
    out, _err = process.communicate(timeout=120)
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
                    workspace=workspace, customer_id=pk, kind="email", value=f"c{pk}@r{stamp}.test"
                )
                for pk in ids
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000, help="recipients")
    args = parser.parse_args()
    server, port = _server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
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
        t0 = time.perf_counter()
        campaign_send(actor=actor, campaign_id=campaign.pk, ignore_quiet_hours=True)
        elapsed = time.perf_counter() - t0
    finally:
        at_server = _server_counts(server)
    campaign.refresh_from_db()
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    received = at_server["messages"]
    once = at_server["recipients"] == args.n and not at_server["repeated"]
    load = os.getloadavg()
    print(f"## Email campaign, {args.n:,} recipients ({connection.vendor}, local aiosmtpd)")
    print(f"{time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} CPUs, "
          f"load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}, Celery eager (one process)")  # fmt: skip
    print(f"- setup (bulk customers, contacts, consent): {setup:.1f} s")
    print(f"- send → done: {elapsed:.1f} s, {sent / elapsed:,.0f} messages/s")
    print(f"- status {campaign.status}; {sent:,} sent; {received:,} messages at the server "
          f"({at_server['with_pixel']:,} multipart with the pixel); "
          f"every recipient exactly once at the server: {once}")  # fmt: skip
    assert received == args.n, f"{received} received, {args.n} expected"
    assert Campaign.objects.filter(pk=campaign.pk, status="done").exists()


if __name__ == "__main__":
    main()
