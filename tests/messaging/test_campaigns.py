"""Campaigns end to end against the local LINE stub, a stub SMS gateway and Django's locmem email:
templates, consent checked at the moment of sending, the weekly cap, quiet hours, idempotent
retries after a crash, the preferred channel with fallback, unsubscribe, results and uplift."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.customers.consent_services import consent_record
from samphan.customers.selectors import consent_state
from samphan.messaging import sending
from samphan.messaging.campaign_selectors import campaign_results, template_preview
from samphan.messaging.campaigns import (
    campaign_create,
    campaign_send,
    campaign_start,
    campaigns_start_due,
    unsubscribe_path,
)
from samphan.messaging.models import Campaign, CampaignStatus, Delivery, LineChannel
from samphan.messaging.quiet import BANGKOK, is_quiet, next_allowed
from samphan.messaging.sending import deliveries_reap, deliveries_send
from samphan.messaging.templating import template_parse
from samphan.segments.models import Segment
from samphan.timeline.models import TimelineEvent
from tests.factories import MembershipFactory, OrderFactory
from tests.messaging.campaign_helpers import bodies, member, no_quiet_hours
from tests.messaging.conftest import LineStub

pytestmark = pytest.mark.django_db
PUSH, MULTICAST = "/v2/bot/message/push", "/v2/bot/message/multicast"


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Any:
    """Call a service and run what follows its commit (the Celery tasks, eager)."""

    def call(fn: Any, **kw: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kw)

    return call


def _campaign(owner: Actor, customers: list[Any], **kw: Any) -> Campaign:
    kw.setdefault("channel", "line")
    kw.setdefault("text", "โปรวันแม่ ลด 20%")
    kw.setdefault("control_percent", 0)
    return campaign_create(actor=owner, name="วันแม่", customer_ids=[c.pk for c in customers], **kw)


def _statuses(campaign: Campaign) -> dict[int, str]:
    return dict(Delivery.objects.filter(campaign=campaign).values_list("customer_id", "status"))


# --- templates ---------------------------------------------------------------------------------


def test_template_fields_render_and_an_unknown_field_is_named() -> None:
    template = template_parse("สวัสดีคุณ{{ name }} มี {{points}} แต้ม")
    assert template.fields == {"name", "points"} and template.personal
    assert template.render({"name": "มาลี", "points": "1,200"}) == "สวัสดีคุณมาลี มี 1,200 แต้ม"
    assert not template_parse("ลด 20% ทั้งร้าน {{ shop_name }}").personal
    with pytest.raises(ApplicationError) as unknown:
        template_parse("สวัสดี {{ nmae }}")
    assert unknown.value.code == "template_unknown_field"
    assert unknown.value.details["name"] == "nmae" and "nmae" in unknown.value.message
    for bad, code in [
        ("{% if x %}", "template_tag_not_allowed"),
        ("สวัสดี {{ name", "template_unclosed_field"),
        ("{{ customer.phone }}", "template_unknown_field"),
        ("   ", "template_empty"),
        ("ก" * 5001, "template_too_long"),
    ]:
        with pytest.raises(ApplicationError) as refused:
            template_parse(bad)
        assert refused.value.code == code


def test_unknown_field_is_refused_before_anything_is_saved(owner: Actor) -> None:
    customer = member(owner)
    with pytest.raises(ApplicationError) as refused:
        _campaign(owner, [customer], text="สวัสดี {{ points_expring }}")
    assert refused.value.status == 422 and refused.value.details["name"] == "points_expring"
    assert not Campaign.objects.exists()


def test_preview_uses_loyalty_values_and_says_what_is_missing(owner: Actor) -> None:
    from samphan.loyalty.services import points_adjust

    customer = member(owner, name="มาลี")
    points_adjust(actor=owner, customer_id=customer.pk, points=1250, reason="ทดสอบ")
    preview = template_preview(
        actor=owner,
        customer_id=customer.pk,
        text="คุณ{{ name }} มี {{ points }} แต้ม ระดับ {{ tier }}",
    )
    assert preview.text.startswith("คุณมาลี มี 1,250 แต้ม") and preview.missing == ["tier"]
    assert preview.sms_encoding == "UCS-2"


# --- sending over LINE ---------------------------------------------------------------------------


def test_same_text_goes_by_multicast_personal_text_by_push(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    no_quiet_hours(owner)
    people = [member(owner) for _ in range(3)]
    shared = _campaign(owner, people)
    run(campaign_send, actor=owner, campaign_id=shared.pk)
    [call] = bodies(line_stub, MULTICAST)
    assert len(call["to"]) == 3 and call["messages"] == [{"type": "text", "text": "โปรวันแม่ ลด 20%"}]
    shared.refresh_from_db()
    assert shared.status == CampaignStatus.DONE and set(_statuses(shared).values()) == {"sent"}
    assert TimelineEvent.objects.filter(type="campaign.message_sent").count() == 3

    personal = _campaign(owner, people, text="คุณ{{ name }} รับส่วนลดพิเศษ")
    run(campaign_send, actor=owner, campaign_id=personal.pk)
    pushes = line_stub.calls(PUSH)
    assert len(pushes) == 3 and len(line_stub.calls(MULTICAST)) == 1
    assert {p.body["messages"][0]["text"] for p in pushes} == {
        f"คุณ{c.first_name} รับส่วนลดพิเศษ" for c in people
    }
    assert all(p.headers["x-line-retry-key"] for p in pushes)


def test_consent_withdrawn_after_scheduling_is_skipped_at_send_time(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    keeps, leaves, unfollows = member(owner), member(owner), member(owner)
    campaign = _campaign(owner, [keeps, leaves, unfollows])
    # 22:00 in Bangkok two days ago: quiet hours, so sending waits for 08:00.
    night = (
        (timezone.now() - dt.timedelta(days=2))
        .astimezone(BANGKOK)
        .replace(hour=22, minute=0, second=0, microsecond=0)
    )
    run(campaign_send, actor=owner, campaign_id=campaign.pk, now=night)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.send_after == (night + dt.timedelta(hours=10))
    assert not Delivery.objects.exists()
    consent_record(actor=owner, customer_id=leaves.pk, purpose="marketing_line", granted=False)
    consent_record(
        actor=owner, customer_id=unfollows.pk, purpose="marketing_line", granted=False,
        source="unfollow",
    )  # fmt: skip
    run(campaigns_start_due)
    assert _statuses(campaign) == {
        keeps.pk: "sent",
        leaves.pk: "skipped_consent",
        unfollows.pk: "skipped_consent",
    }
    # One recipient left: one push, to them only.
    assert [b["to"] for b in bodies(line_stub, PUSH)] == [keeps.contacts.get(kind="line").value]
    assert bodies(line_stub, MULTICAST) == []


def test_consent_is_read_right_before_each_call_not_when_the_batch_was_claimed(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any, monkeypatch: Any
) -> None:
    """A customer who withdraws while earlier calls of the same task are going out is not sent
    to: the ledger is read again before each provider call."""
    no_quiet_hours(owner)
    monkeypatch.setattr(sending, "CALL_ROWS_PERSONAL", 1)
    first, second = member(owner), member(owner)
    campaign = _campaign(owner, [first, second], text="คุณ{{ name }}")
    original = sending._send_line

    def withdraw_after_first(ctx: Any, rows: Any, texts: Any, outcome: Any) -> None:
        original(ctx, rows, texts, outcome)
        if rows[0].customer_id == first.pk:
            consent_record(actor=owner, customer_id=second.pk, purpose="marketing_line",
                           granted=False)  # fmt: skip

    monkeypatch.setattr(sending, "_send_line", withdraw_after_first)
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    assert _statuses(campaign) == {first.pk: "sent", second.pk: "skipped_consent"}
    assert len(line_stub.calls(PUSH)) == 1


def test_weekly_cap_skips_customers_who_got_enough(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    no_quiet_hours(owner, cap=1)
    busy, fresh = member(owner), member(owner)
    first = _campaign(owner, [busy])
    run(campaign_send, actor=owner, campaign_id=first.pk)
    second = _campaign(owner, [busy, fresh])
    run(campaign_send, actor=owner, campaign_id=second.pk)
    assert _statuses(second) == {busy.pk: "skipped_frequency", fresh.pk: "sent"}


def test_weekly_cap_counts_what_another_campaign_is_sending_right_now(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    """Two campaigns at once: the first one's message, let go but not yet confirmed by LINE,
    already uses the customer's last message of the week (the check and the reservation
    happen under the customer's cap lock)."""
    no_quiet_hours(owner, cap=1)
    busy, fresh = member(owner), member(owner)
    first = _campaign(owner, [busy])
    in_flight = []

    def hold(ctx: Any, rows: list[Delivery], texts: Any, outcome: Any) -> None:
        in_flight.extend(rows)  # the first campaign's call has not come back yet
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status="sending", lease_until=timezone.now() + dt.timedelta(minutes=10)
        )

    with mock.patch.object(sending, "_send_line", hold):
        run(campaign_send, actor=owner, campaign_id=first.pk)
    assert in_flight and Delivery.objects.get(campaign=first).reserved_at is not None
    second = _campaign(owner, [busy, fresh])
    run(campaign_send, actor=owner, campaign_id=second.pk)
    assert _statuses(second) == {busy.pk: "skipped_frequency", fresh.pk: "sent"}


