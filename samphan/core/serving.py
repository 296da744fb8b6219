"""What the server (``samphan serve``'s gunicorn worker) and the application tell each other
about the request in hand, through the thread that handles it.

- How long the request waited for a free thread. ``samphan.web.server.SheddingThreadWorker``
  notes it when a thread picks the connection up; under overload that queue grows and every
  answer comes later, so ``LoadSheddingMiddleware`` answers a request that waited longer than
  ``SAMPHAN_SHED_AFTER_SECONDS`` with 503 and ``Retry-After`` at once, and the queue drains.
- That the connection must close after the answer: a request refused for its size leaves its
  body unread, and the worker would otherwise read (and throw away) the rest of it to keep the
  connection alive.

Other servers (the test client, runserver) say nothing and are told nothing: no request is shed.
"""

from __future__ import annotations

import threading

_state = threading.local()


def request_started(*, queue_wait: float | None) -> None:
    _state.waited = queue_wait
    _state.close = False


def queue_wait() -> float | None:
    """Seconds the current request waited for a thread; None when the server does not say."""
    return getattr(_state, "waited", None)


def close_after_response() -> None:
    _state.close = True


def must_close() -> bool:
    return bool(getattr(_state, "close", False))
