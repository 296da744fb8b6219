"""SMS: Thai-aware length (UCS-2 70/67, GSM-7 160/153) and the HTTP gateway adapter against a
local stub gateway (basic auth, one Idempotency-Key across retries)."""

from __future__ import annotations

import base64
import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samphan.messaging.channels.sms import (
    SmsError,
    SmsGateway,
    sms_gateway_from_settings,
    sms_length,
)

THAI = "กขคงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำิีึืุู่้๊๋็์เแโใไๆ"


# --- length ------------------------------------------------------------------------------------


def test_known_lengths() -> None:
    assert (sms_length("Hello").encoding, sms_length("Hello").parts) == ("GSM-7", 1)
    assert sms_length("a" * 160).parts == 1 and sms_length("a" * 161).parts == 2
    assert sms_length("a" * 306).parts == 2 and sms_length("a" * 307).parts == 3
    assert sms_length("€" * 80).units == 160 and sms_length("€" * 81).parts == 2
    thai = sms_length("สวัสดีค่ะ")
    assert (thai.encoding, thai.units, thai.parts, thai.per_part) == ("UCS-2", 9, 1, 70)
    assert sms_length("ก" * 70).parts == 1 and sms_length("ก" * 71).parts == 2
    assert sms_length("ก" * 134).parts == 2 and sms_length("ก" * 135).parts == 3
    # One Thai letter makes the whole message UCS-2.
    assert sms_length("a" * 100 + "ก").parts == 2
    assert sms_length("😀" * 35).units == 70 and sms_length("😀" * 36).parts == 2
    assert sms_length("").parts == 0


@given(st.text(alphabet=THAI + " 0123456789", min_size=1, max_size=700))
def test_thai_is_ucs2_70_then_67(text: str) -> None:
    length = sms_length(text)
    n = len(text)
    assert length.encoding == "UCS-2" or not any(c in THAI for c in text)
    if length.encoding == "UCS-2":
        assert length.parts == (1 if n <= 70 else math.ceil(n / 67))
        assert 0 <= length.left_in_part < length.per_part


# --- the gateway --------------------------------------------------------------------------------


class _Gateway:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.url = ""


@pytest.fixture
def gateway() -> Iterator[_Gateway]:
    state = _Gateway()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            state.seen.append({"headers": dict(self.headers), "body": json.loads(raw)})
            status = state.answers.pop(0) if state.answers else 200
            data = json.dumps({"id": f"m{len(state.seen)}"}).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    yield state
    server.shutdown()
    server.server_close()


def _gw(url: str, **kw: Any) -> SmsGateway:
    return SmsGateway(url=url, username="shop", password="pw", sender="SAMPHAN",
                      backoff_base=0.001, sleep=lambda s: None, **kw)  # fmt: skip


def test_send_through_the_stub_gateway(gateway: _Gateway) -> None:
    result = _gw(gateway.url).send("+66813596920", "ลด 20% วันนี้เท่านั้น", reference="c1")
    assert result.message_id == "m1" and result.parts == 1 and result.attempts == 1
    [call] = gateway.seen
    assert call["body"] == {"to": "+66813596920", "from": "SAMPHAN",
                            "text": "ลด 20% วันนี้เท่านั้น", "reference": "c1"}  # fmt: skip
    assert call["headers"]["Authorization"] == "Basic " + base64.b64encode(b"shop:pw").decode()


def test_429_and_5xx_retry_with_one_idempotency_key(gateway: _Gateway) -> None:
    gateway.answers = [429, 503]
    result = _gw(gateway.url).send("+66813596920", "hi")
    assert result.attempts == 3
    assert {c["headers"]["Idempotency-Key"] for c in gateway.seen} == {result.idempotency_key}


def test_refusals_and_limits(gateway: _Gateway) -> None:
    gateway.answers = [400]
    with pytest.raises(SmsError) as refused:
        _gw(gateway.url).send("+66813596920", "hi")
    assert refused.value.status == 400 and len(gateway.seen) == 1
    with pytest.raises(ValueError):
        _gw(gateway.url).send("0813596920", "hi")  # not E.164
    with pytest.raises(ValueError):
        _gw(gateway.url).send("+66813596920", "ก" * 700)  # 11 parts
    with pytest.raises(ValueError):
        SmsGateway(url=gateway.url, sender="A very long sender")
    with pytest.raises(ValueError):
        SmsGateway(url="file:///etc/passwd")
    with pytest.raises(SmsError):
        _gw("http://127.0.0.1:9/sms", attempts=2).send("+66813596920", "hi")


def test_gateway_from_settings(settings: Any) -> None:
    settings.SAMPHAN_SMS_GATEWAY_URL = ""
    assert sms_gateway_from_settings() is None
    settings.SAMPHAN_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    settings.SAMPHAN_SMS_SENDER = "SHOP"
    gw = sms_gateway_from_settings()
    assert gw is not None and gw.sender == "SHOP"