def test_no_contact_and_no_channel_set_up(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    no_quiet_hours(owner)
    phone_only = member(owner, line=False, phone="0812345678", consent=("marketing_sms",))
    campaign = _campaign(owner, [phone_only])
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    assert _statuses(campaign) == {phone_only.pk: "skipped_contact"}


def test_line_quota_is_checked_before_sending(
    owner: Actor, channel: LineChannel, line_stub: LineStub
) -> None:
    no_quiet_hours(owner)
    line_stub.used = 999
    campaign = _campaign(owner, [member(owner), member(owner)])
    with pytest.raises(ApplicationError) as refused:
        campaign_send(actor=owner, campaign_id=campaign.pk)
    assert refused.value.code == "line_quota_exceeded"
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


# --- never twice, never skipped ----------------------------------------------------------------


def test_running_the_send_task_twice_sends_once(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    no_quiet_hours(owner)
    people = [member(owner) for _ in range(4)]
    campaign = _campaign(owner, people, text="คุณ{{ name }}")
    with mock.patch("samphan.messaging.sending.deliveries_dispatch"):
        run(campaign_send, actor=owner, campaign_id=campaign.pk)
    ids = list(Delivery.objects.filter(campaign=campaign).values_list("pk", flat=True))
    first = deliveries_send(campaign_id=campaign.pk, delivery_ids=ids)
    again = deliveries_send(campaign_id=campaign.pk, delivery_ids=ids)
    assert (first.sent, again.sent) == (4, 0)
    assert len(line_stub.calls(PUSH)) == 4


@pytest.mark.parametrize("shared", [False, True], ids=["push", "multicast"])
def test_a_worker_killed_after_line_accepted_repeats_the_same_call_once(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any, shared: bool
) -> None:
    """The worker dies after LINE took the call but before the rows were marked sent. After
    the lease runs out the rows are handed out again and repeated with the same
    X-Line-Retry-Key; LINE answers 409 (already accepted) and each customer got one message."""
    no_quiet_hours(owner)
    people = [member(owner) for _ in range(3)]
    campaign = _campaign(owner, people, text="ลดทั้งร้าน" if shared else "คุณ{{ name }}")
    path = MULTICAST if shared else PUSH
    with mock.patch("samphan.messaging.sending.deliveries_dispatch"):
        run(campaign_send, actor=owner, campaign_id=campaign.pk)
    ids = list(Delivery.objects.filter(campaign=campaign).values_list("pk", flat=True))
    killed = mock.patch.object(sending, "_sent", side_effect=SystemExit("worker killed"))
    with killed, pytest.raises(SystemExit):
        deliveries_send(campaign_id=campaign.pk, delivery_ids=ids)
    assert Delivery.objects.filter(campaign=campaign, status="sending").exists()
    # LINE had accepted that call: a repeat with its key is answered 409 (already accepted).
    line_stub.answer(path, (409, {"x-line-accepted-request-id": "abc"}, {"message": "accepted"}))
    # Nothing happens while the lease holds …
    assert deliveries_send(campaign_id=campaign.pk, delivery_ids=ids).sent == 0
    # … and after it, the reaper hands the rows out again.
    with mock.patch("samphan.messaging.sending.timezone.now",
                    return_value=timezone.now() + dt.timedelta(minutes=11)):  # fmt: skip
        run(deliveries_reap)
    assert set(_statuses(campaign).values()) == {"sent"}
    keys = [c.headers["x-line-retry-key"] for c in line_stub.calls(path)]
    # The call that reached LINE is repeated with its own key (LINE delivers it once); the
    # rows the dead worker had not reached yet are sent once each.
    assert keys[0] == keys[1]
    assert len(keys) == (2 if shared else 4) and len(set(keys)) == (1 if shared else 3)
    sent_to = [
        r for c in line_stub.calls(path)[1:] for r in (c.body["to"] if shared else [c.body["to"]])
    ]
    assert sorted(sent_to) == sorted(p.contacts.get(kind="line").value for p in people)


def test_a_provider_that_keeps_failing_puts_rows_back_not_away(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any, settings: Any
) -> None:
    settings.SAMPHAN_LINE_RETRY_ATTEMPTS = 2
    no_quiet_hours(owner)
    people = [member(owner) for _ in range(2)]
    campaign = _campaign(owner, people)
    line_stub.answer(MULTICAST, (503, {}, {}), (503, {}, {}))
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    assert set(_statuses(campaign).values()) == {"queued"}
    run(deliveries_reap)  # LINE is back
    assert set(_statuses(campaign).values()) == {"sent"}
    keys = {c.headers["x-line-retry-key"] for c in line_stub.calls(MULTICAST)}
    assert len(keys) == 1 and len(line_stub.calls(MULTICAST)) == 3


# --- quiet hours -------------------------------------------------------------------------------


def _bkk(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=BANGKOK)


def test_quiet_hours_across_midnight() -> None:
    start, end = dt.time(21, 0), dt.time(8, 0)
    assert next_allowed(_bkk(10, 23, 30), start, end) == _bkk(11, 8)
    assert next_allowed(_bkk(10, 2, 15), start, end) == _bkk(10, 8)
    assert next_allowed(_bkk(10, 21, 0), start, end) == _bkk(11, 8)
    assert next_allowed(_bkk(10, 8, 0), start, end) == _bkk(10, 8)
    assert next_allowed(_bkk(10, 12, 0), start, end) == _bkk(10, 12)
    utc = _bkk(10, 23, 30).astimezone(dt.UTC)  # 16:30 UTC is 23:30 in Bangkok
    assert next_allowed(utc, start, end) == _bkk(11, 8)
    # A window within one day, and none at all.
    assert is_quiet(dt.time(13, 0), dt.time(12, 0), dt.time(14, 0))
    assert next_allowed(_bkk(10, 13), dt.time(12, 0), dt.time(14, 0)) == _bkk(10, 14)
    assert not is_quiet(dt.time(3, 0), dt.time(0, 0), dt.time(0, 0))


def test_managers_may_ignore_quiet_hours_marketers_may_not(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    from samphan.core.access import actor_for_membership

    customer = member(owner)
    campaign = _campaign(owner, [customer])
    marketer = actor_for_membership(MembershipFactory(workspace=owner.workspace, role="marketer"))
    with pytest.raises(ApplicationError) as refused:
        campaign_send(actor=marketer, campaign_id=campaign.pk, ignore_quiet_hours=True)
    assert refused.value.status == 403
    night = timezone.now().astimezone(BANGKOK).replace(hour=23) - dt.timedelta(days=1)
    run(campaign_send, actor=owner, campaign_id=campaign.pk, ignore_quiet_hours=True, now=night)
    assert _statuses(campaign) == {customer.pk: "sent"}


# --- preferred channel, SMS and email ----------------------------------------------------------


class _Gateway:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.url = ""


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[_Gateway]:
    state = _Gateway()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            state.seen.append({"headers": dict(self.headers), "body": json.loads(raw)})
            data = json.dumps({"id": f"m{len(state.seen)}"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SAMPHAN_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SAMPHAN_SMS_SENDER = "SHOP"
    yield state
    server.shutdown()
    server.server_close()


def test_preferred_channel_falls_back_line_sms_email(
    owner: Actor,
    channel: LineChannel,
    line_stub: LineStub,
    sms_gateway: _Gateway,
    run: Any,
    settings: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    no_quiet_hours(owner)
    on_line = member(owner, consent=("marketing_line", "marketing_sms"), phone="0811111111")
    wants_sms = member(owner, phone="0822222222", consent=("marketing_line", "marketing_sms"),
                       preferred="sms")  # fmt: skip
    # Prefers SMS but agreed only to email: reached by email.
    by_email = member(owner, line=False, phone="0833333333", email="nok@example.com",
                      consent=("marketing_email",), preferred="sms")  # fmt: skip
    nobody = member(owner, consent=())
    campaign = _campaign(
        owner, [on_line, wants_sms, by_email, nobody], channel="preferred",
        text="คุณ{{ name }} ลด 20%", subject="โปรสำหรับคุณ{{ name }}",
    )  # fmt: skip
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    rows = {d.customer_id: d for d in Delivery.objects.filter(campaign=campaign)}
    assert (rows[on_line.pk].channel, rows[on_line.pk].status) == ("line", "sent")
    assert (rows[wants_sms.pk].channel, rows[wants_sms.pk].status) == ("sms", "sent")
    assert (rows[by_email.pk].channel, rows[by_email.pk].status) == ("email", "sent")
    assert rows[nobody.pk].status == "skipped_consent"
    assert rows[wants_sms.pk].idempotency_key.endswith(":sms")
    [sms] = sms_gateway.seen
    assert sms["body"]["to"] == "+66822222222" and sms["body"]["from"] == "SHOP"
    assert sms["headers"]["Idempotency-Key"] == rows[wants_sms.pk].retry_key
    [email] = mail.outbox
    assert email.to == ["nok@example.com"] and email.subject == f"โปรสำหรับคุณ{by_email.first_name}"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(rows[by_email.pk].pk) in email.extra_headers["List-Unsubscribe"]
    assert email.alternatives[0][1] == "text/html"


def test_one_click_unsubscribe_withdraws_every_channel(
    owner: Actor, client: Client, run: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    no_quiet_hours(owner)
    customer = member(owner, line=False, email="a@example.com",
                      consent=("marketing_email", "marketing_line", "marketing_sms"))  # fmt: skip
    campaign = _campaign(owner, [customer], channel="email")
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    delivery = Delivery.objects.get(campaign=campaign)
    path = unsubscribe_path(delivery.pk)
    page = client.get(path)
    assert page.status_code == 200 and owner.workspace.name in page.content.decode()
    assert consent_state(customer=customer)["marketing_email"].granted  # a GET changes nothing
    # A mail app's one-click POST (RFC 8058): no CSRF token, no session.
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    state = consent_state(customer=customer)
    assert not any(state[p].granted for p in ("marketing_email", "marketing_line", "marketing_sms"))
    assert state["marketing_email"].source == "unsubscribe"
    assert campaign_results(actor=owner, campaign_id=campaign.pk).unsubscribed == 1
    assert client.get(path[:-5] + "xxxx/").status_code == 404


# --- results -----------------------------------------------------------------------------------


def test_control_group_and_attributed_orders(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    no_quiet_hours(owner, cap=0)
    people = [member(owner) for _ in range(10)]
    campaign = _campaign(owner, people, control_percent=30)
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    statuses = _statuses(campaign)
    control = [pk for pk, s in statuses.items() if s == "control"]
    treated = [pk for pk, s in statuses.items() if s == "sent"]
    assert len(control) == 3 and len(treated) == 7
    assert len(bodies(line_stub, MULTICAST)[0]["to"]) == 7
    now = timezone.now()
    by_id = {c.pk: c for c in people}
    OrderFactory(
        customer=by_id[treated[0]], total_satang=50_000, placed_at=now + dt.timedelta(days=1)
    )
    OrderFactory(
        customer=by_id[treated[1]], total_satang=20_000, placed_at=now + dt.timedelta(days=9)
    )
    OrderFactory(
        customer=by_id[treated[2]], total_satang=10_000, placed_at=now - dt.timedelta(days=1)
    )
    OrderFactory(
        customer=by_id[control[0]], total_satang=30_000, placed_at=now + dt.timedelta(hours=2)
    )
    results = campaign_results(actor=owner, campaign_id=campaign.pk)
    assert (results.treated.customers, results.treated.converted) == (7, 1)
    assert results.treated.revenue_satang == 50_000  # day 9 is outside 7 days, before is too
    assert (results.control.customers, results.control.converted) == (3, 1)
    assert results.uplift is not None
    assert results.uplift.uplift == pytest.approx(1 / 7 - 1 / 3)
    assert results.uplift.low < results.uplift.uplift < results.uplift.high


def test_a_segment_is_evaluated_when_sending_starts(
    owner: Actor, channel: LineChannel, line_stub: LineStub, run: Any
) -> None:
    no_quiet_hours(owner)
    segment = Segment.objects.create(
        workspace=owner.workspace, name="ทุกคน", rules={"op": "and", "items": []}
    )
    early = member(owner)
    campaign = campaign_create(
        actor=owner, name="ทุกคน", channel="line", text="สวัสดี", segment_id=segment.pk,
        control_percent=0, schedule_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    late = member(owner)  # joined after the campaign was made
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    assert not Delivery.objects.exists()
    assert campaign_start(campaign_id=campaign.pk) == 0  # not due yet
    Campaign.objects.filter(pk=campaign.pk).update(send_after=timezone.now())
    run(campaigns_start_due)
    assert _statuses(campaign) == {early.pk: "sent", late.pk: "sent"}


# --- unsubscribe by keyword ----------------------------------------------------------------------


def test_line_stop_keyword_unsubscribes(
    owner: Actor, channel: LineChannel, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.messaging.conftest import deliver, text

    customer = member(owner, consent=("marketing_line", "marketing_sms"))
    user = customer.contacts.get(kind="line").value
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, text(" ยกเลิก ", user))
    state = consent_state(customer=customer)
    assert not state["marketing_line"].granted and not state["marketing_sms"].granted
    assert TimelineEvent.objects.filter(customer=customer, type="campaign.unsubscribed").exists()


def test_sms_delivery_report_and_stop_reply(
    owner: Actor, client: Client, sms_gateway: _Gateway, run: Any, settings: Any
) -> None:
    settings.SAMPHAN_SMS_CALLBACK_TOKEN = "cb-token-123"
    no_quiet_hours(owner)
    customer = member(owner, line=False, phone="0844444444", consent=("marketing_sms",))
    campaign = _campaign(owner, [customer], channel="sms")
    run(campaign_send, actor=owner, campaign_id=campaign.pk)
    delivery = Delivery.objects.get(campaign=campaign)
    hook = "/hooks/sms/cb-token-123/"
    assert client.post("/hooks/sms/wrong/", {}, content_type="application/json").status_code == 404
    report = {"type": "report", "reference": delivery.idempotency_key, "status": "delivered"}
    assert client.post(hook, report, content_type="application/json").json() == {"updated": 1}
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.delivered_at is not None
    reply = {"type": "inbound", "from": "+66844444444", "text": "STOP"}
    assert client.post(hook, reply, content_type="application/json").json() == {"withdrawn": 3}
    assert not consent_state(customer=customer)["marketing_sms"].granted
    assert client.post(hook, "[]", content_type="application/json").status_code == 400
