"""A flood of LINE webhook deliveries against the real server: --requests deliveries of one
event each (follow, text message, postback), every tenth signed with a wrong secret and every
tenth a redelivery of an earlier event (same ``webhookEventId``, ``isRedelivery`` true), sent
by --clients threads at once to ``/hooks/line/<token>`` of ``samphan serve`` (gunicorn).

The events are applied by a Celery worker on Redis (``--celery worker``, the production
wiring) or in the server's request threads after commit (``--celery eager``). After the flood
the script waits until no event is left unprocessed, then counts, per valid event (one that
arrived at least once with a good signature): its ``LineWebhookEvent`` row, its interaction
(a message or a postback: the text is unique per event), its consent entry (a follow: the
evidence names the event) and its timeline event; each must be there exactly once, and no event
of a badly signed delivery may be there at all.

    createdb -h 127.0.0.1 -U postgres samphan_bench_hook
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samphan_bench_hook \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samphan_bench_hook \\
        .venv/bin/python benchmarks/webhook_flood.py --requests 1000 --clients 8
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BROKER = "redis://127.0.0.1:6379/14"
SECRET = "0123456789abcdef0123456789abcdef"
KINDS = ("follow", "message", "message", "postback")  # a follow for two messages, a postback


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8, help="threads posting at once")
    parser.add_argument("--users", type=int, default=100, help="LINE users the events come from")
    parser.add_argument("--celery", choices=("worker", "eager"), default="worker")
    parser.add_argument("--broker", default=BROKER, help="Redis URL (its database is emptied)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: serve's pick)")
    parser.add_argument("--threads", type=int, help="gunicorn threads (default: serve's pick)")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--seed", type=int, default=2569)
    return parser.parse_args()


ARGS = _args()
if ARGS.celery == "worker":
    os.environ["CELERY_BROKER_URL"] = ARGS.broker
    os.environ["CELERY_RESULT_BACKEND"] = ARGS.broker
else:
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("CELERY_RESULT_BACKEND", None)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")

import django  # noqa: E402

django.setup()

from campaign_line_workers import start_workers, stop_workers  # noqa: E402
from django.db import connection  # noqa: E402
from load_mixed import start_server, stop_server  # noqa: E402

from samphan.core.access import actor_for_membership  # noqa: E402
from samphan.core.models import Membership, User, Workspace  # noqa: E402
from samphan.customers.models import ConsentEvent, ContactPoint, Customer, Interaction  # noqa: E402
from samphan.messaging.models import LineWebhookEvent  # noqa: E402
from samphan.messaging.services import line_channel_save  # noqa: E402
from samphan.timeline.models import TimelineEvent  # noqa: E402


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _event(i: int, kind: str, user: str, stamp: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": stamp * 1000 + i,
        "source": {"type": "user", "userId": user},
        "webhookEventId": f"01J{stamp:010d}{i:06d}{uuid.uuid4().hex[:7]}".upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
    }
    if kind == "message":
        data["message"] = {"type": "text", "id": str(i), "text": f"สอบถามสินค้า ข้อความที่ {i}"}
    elif kind == "postback":
        data["postback"] = {"data": f"action=buy&item={i}"}
    elif kind == "follow":
        data["follow"] = {"isUnblocked": False}
    return data


def deliveries(n: int, users: int, seed: int) -> list[tuple[bytes, str, dict[str, Any], bool]]:
    """(body, signature, event, signed well): every tenth (i % 10 == 9) signed wrongly, every
    tenth (i % 10 == 4) a redelivery of an earlier event."""
    rng = random.Random(seed)
    stamp = int(time.time())
    line_users = [f"U{stamp:08x}{u:024x}" for u in range(users)]
    made: list[dict[str, Any]] = []
    out = []
    for i in range(n):
        if i % 10 == 4 and made:
            one = dict(rng.choice(made), deliveryContext={"isRedelivery": True})
        else:
            one = _event(i, KINDS[i % len(KINDS)], rng.choice(line_users), stamp)
            made.append(one)
        body = json.dumps({"destination": "U" + "f" * 32, "events": [one]}, ensure_ascii=False)
        raw = body.encode()
        good = i % 10 != 9
        out.append((raw, sign(raw) if good else sign(raw, "e" * 32), one, good))
    return out


class Poster:
    """One keep-alive HTTP/1.1 connection per thread."""

    def __init__(self, port: int, path: str) -> None:
        self.port, self.path = port, path
        self.local = threading.local()

    def post(self, body: bytes, signature: str) -> tuple[int, dict[str, Any]]:
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, 60)
            try:
                conn.request(
                    "POST",
                    self.path,
                    body=body,
                    headers={"Content-Type": "application/json", "X-Line-Signature": signature},
                )
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                self.local.conn = None
            try:
                parsed = json.loads(data) if data else {}
            except ValueError:
                parsed = {}
            return response.status, parsed
        raise AssertionError("unreachable")


def _shop() -> tuple[Workspace, str]:
    stamp = int(time.time())
    user = User.objects.create_user(email=f"bench{stamp}@webhook.test", password="x-bench-1")
    workspace = Workspace.objects.create(name=f"ร้านทดสอบเว็บฮุก {stamp}")
    membership = Membership.objects.create(user=user, workspace=workspace, role="owner")
    channel = line_channel_save(
        actor=actor_for_membership(membership),
        channel_id="1650000000",
        channel_secret=SECRET,
        channel_access_token="bench-access-token-" + "x" * 40,
    )
    return workspace, channel.webhook_token


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("the server (and worker) need a shared database: DATABASE_URL=postgres")
    workspace, token = _shop()
    plan = deliveries(ARGS.requests, ARGS.users, ARGS.seed)
    logs = Path(tempfile.mkdtemp(prefix="webhook-flood-"))
    workers: list[Any] = []
    if ARGS.celery == "worker":
        import redis

        redis.Redis.from_url(ARGS.broker).flushdb()
        workers = start_workers(ARGS.broker, "http://127.0.0.1:9", "solo", 1, logs)
    server = start_server(ARGS.port, ARGS.workers, ARGS.threads, logs / "server.log")
    poster = Poster(ARGS.port, f"/hooks/line/{token}")
    statuses: Counter[int] = Counter()
    answered_redelivered = 0
    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(ARGS.clients) as pool:
            results = list(pool.map(lambda d: poster.post(d[0], d[1]), plan))
        flood = time.perf_counter() - t0
        for status, data in results:
            statuses[status] += 1
            answered_redelivered += int(data.get("redelivered") or 0)
        rows = LineWebhookEvent.objects.filter(workspace=workspace)
        deadline = time.perf_counter() + 600
        while rows.filter(status="received").exists() and time.perf_counter() < deadline:
            time.sleep(0.2)
        drained = time.perf_counter() - t0
    finally:
        stop_server(server)
        stop_workers(workers)

    # What should be there: the events of the deliveries that were signed well and answered 200.
    valid: dict[str, dict[str, Any]] = {}
    valid_deliveries = 0
    bad_ids: set[str] = set()
    for (_body, _sig, event, good), (status, _data) in zip(plan, results, strict=True):
        if good and status == 200:
            valid[event["webhookEventId"]] = event
            valid_deliveries += 1
        elif not good:
            bad_ids.add(event["webhookEventId"])
    only_bad = bad_ids - set(valid)
    kinds = Counter(e["type"] for e in valid.values())
    # What is there.
    kept = Counter(rows.values_list("webhook_event_id", flat=True))
    by_status = Counter(rows.values_list("status", flat=True))
    redelivered_column = sum(rows.values_list("redelivered", flat=True))
    # A message's interaction is its text; a postback's ends with its data (after a label).
    summaries = Counter(
        s[s.index("action=buy&item=") :] if "action=buy&item=" in s else s
        for s in Interaction.objects.filter(workspace=workspace).values_list("summary", flat=True)
    )
    wanted_summaries = Counter(
        e["message"]["text"] if e["type"] == "message" else e["postback"]["data"]
        for e in valid.values()
        if e["type"] in ("message", "postback")
    )
    follows = Counter(
        ev.rsplit(" ", 1)[-1]
        for ev in ConsentEvent.objects.filter(workspace=workspace, source="follow").values_list(
            "evidence", flat=True
        )
    )
    wanted_follows = {i for i, e in valid.items() if e["type"] == "follow"}
    timeline = Counter(
        TimelineEvent.objects.filter(workspace=workspace, type__startswith="line.").values_list(
            "type", flat=True
        )
    )
    line_contacts = Counter(
        ContactPoint.objects.filter(workspace=workspace, kind="line").values_list(
            "value", flat=True
        )
    )
    users_valid = {e["source"]["userId"] for e in valid.values()}
    checks = {
        "400s == badly signed deliveries": statuses[400] == sum(1 for p in plan if not p[3]),
        "a row per valid event, none twice, none of a bad delivery": set(kept) == set(valid)
        and all(n == 1 for n in kept.values())
        and not (only_bad & set(kept)),
        "every row processed": by_status.get("processed", 0) == len(valid) == rows.count(),
        "redeliveries counted (rows' redelivered == valid deliveries − valid events)": (
            redelivered_column == valid_deliveries - len(valid) == answered_redelivered
        ),
        "an interaction per message/postback, each once": summaries == wanted_summaries,
        "a consent entry per follow, each once": set(follows) == wanted_follows
        and all(n == 1 for n in follows.values()),
        "timeline: one line.* event per valid event": timeline.get("line.followed", 0)
        == kinds["follow"]
        and timeline.get("line.message_received", 0) == kinds["message"]
        and timeline.get("line.postback", 0) == kinds["postback"],
        "one customer per LINE user (no duplicate from a race)": len(line_contacts)
        == len(users_valid)
        and all(n == 1 for n in line_contacts.values())
        and Customer.objects.filter(workspace=workspace, merged_into__isnull=True).count()
        == len(users_valid),
    }
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    served = "?"
    text = (logs / "server.log").read_text(errors="replace")
    if "workers ×" in text:
        served = text.split("with ", 1)[1].split("\n", 1)[0]
    load = os.getloadavg()
    celery = "1 × celery worker --pool=solo on Redis" if ARGS.celery == "worker" else "eager"
    print(f"## LINE webhook flood, {ARGS.requests:,} deliveries (PostgreSQL {version})")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()}, "
          f"{os.cpu_count()} CPUs, load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; "
          f"samphan serve {served}; {ARGS.clients} client threads; Celery {celery}")  # fmt: skip
    print(f"- flood: {flood:.1f} s, {ARGS.requests / flood:,.0f} requests/s; all events applied "
          f"{drained:.1f} s after the first request")  # fmt: skip
    print(f"- answers: {dict(sorted(statuses.items()))}; badly signed deliveries "
          f"{sum(1 for p in plan if not p[3])}; redeliveries {sum(1 for i in range(ARGS.requests) if i % 10 == 4)}")  # fmt: skip
    print(f"- valid events {len(valid)} (follow {kinds['follow']}, message {kinds['message']}, "
          f"postback {kinds['postback']}) from {valid_deliveries} good deliveries; events only "
          f"badly signed {len(only_bad)}")  # fmt: skip
    print(f"- rows {rows.count()} by status {dict(by_status)}; redelivered counted "
          f"{redelivered_column} (answers said {answered_redelivered}); interactions "
          f"{sum(summaries.values())}; follow consents {sum(follows.values())}; timeline "
          f"{dict(sorted(timeline.items()))}; LINE contacts {len(line_contacts)} for "
          f"{len(users_valid)} users")  # fmt: skip
    for name, ok in checks.items():
        print(f"  - {'ok ' if ok else 'FAIL'} {name}")
    print(f"- logs: {logs}")
    if not all(checks.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
