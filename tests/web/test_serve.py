"""`samphan serve`: workers and threads from the machine, and, under a real gunicorn, load
shedding (503 + Retry-After instead of an ever longer queue) and the upload limit applied
before the body is read."""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from samphan.web import server
from samphan.web.management.commands import serve as serve_command

ROOT = Path(__file__).resolve().parents[2]


def test_workers_follow_the_cores_and_the_memory() -> None:
    gb = 1024**3
    assert server.default_workers(cpus=2, memory=24 * gb) == 4
    assert server.default_workers(cpus=1, memory=24 * gb) == 2
    assert server.default_workers(cpus=8, memory=24 * gb) == 16
    assert server.default_workers(cpus=64, memory=64 * gb) == server.MAX_WORKERS
    assert server.default_workers(cpus=8, memory=gb // 2) == 2  # as many as fit
    assert server.default_workers(cpus=8, memory=100 * 1024 * 1024) == 1
    assert server.default_workers(cpus=4, memory=None) == 8  # no /proc/meminfo
    assert server.usable_cpus() >= 1


def _served_argv(monkeypatch: pytest.MonkeyPatch, **options: Any) -> list[str]:
    seen: list[list[str]] = []
    monkeypatch.setattr(serve_command.os, "execv", lambda exe, argv: seen.append(argv))
    call_command("serve", **options)
    return seen[0]


def test_serve_picks_workers_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    monkeypatch.setattr(server, "usable_cpus", lambda: 3)
    monkeypatch.setattr(server, "available_memory", lambda: 64 * 1024**3)
    argv = _served_argv(monkeypatch)
    assert "--workers=6" in argv and f"--threads={server.THREADS}" in argv
    assert f"--worker-class={server.WORKER_CLASS}" in argv
    argv = _served_argv(monkeypatch, workers=2, threads=8)
    assert "--workers=2" in argv and "--threads=8" in argv


def test_serve_reads_web_workers_and_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_WORKERS", "3")
    monkeypatch.setenv("WEB_THREADS", "2")
    seen: list[list[str]] = []
    monkeypatch.setattr(serve_command.os, "execv", lambda exe, argv: seen.append(argv))
    command = serve_command.Command()
    options = command.create_parser("samphan", "serve").parse_args([])
    command.handle(**vars(options))
    assert "--workers=3" in seen[0] and "--threads=2" in seen[0]
    assert "WEB_WORKERS" in command.help


# --- a real gunicorn ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One worker with one thread, shedding after 1 s in the queue."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.web.serving.settings",
        "SAMPHAN_TESTING": "0",
        "SAMPHAN_DATA_DIR": str(tmp_path_factory.mktemp("serve")),
        "SAMPHAN_SHED_AFTER_SECONDS": "1",
        "SAMPHAN_SHED_RETRY_AFTER": "3",
        "SAMPHAN_MAX_UPLOAD_MB": "1",
    }
    env.pop("DATABASE_URL", None)
    argv = server.gunicorn_argv(host="127.0.0.1", port=port, workers=1, threads=1)
    process = subprocess.Popen(
        [sys.executable, *argv], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/slow/")[0] == 200:
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read() if process.stderr else "") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(port: int, path: str) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After")
    finally:
        connection.close()


def test_an_overloaded_server_sheds_load_with_retry_after(gunicorn: int) -> None:
    # Fifteen requests of 0.4 s each for one thread: without shedding the last would wait 6 s.
    with concurrent.futures.ThreadPoolExecutor(15) as pool:
        results = list(pool.map(lambda _: _get(gunicorn, "/slow/"), range(15)))
    statuses = [status for status, _retry in results]
    assert statuses.count(200) >= 1
    assert statuses.count(503) >= 1
    assert set(statuses) == {200, 503}
    assert {retry for status, retry in results if status == 503} == {"3"}
    assert _get(gunicorn, "/slow/")[0] == 200  # and it serves again once the queue is gone


def test_an_oversized_upload_is_refused_before_it_is_sent(gunicorn: int) -> None:
    """50 MB announced, a few bytes sent: the 413 comes back and the connection closes, so
    the server never waits for (or reads) the rest."""
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=20) as sock:
        sock.sendall(
            b"POST /api/v1/imports HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 52428800\r\n\r\n" + b"--x\r\n" * 20
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"request_too_large" in answer
