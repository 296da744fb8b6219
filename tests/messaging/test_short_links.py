"""Short tracked links per recipient in LINE and SMS, when the campaign asks for them: each
recipient's own short link, a click recorded once and sent on to the shop's link, a forged or
changed token a 404; without the setting a LINE campaign still goes as one multicast."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from samphan.core.access import Actor
from samphan.messaging import tracking
from samphan.messaging.campaigns import campaign_create, campaign_send
from samphan.messaging.models import Delivery, LineChannel
from tests.messaging.campaign_helpers import bodies, member, no_quiet_hours
from tests.messaging.conftest import LineStub
from tests.messaging.test_campaigns import sms_gateway  # noqa: F401

pytestmark = pytest.mark.django_db
PUSH, MULTICAST = "/v2/bot/message/push", "/v2/bot/message/multicast"
TEXT = "ลดครึ่งราคา https://shop.example/sale วันนี้เท่านั้น"
SHORT = re.compile(r"http://testserver/l/([0-9a-z.A-Z_-]+)")


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Any:
    def call(fn: Any, **kw: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kw)

    return call


def _campaign(owner: Actor, people: list[Any], **kw: Any) -> Any:
    return campaign_create(
        actor=owner,
        name="ลิงก์",
        text=TEXT,
        customer_ids=[c.pk for c in people],
        control_percent=0,
        link_base="http://testserver",
        **kw,
    )


def test_line_links_per_recipient_and_a_click(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any, client: Client
) -> None:
    no_quiet_hours(owner, cap=0)
    people = [member(owner) for _ in range(3)]
    campaign = _campaign(owner, people, channel="line", track_links=True)
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    pushes = bodies(line_stub, PUSH)
    assert len(pushes) == 3 and not bodies(line_stub, MULTICAST)
    tokens = [SHORT.search(p["messages"][0]["text"]).group(1) for p in pushes]  # type: ignore[union-attr]
    assert len(set(tokens)) == 3 and all(len(t) <= 24 for t in tokens)
    assert "https://shop.example/sale" not in pushes[0]["messages"][0]["text"]
    answer = client.get(f"/l/{tokens[0]}")
    assert answer.status_code == 302 and answer["Location"] == "https://shop.example/sale"
    assert Delivery.objects.filter(campaign=campaign, clicked_at__isnull=False).count() == 1
    forged = tokens[1][:-1] + ("A" if tokens[1][-1] != "A" else "B")
    assert client.get(f"/l/{forged}").status_code == 404
    pk, index, sig = tokens[1].split(".")
    other = f"{pk}.{int(index, 36) + 1}.{sig}"
    assert client.get(f"/l/{other}").status_code == 404
    assert client.get("/l/zzzz").status_code == 404
    # Email's long tokens still work beside the short ones.
    delivery = Delivery.objects.filter(campaign=campaign).first()
    assert delivery is not None
    long_url = tracking.click_url("", delivery.pk, 0)
    assert client.get(long_url).status_code == 302


def test_without_tracking_line_stays_one_multicast(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    no_quiet_hours(owner, cap=0)
    people = [member(owner) for _ in range(3)]
    run(campaign_send, actor=owner, campaign_id=_campaign(owner, people, channel="line").pk)
    [call] = bodies(line_stub, MULTICAST)
    assert len(call["to"]) == 3 and "https://shop.example/sale" in call["messages"][0]["text"]


def test_sms_gets_a_short_link(
    owner: Actor,
    sms_gateway: Any,  # noqa: F811
    run: Any,
) -> None:
    no_quiet_hours(owner, cap=0)
    person = member(owner, line=False, phone="0811111111", consent=("marketing_sms",))
    run(
        campaign_send,
        actor=owner,
        campaign_id=_campaign(owner, [person], channel="sms", track_links=True).pk,
    )
    [sms] = sms_gateway.seen
    assert SHORT.search(sms["body"]["text"]) is not None
