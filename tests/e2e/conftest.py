"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("SAMPHAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
# What the browser's fake camera shows (a Y4M video a test writes; read when a page opens the
# camera): the counter screen's QR scan is tested with it.
FAKE_CAMERA = Path(tempfile.gettempdir()) / f"samphan-fake-camera-{os.getpid()}.y4m"


def write_fake_camera(lines: list[list[bool]], *, scale: int = 5, frames: int = 5) -> None:
    """A Y4M video (4:2:0, 320×240) of a black-on-white pattern (a QR code's modules), centred."""
    width, height = 320, 240
    size = len(lines) * scale
    left, top = (width - size) // 2, (height - size) // 2
    luma = bytearray(b"\xff" * width * height)
    for y, row in enumerate(lines):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * width + left + x * scale
                    luma[start : start + scale] = b"\x00" * scale
    chroma = b"\x80" * (width // 2) * (height // 2) * 2
    frame = b"FRAME\n" + bytes(luma) + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    FAKE_CAMERA.write_bytes(header + frame * frames)


class _SerialWSGIServer(WSGIServer):
    """Django's test server without a thread per request. With the in-memory SQLite test
    database every request thread shares the test's one connection, and concurrent requests
    from the browser (a page and its htmx fragments) could block each other on it for good;
    one request at a time cannot. Django answers with ``Connection: close`` here, so an idle
    keep-alive connection never holds the server."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        # LiveServerThread.run() itself puts the shared connections in the serving thread.
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server_on_sqlite() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = _SerialWSGIServer
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("SAMPHAN_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    write_fake_camera([[False]])  # a blank picture until a test shows something
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={FAKE_CAMERA}",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    context.close()


def wait_until(page: Any, expression: str, arg: Any = None, timeout: float = 15.0) -> None:
    """Like ``page.wait_for_function``, but polled from here with ``page.evaluate``: the pages'
    Content-Security-Policy (script-src 'self') forbids the eval that Playwright's in-page
    polling uses, while an evaluation sent by the browser's debugging protocol is allowed."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        if page.evaluate(expression, arg) if arg is not None else page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression} ({arg!r})")
        page.wait_for_timeout(100)
