"""The fault test of issue 13: ``kill -9`` a Celery worker in the middle of a LINE campaign,
start another, and count at a stub of the Messaging API: every recipient got exactly one
message and nobody was skipped.

Real processes, as in production: a worker subprocess on Redis (its own queue, so parallel runs
do not collide) and PostgreSQL (the worker is another process and must see the test database),
and a local stub of LINE that behaves as LINE does for push and multicast: a request whose
``X-Line-Retry-Key`` it has accepted already is answered 409 with
``x-line-accepted-request-id`` and delivers nothing again.

The worker is killed at the worst moment: the stub has accepted a call (and counted its
recipients) and the worker has not yet heard the answer, so its rows are left ``sending``
under the dead worker's lease. The recovery is the product's own: the beat task
``messaging.campaigns_due`` reaps rows whose lease has run out (10 minutes, so the test moves
the dead worker's lease into the past instead of waiting) and hands them out again; the repeat
carries the same retry key and LINE delivers it once.

Runs when SAMPHAN_TEST_REDIS_URL is set and the suite runs on PostgreSQL (`.ci/run` sets both;
SAMPHAN_REQUIRE_REDIS turns the skip into a failure).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, cast

import pytest
from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.db import connection, transaction
from django.utils import timezone

from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import Membership
from samphan.customers.models import ConsentEvent, ContactPoint, Customer
from samphan.messaging.campaigns import campaign_create, campaign_send
from samphan.messaging.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from samphan.messaging.services import line_channel_save
from samphan.timeline.models import TimelineEvent
from tests.factories import MembershipFactory
from tests.messaging.campaign_helpers import no_quiet_hours

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("SAMPHAN_TEST_REDIS_URL", "")
WAIT = 90.0  # seconds: a bound for each wait, never a timing that is asserted

# The worker, with the tasks it sends itself (the campaign's slices, the reaper's repeats)
# routed to its own queue instead of Celery's shared default one. Booting takes 10-15 s on a
# busy CI machine, so the replacement worker is booted ahead as a stand-by: it imports Django
# and the tasks, then waits for a line on stdin before it connects to the broker at all.
WORKER = """
import sys

import django
from samphan.celery import app

django.setup()
app.loader.import_default_modules()
queue = sys.argv[1]
app.conf.task_default_queue = queue
if sys.argv[2:] == ["standby"]:
    sys.stdin.readline()
app.worker_main(["worker", "--pool=solo", "--queues=" + queue, "--loglevel=info",
                 "--without-heartbeat", "--without-gossip", "--without-mingle"])
"""


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


# --- the LINE stub ---------------------------------------------------------------------------


@dataclass
class LineStub:
    """LINE's push and multicast with retry-key semantics. ``delay`` seconds per accepted call;
    the call that brings the recipients seen to ``kill_after`` is held (accepted and counted,
    not answered) until ``release`` is set: the moment the worker is killed."""

    delay: float
    kill_after: int
    url: str = ""
    seen: Counter[str] = field(default_factory=Counter)
    accepted: dict[str, str] = field(default_factory=dict)  # retry key → request id
    calls: int = 0
    repeated_keys: list[str] = field(default_factory=list)  # answered 409: not delivered again
    repeated_recipients: int = 0
    seen_at_kill: int = 0
    held_key: str = ""  # the retry key of the call the worker was killed in
    lock: threading.Lock = field(default_factory=threading.Lock)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def post(self, key: str, recipients: list[str]) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.calls += 1
            if key and key in self.accepted:
                self.repeated_keys.append(key)
                self.repeated_recipients += len(recipients)
                return (
                    409,
                    {"x-line-accepted-request-id": self.accepted[key]},
                    {"message": "The retry key is already accepted", "sentMessages": []},
                )
            request_id = str(uuid.uuid4())
            if key:
                self.accepted[key] = request_id
            self.seen.update(recipients)
            hold = not self.held.is_set() and self.seen.total() >= self.kill_after
            if hold:
                self.seen_at_kill, self.held_key = self.seen.total(), key
                self.held.set()
        if hold:
            self.release.wait(WAIT)  # the worker dies waiting for this answer
        else:
            time.sleep(self.delay)
        return 200, {"x-line-request-id": request_id}, {"sentMessages": [{"id": request_id}]}


def _handler(stub: LineStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the worker that asked was killed
                self.close_connection = True

        def do_GET(self) -> None:  # the quota meter
            if self.path.endswith("/consumption"):
                self._reply(200, {}, {"totalUsage": 0})
            else:
                self._reply(200, {}, {"type": "none"})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            to = body.get("to")
            self._reply(
                *stub.post(
                    self.headers.get("X-Line-Retry-Key", ""), to if isinstance(to, list) else [to]
                )
            )

    return Handler


@pytest.fixture
def stub_server() -> Iterator[Callable[[float, int], LineStub]]:
    servers: list[tuple[ThreadingHTTPServer, LineStub]] = []

    def start(delay: float, kill_after: int) -> LineStub:
        stub = LineStub(delay=delay, kill_after=kill_after)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stub.url = f"http://127.0.0.1:{server.server_address[1]}"
        servers.append((server, stub))
        return stub

    yield start
    for server, stub in servers:
        stub.release.set()
        server.shutdown()
        server.server_close()


# --- workers ---------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[str]
    log: Path
    out: IO[str]

    def output(self) -> str:
        self.out.flush()
        return self.log.read_text(errors="replace")

    def start(self) -> None:
        """Let a stand-by worker connect and consume."""
        assert self.process.stdin is not None
        self.process.stdin.write("start\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """kill -9, the whole process group (the worker and any pool children)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.out.close()


