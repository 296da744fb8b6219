"""The LINE channel against a local stub of the Messaging API: reply or push, retries with one
X-Line-Retry-Key, multicast in calls of 500, the quota meter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.messaging.channels.line import (
    Backoff,
    Flex,
    LineClient,
    LineError,
    Text,
    chunks,
    send_to_user,
)
from samphan.messaging.models import LineChannel, LineWebhookEvent
from samphan.messaging.services import line_quota_check, line_quota_get, line_send_to_customer
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import TOKEN, USER, LineStub

PUSH, REPLY, MULTICAST = (
    "/v2/bot/message/push",
    "/v2/bot/message/reply",
    "/v2/bot/message/multicast",
)


def _client(stub: LineStub, attempts: int = 5) -> tuple[LineClient, list[float]]:
    slept: list[float] = []
    client = LineClient(
        access_token=TOKEN,
        base_url=stub.url,
        backoff=Backoff(base=0.001, cap=0.01, attempts=attempts, sleep=slept.append),
    )
    return client, slept


NOW = dt.datetime(2026, 12, 6, 4, 0, tzinfo=dt.UTC)


def test_a_fresh_reply_token_is_used_and_an_old_one_pushes(line_stub: LineStub) -> None:
    client, _ = _client(line_stub)
    fresh = send_to_user(client, user_id=USER, messages=[Text("ขอบคุณค่ะ")],
                         reply_token="r1", reply_token_received_at=NOW - dt.timedelta(seconds=5),
                         now=NOW)  # fmt: skip
    stale = send_to_user(client, user_id=USER, messages=[Text("ขอบคุณค่ะ")],
                         reply_token="r2", reply_token_received_at=NOW - dt.timedelta(minutes=5),
                         now=NOW)  # fmt: skip
    none = send_to_user(client, user_id=USER, messages=[Text("hi")], now=NOW)
    assert (fresh.method, stale.method, none.method) == ("reply", "push", "push")
    [reply] = line_stub.calls(REPLY)
    assert reply.body["replyToken"] == "r1"
    assert reply.body["messages"] == [{"type": "text", "text": "ขอบคุณค่ะ"}]
    assert reply.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-line-retry-key" not in reply.headers  # replies take no retry key
    assert [c.body["to"] for c in line_stub.calls(PUSH)] == [USER, USER]


def test_a_refused_reply_falls_back_to_a_push(line_stub: LineStub) -> None:
    line_stub.answer(REPLY, (400, {}, {"message": "Invalid reply token"}))
    client, _ = _client(line_stub)
    result = send_to_user(client, user_id=USER, messages=[Text("hi")], reply_token="spent",
                          reply_token_received_at=NOW, now=NOW)  # fmt: skip
    assert result.method == "push"
    assert len(line_stub.calls(REPLY)) == 1 and len(line_stub.calls(PUSH)) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_retried_with_the_same_retry_key(line_stub: LineStub, status: int) -> None:
    line_stub.answer(PUSH, (status, {}, {"message": "busy"}), (status, {}, {"message": "busy"}))
    client, slept = _client(line_stub)
    result = client.push(USER, [Text("hi")])
    calls = line_stub.calls(PUSH)
    assert len(calls) == 3 and result.attempts == 3
    keys = {c.headers["x-line-retry-key"] for c in calls}
    assert keys == {result.retry_key}
    assert len(slept) == 2 and slept[1] >= slept[0] * 0.5  # backed off between tries


def test_retry_after_is_honoured(line_stub: LineStub) -> None:
    line_stub.answer(PUSH, (429, {"Retry-After": "7"}, {"message": "rate"}))
    slept: list[float] = []
    client = LineClient(access_token=TOKEN, base_url=line_stub.url,
                        backoff=Backoff(base=0.001, cap=30, sleep=slept.append))  # fmt: skip
    client.push(USER, [Text("hi")])
    assert slept == [7.0]


def test_a_409_for_an_accepted_retry_key_is_success(line_stub: LineStub) -> None:
    line_stub.answer(
        PUSH,
        (500, {}, {"message": "lost"}),
        (409, {"x-line-accepted-request-id": "abc"}, {"message": "already accepted"}),
    )
    client, _ = _client(line_stub)
    result = client.push(USER, [Text("hi")])
    assert result.already_accepted and result.attempts == 2


def test_a_4xx_is_not_retried_and_giving_up_says_so(line_stub: LineStub) -> None:
    line_stub.answer(PUSH, (400, {}, {"message": "bad"}))
    client, slept = _client(line_stub)
    with pytest.raises(LineError) as refused:
        client.push(USER, [Text("hi")])
    assert refused.value.status == 400 and len(line_stub.calls(PUSH)) == 1 and slept == []

    line_stub.answer(PUSH, *[(503, {}, {})] * 3)
    client, _ = _client(line_stub, attempts=3)
    with pytest.raises(LineError) as gave_up:
        client.push(USER, [Text("hi")])
    assert gave_up.value.status == 503 and gave_up.value.attempts == 3


def test_connection_errors_are_retried() -> None:
    slept: list[float] = []
    client = LineClient(access_token=TOKEN, base_url="http://127.0.0.1:9",
                        backoff=Backoff(base=0.001, attempts=2, sleep=slept.append))  # fmt: skip
    with pytest.raises(LineError):
        client.push(USER, [Text("hi")])
    assert len(slept) == 1


def test_multicast_goes_in_calls_of_500_each_with_its_own_key(line_stub: LineStub) -> None:
    users = [f"U{i:032x}" for i in range(1203)] + ["U" + "0" * 32]  # one duplicate
    client, _ = _client(line_stub)
    flex = Flex(
        alt_text="โปรโมชั่น",
        contents={
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [{"type": "text", "text": "ลด 20%"}],
            },
        },
    )
    results = client.multicast(users, [Text("สวัสดีค่ะ"), flex])
    calls = line_stub.calls(MULTICAST)
    assert [len(c.body["to"]) for c in calls] == [500, 500, 203]
    assert sum(r.recipients for r in results) == 1203
    assert len({c.headers["x-line-retry-key"] for c in calls}) == 3
    assert calls[0].body["messages"][1]["type"] == "flex"
    assert calls[0].body["messages"][1]["altText"] == "โปรโมชั่น"


def test_multicast_limits() -> None:
    assert [len(c) for c in chunks([f"U{i}" for i in range(1000)])] == [500, 500]
    client = LineClient(access_token=TOKEN, base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="1–5 messages"):
        client.multicast([USER], [Text("x")] * 6)
    with pytest.raises(ValueError, match="recipients"):
        client.multicast_once([USER] * 501, [Text("x")])
    with pytest.raises(ValueError):
        Text(" ")
    with pytest.raises(ValueError):
        Flex(alt_text="x", contents={"type": "box"})


def test_quota_meter(line_stub: LineStub) -> None:
    line_stub.used = 640
    client, _ = _client(line_stub)
    quota = client.quota()
    assert (quota.limit, quota.used, quota.remaining) == (1000, 640, 360)
    assert quota.allows(360) and not quota.allows(361)
    line_stub.quota = {"type": "none"}
    unlimited = client.quota()
    assert unlimited.limit is None and unlimited.remaining is None and unlimited.allows(10**9)


@pytest.mark.django_db
def test_quota_service_caches_and_checks(
    line_stub: LineStub, owner: Actor, channel: LineChannel
) -> None:
    line_stub.used = 990
    assert line_quota_get(actor=owner).remaining == 10
    line_stub.used = 995
    assert line_quota_get(actor=owner).used == 990  # cached
    with pytest.raises(ApplicationError) as full:
        line_quota_check(actor=owner, messages=6)  # asks LINE again
    assert full.value.code == "line_quota_exceeded" and full.value.details["remaining"] == 5


@pytest.mark.django_db
def test_send_to_customer_replies_once_then_pushes(
    line_stub: LineStub, owner: Actor, channel: LineChannel
) -> None:
    customer = CustomerFactory(workspace=owner.workspace, contacts=[("line", USER)])
    LineWebhookEvent.objects.create(
        workspace=owner.workspace, webhook_event_id="E1", event_type="message",
        line_user_id=USER, payload={"replyToken": "tok"}, occurred_at=timezone.now(),
    )  # fmt: skip
    first = line_send_to_customer(actor=owner, customer_id=customer.pk, messages=[Text("a")])
    second = line_send_to_customer(actor=owner, customer_id=customer.pk, messages=[Text("b")])
    assert (first.method, second.method) == ("reply", "push")
    assert LineWebhookEvent.objects.get().replied_at is not None
    stranger = CustomerFactory(workspace=owner.workspace)
    with pytest.raises(ApplicationError) as none:
        line_send_to_customer(actor=owner, customer_id=stranger.pk, messages=[Text("c")])
    assert none.value.code == "no_line_account"


def test_sdk_payload_shapes_are_lines(line_stub: LineStub) -> None:
    client, _ = _client(line_stub)
    client.push(USER, [Text("hi")], retry_key="123e4567-e89b-12d3-a456-426614174000")
    [call] = line_stub.calls(PUSH)
    assert call.headers["x-line-retry-key"] == "123e4567-e89b-12d3-a456-426614174000"
    assert call.body == {"to": USER, "messages": [{"type": "text", "text": "hi"}],
                         "notificationDisabled": False}  # fmt: skip


def _unused(*_: Any) -> None:
    pass
