"""A local stub of LINE's Messaging API (http.server in a thread) and helpers to sign and
deliver webhook bodies as LINE does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from samphan.core.access import Actor
from samphan.messaging.models import LineChannel
from samphan.messaging.services import line_channel_save

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "stub-access-token-" + "x" * 40
USER = "U" + "a" * 32
OTHER_USER = "U" + "b" * 32


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class LineStub:
    """Answers in order from ``script`` (status, headers, body) per path, then 200 ``{}``
    (the quota paths answer with ``quota`` and ``used``)."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    script: dict[str, list[tuple[int, dict[str, str], Any]]] = field(default_factory=dict)
    quota: dict[str, Any] = field(default_factory=lambda: {"type": "limited", "value": 1000})
    used: int = 0

    def answer(self, path: str, *answers: tuple[int, dict[str, str], Any]) -> None:
        self.script.setdefault(path, []).extend(answers)

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def _handler(stub: LineStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            stub.seen.append(
                Seen(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw) if raw else None,
                )
            )
            queue = stub.script.get(self.path) or []
            if queue:
                status, headers, body = queue.pop(0)
            elif self.path == "/v2/bot/message/quota":
                status, headers, body = 200, {}, stub.quota
            elif self.path == "/v2/bot/message/quota/consumption":
                status, headers, body = 200, {}, {"totalUsage": stub.used}
            else:
                status, headers, body = 200, {}, {"sentMessages": []}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-line-request-id", str(uuid.uuid4()))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

    return Handler


@pytest.fixture
def line_stub(settings: Any) -> Iterator[LineStub]:
    stub = LineStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SAMPHAN_LINE_API_URL = stub.url
    settings.SAMPHAN_LINE_RETRY_BASE_SECONDS = 0.001
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def channel(owner: Actor) -> LineChannel:
    return line_channel_save(
        actor=owner, channel_id="1650000000", channel_secret=SECRET, channel_access_token=TOKEN
    )


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event(kind: str, user: str = USER, *, event_id: str | None = None, **extra: Any) -> dict:
    data: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": 1764979200000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id or uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
    }
    if kind in ("follow", "message", "postback"):
        data["replyToken"] = uuid.uuid4().hex
    data.update(extra)
    return data


def text(body: str, user: str = USER, **kw: Any) -> dict:
    return event("message", user, message={"type": "text", "id": "1", "text": body}, **kw)


def deliver(
    client: Client,
    channel: LineChannel,
    *events: dict,
    signature: str | None = None,
    body: bytes | None = None,
) -> Any:
    raw = (
        body
        if body is not None
        else json.dumps(
            {"destination": "Uffff", "events": list(events)}, ensure_ascii=False
        ).encode()
    )
    headers = {} if signature == "" else {"X-Line-Signature": signature or sign(raw)}
    return client.post(
        f"/hooks/line/{channel.webhook_token}",
        data=raw,
        content_type="application/json",
        headers=headers,
    )