def _start_worker(
    name: str, queue: str, env: dict[str, str], tmp_path: Path, *, standby: bool = False
) -> Worker:
    log = tmp_path / f"{name}.log"
    out = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, queue, *(["standby"] if standby else [])],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, for killpg
    )
    return Worker(process, log, out)


def _redis_cleanup(queue: str) -> None:
    """The killed worker's message stays in kombu's ``unacked`` hash (Redis would hand it out
    again after the visibility timeout, to a queue nobody reads by then): drop it and the
    queue's keys."""
    import redis

    client = redis.Redis.from_url(BROKER)
    try:
        for tag, raw in client.hscan_iter("unacked"):
            try:
                _message, exchange, routing_key = json.loads(raw)
            except (ValueError, TypeError):
                continue
            if queue in (exchange, routing_key):
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


def _fail(what: str, workers: list[Worker], queue: str) -> None:
    """Fail with what the workers wrote and where the queue's messages are."""
    import redis

    client = redis.Redis.from_url(BROKER)
    try:
        waiting = client.llen(queue)
        unacked = sum(queue.encode() in raw for raw in client.hvals("unacked"))
        # Without its binding, kombu drops what is sent to the queue (a FLUSHDB of this Redis
        # database by someone else does that: use a database of your own).
        bound = bool(client.exists(f"_kombu.binding.{queue}"))
    finally:
        client.close()
    logs = "\n".join(f"--- {w.log.name} ---\n{w.output()[-4000:]}" for w in workers)
    pytest.fail(
        f"{what} ({waiting} messages waiting, {unacked} unacked, queue bound: {bound})\n{logs}"
    )


def _wait_for(condition: Callable[[], bool], what: str, workers: list[Worker], queue: str) -> None:
    """Wait until ``condition``; fail (with the workers' logs) if the one at work exits."""
    deadline = time.monotonic() + WAIT
    while not condition():
        alive = workers[0].process.poll() is None
        if not alive or time.monotonic() > deadline:
            _fail(f"{what}: {'timed out' if alive else 'the worker exited'}", workers, queue)
        time.sleep(0.1)


def _statuses(campaign: Campaign) -> Counter[str]:
    return Counter(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True))


def _customers(owner: Actor, n: int) -> list[int]:
    """``n`` customers with a LINE ID and LINE marketing consent, in bulk as the campaign
    benchmark makes them (the services take ~60 ms a customer here: a minute for 1,000)."""
    now = timezone.now()
    workspace = owner.workspace
    with transaction.atomic():
        ids = [
            c.pk
            for c in Customer.objects.bulk_create(
                [
                    Customer(workspace=workspace, first_name=f"ลูกค้า{i}", created_at=now)
                    for i in range(n)
                ]
            )
        ]
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(workspace=workspace, customer_id=pk, kind="line", value=f"U{pk:032x}")
                for pk in ids
            ]
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
            ]
        )
    return ids


# --- the test ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    recipients: int
    text: str
    kill_after: int  # recipients accepted by the stub when the worker is killed
    delay: float  # seconds per LINE call


