"""LINE sending and webhook checking, measured against a local stub of the Messaging API.

What it measures (no database; the stub answers 200 at once, so this is Samphan's and the
SDK's own cost per call, not LINE's):

- multicast: --recipients LINE user IDs with one text message, in calls of 500 (LINE's limit);
- push: --pushes single pushes, one after another (what a campaign without multicast would do);
- the webhook signature check (HMAC-SHA256 of a 2 KB body, the SDK's SignatureValidator).

    .venv/bin/python benchmarks/line_send.py --recipients 100000 --pushes 1000

Prints the figures with the date, the machine and its load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import platform
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
django.setup()

from linebot.v3.webhook import SignatureValidator  # noqa: E402

from samphan.messaging.channels.line import Backoff, LineClient, Text  # noqa: E402


class _Counter:
    calls = 0
    recipients = 0


def _stub() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as LINE's API
        disable_nagle_algorithm = True  # headers and body go out without a delayed-ACK wait

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            _Counter.calls += 1
            _Counter.recipients += len(body["to"]) if isinstance(body.get("to"), list) else 1
            data = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--pushes", type=int, default=1_000)
    parser.add_argument("--signatures", type=int, default=20_000)
    args = parser.parse_args()
    server, url = _stub()
    client = LineClient(access_token="bench", base_url=url, backoff=Backoff(attempts=1))
    users = [f"U{i:032x}" for i in range(args.recipients)]
    message = [Text("สวัสดีค่ะ ลด 20% วันนี้ถึงสิ้นเดือน")]

    started = time.perf_counter()
    results = client.multicast(users, message)
    multicast_s = time.perf_counter() - started
    assert _Counter.recipients == args.recipients and len(results) == _Counter.calls

    started = time.perf_counter()
    for user in users[: args.pushes]:
        client.push(user, message)
    push_s = time.perf_counter() - started

    body = json.dumps({"events": [{"type": "message", "text": "ก" * 600}]}).encode()[:2048]
    secret = "0123456789abcdef0123456789abcdef"
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    validator, text = SignatureValidator(secret), body.decode()
    started = time.perf_counter()
    for _ in range(args.signatures):
        assert validator.validate(text, signature)
    sig_s = time.perf_counter() - started
    server.shutdown()

    load = os.getloadavg()[0]
    print(f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{platform.machine()} {os.cpu_count()} cores, load {load:.2f} (shared machine)")  # fmt: skip
    print(f"multicast: {args.recipients:,} recipients in {len(results)} calls, "
          f"{multicast_s:.2f} s = {args.recipients / multicast_s:,.0f} recipients/s")  # fmt: skip
    print(f"push: {args.pushes:,} in {push_s:.2f} s = {args.pushes / push_s:,.0f} pushes/s")
    print(f"signature check (2 KB body): {args.signatures / sig_s:,.0f} per s")


if __name__ == "__main__":
    main()
