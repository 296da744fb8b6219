"""A LINE campaign end to end against a local stub of the Messaging API: --recipients
customers with a LINE ID and LINE marketing consent, one text for all (the multicast path),
from ``campaign_send`` to the campaign's ``done``: the audience fixed into delivery rows, each
slice claimed, consent, contacts and the weekly cap read per call of 500, the call, the rows
marked sent, and a timeline event per message.

Runs in-process (Celery eager: one worker) against the database in DATABASE_URL, a scratch
one (it makes a workspace and its customers with bulk inserts; the campaign itself goes through
the services). Prints deliveries per second and the count at the stub (every recipient exactly
once), with the machine and its load.

    DATABASE_URL=sqlite:////tmp/campaignbench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/campaignbench.sqlite3 \\
        .venv/bin/python benchmarks/campaign_line.py --recipients 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
from samphan.messaging.services import line_channel_save  # noqa: E402

SEEN: Counter[str] = Counter()
CALLS = [0]


def line_stub() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # the quota meter
            if self.path.endswith("/consumption"):
                self._reply({"totalUsage": 0})
            else:
                self._reply({"type": "none"})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            CALLS[0] += 1
            to = body.get("to")
            SEEN.update(to if isinstance(to, list) else [to])
            self._reply({})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def shop_make(recipients: int) -> tuple[Any, list[int]]:
    stamp = int(time.time())
    user = User.objects.create_user(email=f"bench{stamp}@campaign.test", password="x-bench-1")
    workspace = Workspace.objects.create(name=f"ร้านทดสอบแคมเปญ {stamp}")
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
                    workspace=workspace, customer_id=pk, kind="line", value=f"U{stamp:08x}{pk:024x}"
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
                    purpose="marketing_line",
                    granted=True,
                    source="follow",
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
    parser.add_argument("--recipients", type=int, default=100_000)
    args = parser.parse_args()
    server, url = line_stub()
    settings.SAMPHAN_LINE_API_URL = url
    try:
        started = time.perf_counter()
        actor, ids = shop_make(args.recipients)
        line_channel_save(
            actor=actor,
            channel_id="1650000000",
            channel_secret="0123456789abcdef0123456789abcdef",
            channel_access_token="bench-access-token-" + "x" * 40,
        )
        setup = time.perf_counter() - started
        campaign = campaign_create(
            actor=actor,
            name="benchmark",
            channel="line",
            text="ลดทั้งร้าน 20% วันนี้เท่านั้น",
            customer_ids=ids,
            control_percent=0,
        )
        t0 = time.perf_counter()
        campaign_send(actor=actor, campaign_id=campaign.pk, ignore_quiet_hours=True)
        elapsed = time.perf_counter() - t0
    finally:
        server.shutdown()
    campaign.refresh_from_db()
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    once = all(n == 1 for n in SEEN.values()) and len(SEEN) == args.recipients
    load = os.getloadavg()
    print(f"## LINE campaign, {args.recipients:,} recipients ({connection.vendor})")
    print(f"{time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} CPUs, "
          f"load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}, Celery eager (one process)")  # fmt: skip
    print(f"- setup (bulk customers, contacts, consent): {setup:.1f} s")
    print(f"- send → done: {elapsed:.1f} s, {sent / elapsed:,.0f} deliveries/s")
    print(f"- status {campaign.status}; {sent:,} sent; {CALLS[0]:,} multicast calls; "
          f"every recipient exactly once at the stub: {once}")  # fmt: skip
    assert Campaign.objects.filter(pk=campaign.pk, status="done").exists()


if __name__ == "__main__":
    main()
