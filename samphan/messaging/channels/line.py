"""The LINE Messaging API as Samphan uses it, through line-bot-sdk v3.

- ``send_to_user``: one customer; the free reply (with the reply token of the event being
  answered) while the token is fresh, otherwise a push. A failed reply falls back to a push.
- ``multicast``: many customers, at most 500 recipients and 5 messages per call (LINE's limits),
  in as many calls as needed.
- Every push and multicast carries an ``X-Line-Retry-Key``: one UUID per logical send, the same
  on each retry, so LINE delivers it once even when an answer was lost (LINE answers 409 to a
  retry of a request it already accepted: that is a success). HTTP 429 and 5xx and connection
  errors are retried with exponential backoff (``Retry-After`` honoured).
- ``quota``: this month's message quota and what is used (``/v2/bot/message/quota`` and
  ``/v2/bot/message/quota/consumption``).

The API's address is ``settings.SAMPHAN_LINE_API_URL`` (LINE's own by default), so tests and
benchmarks talk to a local stub server.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import urllib3
from django.conf import settings
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexContainer,
    FlexMessage,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)

log = logging.getLogger(__name__)

MULTICAST_MAX_RECIPIENTS = 500
MESSAGES_PER_CALL = 5
TEXT_MAX = 5000
ALT_TEXT_MAX = 400
# LINE accepts a reply token for a short while after the event; past this we push instead of
# spending a call on a reply that would be refused.
REPLY_TOKEN_FRESH = dt.timedelta(seconds=50)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A send's answer is not parsed: LINE accepted it once the status is 2xx, and a body the SDK's
# models did not expect must never turn a delivered message into a "failed" one that is resent.
_RAW: dict[str, Any] = {"_preload_content": False}
T = TypeVar("T")


class LineError(Exception):
    """LINE refused the request, or kept failing after the retries."""

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class Text:
    text: str

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a LINE text message needs text")
        if len(self.text) > TEXT_MAX:
            raise ValueError(f"a LINE text message holds at most {TEXT_MAX} characters")


@dataclass(frozen=True)
class Flex:
    """A Flex message: ``contents`` is a bubble or carousel as LINE's JSON describes it;
    ``alt_text`` is what notifications and old clients show."""

    alt_text: str
    contents: dict[str, Any]

    def __post_init__(self) -> None:
        if not self.alt_text.strip() or len(self.alt_text) > ALT_TEXT_MAX:
            raise ValueError(f"a Flex message needs alt text of 1–{ALT_TEXT_MAX} characters")
        if self.contents.get("type") not in ("bubble", "carousel"):
            raise ValueError("Flex contents must be a bubble or a carousel")


Message = Text | Flex


def _sdk_message(message: Message) -> Any:
    if isinstance(message, Text):
        return TextMessage(text=message.text)
    return FlexMessage(
        alt_text=message.alt_text, contents=FlexContainer.from_dict(message.contents)
    )


def _checked(messages: Sequence[Message]) -> list[Any]:
    if not 1 <= len(messages) <= MESSAGES_PER_CALL:
        raise ValueError(f"send 1–{MESSAGES_PER_CALL} messages per call")
    return [_sdk_message(m) for m in messages]


@dataclass(frozen=True)
class SendResult:
    method: str  # "reply", "push" or "multicast"
    retry_key: str = ""
    attempts: int = 1
    recipients: int = 1
    already_accepted: bool = False  # LINE had accepted an earlier try with this retry key


@dataclass(frozen=True)
class Quota:
    limit: int | None  # None: no monthly limit (LINE's type "none")
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    def allows(self, count: int) -> bool:
        remaining = self.remaining
        return remaining is None or count <= remaining


@dataclass
class Backoff:
    """Exponential backoff with jitter: ``base`` × 2^n, at most ``cap`` seconds; LINE's
    ``Retry-After`` (on 429) wins when it says longer."""

    base: float = 0.5
    cap: float = 30.0
    attempts: int = 5
    sleep: Callable[[float], None] = field(default=time.sleep)

    def delay(self, attempt: int, retry_after: str | None) -> float:
        delay = min(self.cap, self.base * 2**attempt) * (0.5 + random.random() / 2)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), self.cap))
        return delay


def _header(exc: ApiException, name: str) -> str | None:
    headers = exc.headers or {}
    for key, value in dict(headers).items():
        if key.lower() == name.lower():
            return str(value)
    return None


class LineClient:
    """A channel's access to the Messaging API (one access token, one base URL)."""

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str | None = None,
        backoff: Backoff | None = None,
        timeout: float = 10.0,
    ) -> None:
        configuration = Configuration(
            host=(base_url or settings.SAMPHAN_LINE_API_URL).rstrip("/"),
            access_token=access_token,
        )
        configuration.retries = False  # ours below, with the retry key, not urllib3's
        self._client = ApiClient(configuration)
        self._api = MessagingApi(self._client)
        self.backoff = backoff or Backoff(
            base=settings.SAMPHAN_LINE_RETRY_BASE_SECONDS,
            attempts=settings.SAMPHAN_LINE_RETRY_ATTEMPTS,
        )
        self.timeout = timeout

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> LineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- retries --------------------------------------------------------------------------

    def _with_retries(self, call: Callable[[], T], what: str) -> tuple[T | None, int, bool]:
        """Run ``call`` until it succeeds, LINE refuses it for good, or the attempts run out.
        Returns (result, attempts, already_accepted)."""
        attempts = self.backoff.attempts
        status = 0
        for attempt in range(attempts):
            retry_after: str | None = None
            try:
                return call(), attempt + 1, False
            except ApiException as exc:
                status = int(exc.status or 0)
                if status == 409 and _header(exc, "x-line-accepted-request-id"):
                    return None, attempt + 1, True
                if status not in RETRY_STATUSES:
                    raise LineError(
                        f"LINE refused {what}: HTTP {status} {exc.body!r}",
                        status=status,
                        attempts=attempt + 1,
                    ) from exc
                retry_after, failure = _header(exc, "retry-after"), f"HTTP {status}"
            except urllib3.exceptions.HTTPError as exc:
                status, failure = 0, type(exc).__name__
            if attempt + 1 < attempts:
                delay = self.backoff.delay(attempt, retry_after)
                log.warning(
                    "LINE %s failed (%s), retry %d/%d in %.1fs",
                    what,
                    failure,
                    attempt + 1,
                    attempts - 1,
                    delay,
                )
                self.backoff.sleep(delay)
        raise LineError(
            f"LINE {what} still failing after {attempts} attempts",
            status=status or None,
            attempts=attempts,
        )

    # --- sending --------------------------------------------------------------------------

    def reply(self, reply_token: str, messages: Sequence[Message]) -> SendResult:
        """One attempt: a reply token is spent by a request LINE accepted, so a retry could
        never be told from a second reply; the caller pushes instead when this fails."""
        request = ReplyMessageRequest(reply_token=reply_token, messages=_checked(messages))
        try:
            self._api.reply_message_with_http_info(request, **_RAW, _request_timeout=self.timeout)
        except ApiException as exc:
            raise LineError(
                f"LINE refused the reply: HTTP {exc.status}", status=exc.status
            ) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise LineError(f"LINE reply failed: {type(exc).__name__}") from exc
        return SendResult(method="reply")

    def push(
        self, to: str, messages: Sequence[Message], *, retry_key: str | None = None
    ) -> SendResult:
        key = retry_key or str(uuid.uuid4())
        request = PushMessageRequest(to=to, messages=_checked(messages))
        _, attempts, accepted = self._with_retries(
            lambda: self._api.push_message_with_http_info(
                request, x_line_retry_key=key, **_RAW, _request_timeout=self.timeout
            ),
            "push",
        )
        return SendResult(
            method="push", retry_key=key, attempts=attempts, already_accepted=accepted
        )

    def multicast_once(
        self, to: Sequence[str], messages: Sequence[Message], *, retry_key: str | None = None
    ) -> SendResult:
        if not 1 <= len(to) <= MULTICAST_MAX_RECIPIENTS:
            raise ValueError(f"multicast to 1–{MULTICAST_MAX_RECIPIENTS} recipients per call")
        key = retry_key or str(uuid.uuid4())
        request = MulticastRequest(to=list(to), messages=_checked(messages))
        _, attempts, accepted = self._with_retries(
            lambda: self._api.multicast_with_http_info(
                request, x_line_retry_key=key, **_RAW, _request_timeout=self.timeout
            ),
            "multicast",
        )
        return SendResult(
            method="multicast",
            retry_key=key,
            attempts=attempts,
            recipients=len(to),
            already_accepted=accepted,
        )

    def multicast(self, to: Sequence[str], messages: Sequence[Message]) -> list[SendResult]:
        """Everyone in ``to`` (duplicates dropped, order kept), 500 per call."""
        _checked(messages)
        return [self.multicast_once(chunk, messages) for chunk in chunks(to)]

    # --- the quota meter ------------------------------------------------------------------

    def quota(self) -> Quota:
        limit, _, _ = self._with_retries(
            lambda: self._api.get_message_quota(_request_timeout=self.timeout), "quota"
        )
        used, _, _ = self._with_retries(
            lambda: self._api.get_message_quota_consumption(_request_timeout=self.timeout),
            "quota consumption",
        )
        kind = str(getattr(getattr(limit, "type", None), "value", getattr(limit, "type", "")))
        value = getattr(limit, "value", None)
        return Quota(
            limit=int(value) if kind == "limited" and value is not None else None,
            used=int(getattr(used, "total_usage", 0) or 0),
        )


def chunks(user_ids: Sequence[str], size: int = MULTICAST_MAX_RECIPIENTS) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(user_ids))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def reply_token_fresh(received_at: dt.datetime | None, now: dt.datetime) -> bool:
    return received_at is not None and now - received_at < REPLY_TOKEN_FRESH


def send_to_user(
    client: LineClient,
    *,
    user_id: str,
    messages: Sequence[Message],
    reply_token: str = "",
    reply_token_received_at: dt.datetime | None = None,
    now: dt.datetime,
    retry_key: str | None = None,
) -> SendResult:
    """Reply while the event's reply token is fresh (replies are free), else push (with
    ``retry_key`` as its X-Line-Retry-Key: the same key twice is one message)."""
    if reply_token and reply_token_fresh(reply_token_received_at, now):
        try:
            return client.reply(reply_token, messages)
        except LineError as exc:
            log.info("LINE reply refused (%s); pushing instead", exc.status)
    return client.push(user_id, messages, retry_key=retry_key)
