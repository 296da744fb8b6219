"""A/B variants (half of those sent get variant B, each arm's results and uplift, B against A)
and what a campaign cost and returned (each message priced when sent; ROI against the revenue
above the control group)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor
from samphan.messaging.campaign_selectors import campaign_results
from samphan.messaging.campaigns import campaign_create, campaign_send
from samphan.messaging.models import Delivery, LineChannel, MessagingSettings
from tests.conftest import ApiClient
from tests.factories import OrderFactory
from tests.messaging.campaign_helpers import bodies, member, no_quiet_hours
from tests.messaging.conftest import LineStub
from tests.messaging.test_campaigns import sms_gateway  # noqa: F401

pytestmark = pytest.mark.django_db
MULTICAST = "/v2/bot/message/multicast"


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Any:
    def call(fn: Any, **kw: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kw)

    return call


def _priced(owner: Actor, line_satang: int) -> None:
    no_quiet_hours(owner, cap=0)
    MessagingSettings.objects.filter(workspace=owner.workspace).update(cost_line_satang=line_satang)


def test_variants_split_the_sent_half_and_half_and_each_gets_its_text(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    _priced(owner, line_satang=25)
    people = [member(owner) for _ in range(40)]
    campaign = campaign_create(
        actor=owner,
        name="ทดสอบ",
        channel="line",
        text="ลด 10% วันนี้",
        text_b="ซื้อ 1 แถม 1 วันนี้",
        customer_ids=[c.pk for c in people],
        control_percent=20,
    )
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    rows = list(Delivery.objects.filter(campaign=campaign).values_list("variant", "status"))
    assert sorted(v for v, s in rows if s == "control") == [""] * 8
    arms = [v for v, s in rows if s == "sent"]
    assert arms.count("a") == 16 and arms.count("b") == 16
    calls = bodies(line_stub, MULTICAST)
    by_text = {c["messages"][0]["text"]: set(c["to"]) for c in calls}
    assert set(by_text) == {"ลด 10% วันนี้", "ซื้อ 1 แถม 1 วันนี้"}
    line_of = {c.pk: c.contacts.get(kind="line").value for c in people}
    b_ids = {line_of[c] for c in Delivery.objects.filter(campaign=campaign, variant="b")
             .values_list("customer_id", flat=True)}  # fmt: skip
    assert by_text["ซื้อ 1 แถม 1 วันนี้"] == b_ids
    # Orders: 6 of B bought, 1 of A, none of the control group.
    now = timezone.now()
    by_id = {c.pk: c for c in people}
    for variant, n in (("b", 6), ("a", 1)):
        ids = Delivery.objects.filter(campaign=campaign, variant=variant).values_list(
            "customer_id", flat=True
        )[:n]
        for customer_id in ids:
            OrderFactory(
                workspace=owner.workspace,
                customer=by_id[customer_id],
                total_satang=10_000,
                placed_at=now + dt.timedelta(hours=1),
            )
    results = campaign_results(actor=owner, campaign_id=campaign.pk)
    a, b = results.variants
    assert (a.variant, a.sent, a.group.converted) == ("a", 16, 1)
    assert (b.variant, b.sent, b.group.converted, b.group.revenue_satang) == ("b", 16, 6, 60_000)
    assert results.b_vs_a is not None
    assert results.b_vs_a.uplift == pytest.approx(6 / 16 - 1 / 16)
    assert results.b_vs_a.low > 0  # B did better, beyond chance
    # Cost: 32 LINE messages at ฿0.25; the control group bought nothing, so all 70,000 of the
    # treated revenue is the campaign's; ROI = (70,000 − 800) / 800.
    money = results.money
    assert money.cost_satang == 32 * 25 and money.cost_per_message_satang == 25
    assert money.incremental_revenue_satang == 70_000
    assert money.roi == pytest.approx((70_000 - 800) / 800)


def test_sms_is_priced_per_part(
    owner: Actor,
    sms_gateway: Any,  # noqa: F811
    run: Any,
) -> None:
    no_quiet_hours(owner, cap=0)
    MessagingSettings.objects.filter(workspace=owner.workspace).update(
        cost_sms_satang=35, cost_line_satang=999
    )
    short = member(owner, line=False, phone="0811111111", consent=("marketing_sms",))
    campaign = campaign_create(
        actor=owner,
        name="SMS",
        channel="sms",
        text="ก" * 100,  # Thai: UCS-2, 67 characters a part when split: 2 parts
        customer_ids=[short.pk],
        control_percent=0,
    )
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    assert len(sms_gateway.seen) == 1
    assert Delivery.objects.get(campaign=campaign).cost_satang == 70
    # Prices changed later leave what was spent as it was.
    MessagingSettings.objects.filter(workspace=owner.workspace).update(cost_sms_satang=1)
    assert campaign_results(actor=owner, campaign_id=campaign.pk).money.cost_satang == 70


def test_api_and_pages(
    owner: Actor,
    owner_client: Client,
    api_rw: ApiClient,
    channel: LineChannel,
    line_stub: LineStub,
    run: Any,
) -> None:
    _priced(owner, line_satang=10)
    people = [member(owner) for _ in range(4)]
    made = api_rw.post(
        "/api/v1/campaigns",
        {
            "name": "AB",
            "audience": {"customer_ids": [c.pk for c in people]},
            "channel": "line",
            "template": {"text": "สวัสดีคุณ{{ name }}", "text_b": "หวัดดี {{ nickname_typo }}"},
        },
    )
    assert made.status_code == 422 and "nickname_typo" in made.json()["error"]["message"]
    made = api_rw.post(
        "/api/v1/campaigns",
        {
            "name": "AB",
            "audience": {"customer_ids": [c.pk for c in people]},
            "channel": "line",
            "control_percent": 0,
            "template": {"text": "สวัสดีคุณ{{ name }}", "text_b": "หวัดดี {{ first_name }} มีของใหม่"},
        },
    )
    assert made.status_code == 201 and made.json()["text_b"].startswith("หวัดดี")
    cid = made.json()["id"]
    preview = api_rw.post(
        f"/api/v1/campaigns/{cid}/preview", {"customer_id": people[0].pk, "variant": "b"}
    )
    assert preview.status_code == 200 and preview.json()["text"].endswith("มีของใหม่")
    bad = api_rw.post(
        f"/api/v1/campaigns/{cid}/preview", {"customer_id": people[0].pk, "variant": "c"}
    )
    assert bad.status_code == 422
    run(campaign_send, actor=owner, campaign_id=cid)
    body = api_rw.get(f"/api/v1/campaigns/{cid}").json()
    assert [v["variant"] for v in body["results"]["variants"]] == ["a", "b"]
    assert sum(v["sent"] for v in body["results"]["variants"]) == 4
    assert body["results"]["money"]["cost_satang"] == 40
    assert body["results"]["money"]["roi"] is None  # no control group: nothing to compare
    page = owner_client.get(reverse("messaging:campaign_detail", args=[cid])).content.decode()
    assert 'id="campaign-variants"' in page and 'id="campaign-money"' in page
    # The rules page sets the prices, in baht.
    saved = owner_client.post(
        reverse("messaging:campaign_rules"),
        {"quiet_start": "21:00", "quiet_end": "08:00", "weekly_cap": 2, "cost_line": "0.15",
         "cost_sms": "0.35", "cost_email": "0"},
    )  # fmt: skip
    assert saved.status_code == 302
    row = MessagingSettings.objects.get(workspace=owner.workspace)
    assert (row.cost_line_satang, row.cost_sms_satang, row.cost_email_satang) == (15, 35, 0)
    too_much = owner_client.post(
        reverse("messaging:campaign_rules"),
        {"quiet_start": "21:00", "quiet_end": "08:00", "weekly_cap": 2, "cost_line": "5000"},
    )
    assert too_much.status_code == 200  # the form says what is wrong; nothing saved
    assert MessagingSettings.objects.get(workspace=owner.workspace).cost_line_satang == 15


def test_coupon_redemptions_of_those_sent_within_the_window(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    from samphan.loyalty.coupons.services import campaign_create as coupon_campaign_create
    from samphan.loyalty.coupons.services import coupon_redeem

    _priced(owner, line_satang=0)
    coupon = coupon_campaign_create(
        actor=owner,
        name="ลด 50",
        kind="value",
        code_mode="shared",
        value_satang=5_000,
        code="MOM50",
    )
    people = [member(owner) for _ in range(3)]
    campaign = campaign_create(
        actor=owner,
        name="วันแม่",
        channel="line",
        text="ใช้โค้ด {{ coupon_code }}",
        customer_ids=[c.pk for c in people],
        coupon_campaign_id=coupon.pk,
        control_percent=0,
    )
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    assert "MOM50" in bodies(line_stub, MULTICAST)[0]["messages"][0]["text"]
    now = timezone.now()
    for customer, days in ((people[0], 1), (people[1], 9)):  # the second is after the 7 days
        order = OrderFactory(
            workspace=owner.workspace,
            customer=customer,
            total_satang=20_000,
            placed_at=now + dt.timedelta(days=days),
        )
        coupon_redeem(actor=owner, code="mom50", order_id=order.pk)
    results = campaign_results(actor=owner, campaign_id=campaign.pk)
    assert (results.coupons_redeemed, results.coupon_discount_satang) == (1, 5_000)


def test_a_frozen_segment_audience_is_who_was_in_it_when_made(
    owner: Actor, api_rw: ApiClient, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    from samphan.segments.models import Segment

    no_quiet_hours(owner, cap=0)
    segment = Segment.objects.create(
        workspace=owner.workspace, name="ทุกคน", rules={"op": "and", "items": []}
    )
    early = member(owner)
    made = api_rw.post(
        "/api/v1/campaigns",
        {"name": "ล็อกผู้รับ", "audience": {"segment_id": segment.pk, "snapshot": True},
         "channel": "line", "control_percent": 0, "template": {"text": "สวัสดี"}},
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    assert made.json()["audience_frozen"] is True and made.json()["audience_customers"] == 1
    member(owner)  # joins the segment after the campaign was made
    run(campaign_send, actor=owner, campaign_id=made.json()["id"])
    sent = Delivery.objects.filter(campaign_id=made.json()["id"])
    assert list(sent.values_list("customer_id", flat=True)) == [early.pk]