CASES = {
    # One text for all: multicast, 500 per call, 1,000 rows per task: the worker is killed in
    # the second call of the first task; the second task is still waiting in Redis.
    "multicast": Case(recipients=1200, text="ลดทั้งร้าน 20% วันนี้เท่านั้น", kill_after=600, delay=0.1),
    # A personal text: one push per customer, 100 rows checked at a time.
    "push": Case(recipients=400, text="คุณ{{ name }} ลดทั้งร้าน 20% วันนี้", kill_after=150, delay=0.01),
}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", list(CASES))
def test_a_worker_killed_mid_campaign_reaches_everyone_exactly_once(
    kind: str, tmp_path: Path, settings: Any, stub_server: Callable[[float, int], LineStub]
) -> None:
    skip = pytest.fail if os.environ.get("SAMPHAN_REQUIRE_REDIS") else pytest.skip
    if not BROKER:
        skip("set SAMPHAN_TEST_REDIS_URL to run against a real Redis broker")
    if connection.vendor != "postgresql":
        skip("the worker process needs a shared database: run with DATABASE_URL=postgres")
    case = CASES[kind]
    started = time.monotonic()
    stub = stub_server(case.delay, case.kill_after)
    settings.SAMPHAN_LINE_API_URL = stub.url
    # The test process never starts the campaign itself: the worker does.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    queue = f"samphan-kill-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "DATABASE_URL": _database_url(),
        "SAMPHAN_DATA_DIR": str(tmp_path),
        "SAMPHAN_LINE_API_URL": stub.url,
        "SAMPHAN_LINE_RETRY_BASE_SECONDS": "0.05",
    }
    client = Celery("samphan-test-client", broker=BROKER, backend=BROKER)

    def beat() -> int:
        """One run of the minute task (start due campaigns, reap dead workers' rows)."""
        result = client.send_task("messaging.campaigns_due", queue=queue)
        try:
            return int(result.get(timeout=WAIT))
        except CeleryTimeoutError:
            _fail("messaging.campaigns_due got no answer", workers, queue)
            raise

    workers: list[Worker] = []
    try:
        # Started first: they boot while the shop is being made.
        workers.append(_start_worker("worker-1", queue, env, tmp_path))
        workers.append(_start_worker("worker-2", queue, env, tmp_path, standby=True))
        owner = actor_for_membership(cast(Membership, MembershipFactory()))
        line_channel_save(
            actor=owner,
            channel_id="1650000000",
            channel_secret="0123456789abcdef0123456789abcdef",
            channel_access_token="kill-test-access-token-" + "x" * 40,
        )
        no_quiet_hours(owner)
        customers = _customers(owner, case.recipients)
        line_ids = set(
            ContactPoint.objects.filter(workspace=owner.workspace, kind="line").values_list(
                "value", flat=True
            )
        )
        assert len(line_ids) == case.recipients
        # Scheduled a moment ahead: `campaign_send` enqueues nothing in the test process
        # (eager), and the worker's beat task starts it, as it starts any scheduled campaign.
        due = timezone.now() + dt.timedelta(seconds=1)
        campaign = campaign_create(
            actor=owner,
            name=f"kill -9 ({kind})",
            channel="line",
            text=case.text,
            customer_ids=customers,
            control_percent=0,
            schedule_at=due,
        )
        campaign_send(actor=owner, campaign_id=campaign.pk)
        assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SCHEDULED
        setup = time.monotonic() - started
        _wait_for(lambda: timezone.now() >= due, "schedule", workers, queue)
        assert beat() == 1  # the campaign started; its slices are queued for the worker
        _wait_for(stub.held.is_set, "the stub reached the kill point", workers, queue)

        first, second = workers
        first.kill()  # kill -9 while LINE has accepted a call the worker has not confirmed
        stub.release.set()
        at_kill = _statuses(campaign)
        assert 0 < stub.seen_at_kill < case.recipients
        assert at_kill[DeliveryStatus.SENDING] > 0  # the dead worker's lease holds its rows

        # The restart: a new worker process (booted ahead, first connecting now).
        workers.reverse()  # the one at work first
        second.start()
        # While the lease holds, the reaper hands out nothing: the rows could still be in a
        # live (slow) worker's hands. The slices never started (still in Redis) go on.
        assert beat() == 0
        _wait_for(
            lambda: (
                not Delivery.objects.filter(
                    campaign=campaign, status=DeliveryStatus.QUEUED
                ).exists()
            ),
            "the slices that were waiting in Redis",
            workers,
            queue,
        )
        assert _statuses(campaign)[DeliveryStatus.SENDING] == at_kill[DeliveryStatus.SENDING]
        assert stub.repeated_keys == []

        # Ten minutes later (the lease, moved into the past rather than waited for), the beat
        # task's reaper hands the dead worker's rows out again.
        expired = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).update(
            lease_until=timezone.now() - dt.timedelta(seconds=1)
        )
        assert beat() >= 1
        _wait_for(
            lambda: Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DONE,
            "the campaign to finish",
            workers,
            queue,
        )
    finally:
        for worker in workers:
            worker.stop()
        _redis_cleanup(queue)
    elapsed = time.monotonic() - started

    # At LINE: everyone exactly once, nobody skipped; the held call was repeated with its key
    # and refused as a repeat (409), not delivered twice.
    assert set(stub.seen) == line_ids
    assert max(stub.seen.values()) == 1 and stub.seen.total() == case.recipients
    assert stub.repeated_keys == [stub.held_key]
    # In the database: every row sent, and one "campaign message sent" on each timeline.
    assert _statuses(campaign) == {DeliveryStatus.SENT: case.recipients}
    events = Counter(
        TimelineEvent.objects.filter(
            workspace=owner.workspace, type="campaign.message_sent"
        ).values_list("customer_id", flat=True)
    )
    assert set(events) == set(customers) and max(events.values()) == 1
    print(
        f"\n[{kind}] N={case.recipients}: {stub.seen_at_kill} accepted at LINE when the worker "
        f"was killed (rows then {dict(at_kill)}); {expired} rows reaped after the lease; "
        f"{stub.calls} calls, {len(stub.repeated_keys)} repeat(s) refused by retry key "
        f"({stub.repeated_recipients} recipients not sent twice); setup {setup:.1f} s, "
        f"total {elapsed:.1f} s"
    )
