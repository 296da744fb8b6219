"""SMS through an HTTP gateway, with Thai-aware length counting.

Length: a message whose every character is in the GSM 03.38 alphabet is sent as GSM-7, 160
characters in one part or 153 per part when split (characters of the extension table, such as
``€ [ ] { }``, take two). Any other character (all of Thai) makes the whole message UCS-2: 70
characters in one part, 67 per part when split, counted in UTF-16 code units (an emoji takes
two). The shop pays per part, so the count is shown before a send.

Gateway: ``SmsGateway(url=…, username=…, password=…, sender=…)`` POSTs JSON
``{"to": "+66…", "from": sender, "text": …, "reference": …}`` with HTTP basic auth and an
``Idempotency-Key`` that stays the same on every retry (429, 5xx and connection errors, with
exponential backoff). Thai gateways differ in their field names; this is the one shape we speak,
and an adapter per provider maps it. Tests run a local stub gateway.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import random
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "\f^{}\\[~]|€"
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
MAX_PARTS = 10  # a longer message is refused: it costs ten SMS and many phones drop it
SENDER = re.compile(r"^[A-Za-z0-9 ]{1,11}$")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int
    per_part: int  # what one part holds for this message

    @property
    def left_in_part(self) -> int:
        return self.parts * self.per_part - self.units


def sms_length(text: str) -> SmsLength:
    """How many parts ``text`` costs, and in which encoding."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        single, per_part, encoding = GSM_SINGLE, GSM_PART, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, per_part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    if units <= single:
        return SmsLength(encoding=encoding, units=units, parts=1 if units else 0, per_part=single)
    return SmsLength(
        encoding=encoding, units=units, parts=math.ceil(units / per_part), per_part=per_part
    )


class SmsError(Exception):
    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class SmsResult:
    message_id: str
    parts: int
    idempotency_key: str
    attempts: int


@dataclass
class SmsGateway:
    url: str
    username: str = ""
    password: str = ""
    sender: str = ""
    timeout: float = 10.0
    attempts: int = 5
    backoff_base: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("the SMS gateway URL must be http(s)")
        if self.sender and not SENDER.match(self.sender):
            raise ValueError("a sender name is 1–11 letters, digits or spaces")

    def send(
        self, to: str, text: str, *, reference: str = "", idempotency_key: str = ""
    ) -> SmsResult:
        """Send ``text`` to ``to`` (E.164). Raises ValueError for a message no phone should
        get (empty, over MAX_PARTS parts), SmsError when the gateway refuses or keeps failing.
        ``idempotency_key``: the same key for a send repeated after a crash (a campaign's
        delivery), so the gateway takes it once; a new one per call when empty."""
        length = sms_length(text)
        if not text.strip():
            raise ValueError("an SMS needs text")
        if length.parts > MAX_PARTS:
            raise ValueError(f"an SMS of {length.parts} parts is too long (at most {MAX_PARTS})")
        if not re.fullmatch(r"\+\d{8,15}", to):
            raise ValueError("the number must be E.164 (+66…)")
        key = idempotency_key or str(uuid.uuid4())
        body = json.dumps(
            {"to": to, "from": self.sender, "text": text, "reference": reference},
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self.username or self.password:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        status = 0
        for attempt in range(self.attempts):
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    data = json.loads(answer.read() or b"{}")
                return SmsResult(
                    message_id=str(data.get("id", "")),
                    parts=length.parts,
                    idempotency_key=key,
                    attempts=attempt + 1,
                )
            except urllib.error.HTTPError as exc:
                status = exc.code
                if status == 409:  # the gateway already took this key: sent
                    return SmsResult(message_id="", parts=length.parts, idempotency_key=key,
                                     attempts=attempt + 1)  # fmt: skip
                if status not in RETRY_STATUSES:
                    raise SmsError(f"the SMS gateway refused: HTTP {status}", status=status,
                                   attempts=attempt + 1) from exc  # fmt: skip
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                status = 0
                log.warning("SMS gateway unreachable: %s", exc)
            if attempt + 1 < self.attempts:
                delay = min(30.0, self.backoff_base * 2**attempt) * (0.5 + random.random() / 2)
                self.sleep(delay)
        raise SmsError(
            f"the SMS gateway still failing after {self.attempts} attempts",
            status=status or None,
            attempts=self.attempts,
        )


def sms_gateway_from_settings() -> SmsGateway | None:
    """The gateway configured for this installation (``SAMPHAN_SMS_*``), or None."""
    from django.conf import settings

    if not settings.SAMPHAN_SMS_GATEWAY_URL:
        return None
    return SmsGateway(
        url=settings.SAMPHAN_SMS_GATEWAY_URL,
        username=settings.SAMPHAN_SMS_USERNAME,
        password=settings.SAMPHAN_SMS_PASSWORD,
        sender=settings.SAMPHAN_SMS_SENDER,
    )
