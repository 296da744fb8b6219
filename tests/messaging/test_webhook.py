"""The LINE webhook: signatures, limits, redelivery, and what each event does to customers
(through the customers app's services: consent ledger, interactions, timeline)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from samphan.core.access import Actor
from samphan.customers.models import ConsentEvent, ContactPoint, Customer, Interaction
from samphan.customers.selectors import consent_state
from samphan.messaging.models import LineChannel, LineLinkCode, LineWebhookEvent
from samphan.messaging.services import line_channel_save, line_link_code_create
from samphan.timeline.models import TimelineEvent
from tests.customers.factories import CustomerFactory
from tests.factories import MembershipFactory
from tests.messaging.conftest import OTHER_USER, SECRET, USER, deliver, event, sign, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(client: Client, channel: LineChannel, django_capture_on_commit_callbacks: Any) -> Any:
    """Deliver events and run what follows the commit (the processing task, eager)."""

    def send(*events: dict, **kw: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return deliver(client, channel, *events, **kw)

    return send


def _line_customer(user: str = USER) -> Customer:
    return ContactPoint.objects.get(kind="line", value=user).customer


def _types(customer: Customer) -> list[str]:
    return list(
        TimelineEvent.objects.filter(customer=customer)
        .order_by("pk")
        .values_list("type", flat=True)
    )


# --- signatures and limits ----------------------------------------------------------------------


def test_a_signed_delivery_is_accepted(hook: Any) -> None:
    response = hook(event("follow"))
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "redelivered": 0}


@pytest.mark.parametrize("how", ["missing", "wrong_secret", "one_byte_changed", "garbage"])
def test_a_bad_signature_is_400_with_a_log_line(
    hook: Any, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"events": [event("follow")]}).encode()
    signature = {
        "missing": "",
        "wrong_secret": sign(body, "f" * 32),
        "one_byte_changed": sign(body),
        "garbage": "not base64 at all",
    }[how]
    if how == "one_byte_changed":
        body = body.replace(b"follow", b"fellow")
    with caplog.at_level(logging.WARNING, logger="samphan.messaging.views"):
        response = hook(body=body, signature=signature)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert "LINE webhook refused" in caplog.text
    assert not LineWebhookEvent.objects.exists()
    assert not Customer.objects.exists()


def test_unknown_address_is_404_and_get_is_not_allowed(
    client: Client, channel: LineChannel
) -> None:
    body = json.dumps({"events": []}).encode()
    response = client.post(
        "/hooks/line/nope", data=body, content_type="application/json",
        headers={"X-Line-Signature": sign(body)},
    )  # fmt: skip
    assert response.status_code == 404
    assert client.get(f"/hooks/line/{channel.webhook_token}").status_code == 405


def test_a_body_over_the_limit_is_refused_before_reading(
    hook: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SAMPHAN_LINE_WEBHOOK_MAX_BYTES = 200
    big = event("message", message={"type": "text", "id": "1", "text": "ก" * 300})
    assert hook(big).status_code == 413
    assert not LineWebhookEvent.objects.exists()


def test_signed_but_not_lines_json_is_400(hook: Any) -> None:
    for body in (b"[1, 2]", b"{not json", json.dumps({"events": [{"type": "follow"}]}).encode()):
        assert hook(body=body, signature=sign(body)).status_code == 400
    assert not LineWebhookEvent.objects.exists()


def test_verify_button_delivery_without_events_is_200(hook: Any) -> None:
    assert hook().json() == {"accepted": 0, "redelivered": 0}


def test_no_secret_yet_refuses_everything(client: Client, owner: Actor) -> None:
    channel = line_channel_save(actor=owner, channel_id="1650000000")
    assert deliver(client, channel, event("follow")).status_code == 400


# --- redelivery -----------------------------------------------------------------------------------


def test_a_redelivered_event_is_processed_once(hook: Any) -> None:
    first = text("สวัสดีค่ะ", event_id="01HREDELIVERED0000000000001")
    again = dict(first, deliveryContext={"isRedelivery": True})
    assert hook(first).json() == {"accepted": 1, "redelivered": 0}
    assert hook(again).json() == {"accepted": 0, "redelivered": 1}
    assert hook(again, again).json() == {"accepted": 0, "redelivered": 2}
    assert Interaction.objects.count() == 1
    row = LineWebhookEvent.objects.get()
    assert row.redelivered == 3 and row.status == "processed"


# --- follow / unfollow ----------------------------------------------------------------------------


def test_follow_creates_the_customer_with_line_consent(hook: Any) -> None:
    hook(event("follow"))
    customer = _line_customer()
    assert customer.acquisition_source == "line"
    consent = consent_state(customer=customer)["marketing_line"]
    assert consent is not None and consent.granted and consent.source == "follow"
    assert _types(customer) == ["customer.created", "consent.changed", "line.followed"]
    followed = TimelineEvent.objects.get(customer=customer, type="line.followed")
    assert followed.payload["new_customer"] is True and followed.actor_label == "LINE"
    row = LineWebhookEvent.objects.get()
    assert row.customer == customer and row.outcome == "customer_created"


def test_follow_links_the_existing_customer_by_line_id(hook: Any, owner: Actor) -> None:
    known = CustomerFactory(workspace=owner.workspace, contacts=[("line", USER)])
    hook(event("follow", follow={"isUnblocked": True}))
    assert Customer.objects.count() == 1
    assert consent_state(customer=known)["marketing_line"].granted  # type: ignore[union-attr]
    followed = TimelineEvent.objects.get(customer=known, type="line.followed")
    assert followed.payload == {"new_customer": False, "unblocked": True}


def test_unfollow_withdraws_line_consent(hook: Any) -> None:
    hook(event("follow"))
    hook(event("unfollow", timestamp=1764979260000))
    customer = _line_customer()
    state = consent_state(customer=customer)["marketing_line"]
    assert state is not None and not state.granted and state.source == "unfollow"
    assert ConsentEvent.objects.filter(customer=customer).count() == 2  # the ledger appends
    assert "line.unfollowed" in _types(customer)


def test_unfollow_from_a_stranger_is_ignored(hook: Any) -> None:
    hook(event("unfollow"))
    row = LineWebhookEvent.objects.get()
    assert (row.status, row.outcome) == ("ignored", "unknown_line_user")
    assert not Customer.objects.exists()


# --- text and postback ----------------------------------------------------------------------------


def test_text_becomes_a_chat_interaction_and_event(hook: Any) -> None:
    hook(event("follow"))
    hook(text("ขอสอบถามเรื่องโปรโมชั่นเดือนนี้ค่ะ"))
    customer = _line_customer()
    interaction = Interaction.objects.get(customer=customer)
    assert interaction.kind == "chat" and interaction.summary == "ขอสอบถามเรื่องโปรโมชั่นเดือนนี้ค่ะ"
    received = TimelineEvent.objects.get(customer=customer, type="line.message_received")
    assert received.links == {"interaction": interaction.pk}


def test_postback_becomes_an_interaction(hook: Any) -> None:
    hook(event("postback", postback={"data": "action=menu&item=latte"}))
    customer = _line_customer()
    interaction = Interaction.objects.get(customer=customer)
    assert "action=menu&item=latte" in interaction.summary
    assert TimelineEvent.objects.get(customer=customer, type="line.postback").payload == {
        "data": "action=menu&item=latte"
    }


def test_stickers_and_group_events_are_kept_but_not_applied(hook: Any) -> None:
    sticker = event("message", message={"type": "sticker", "id": "2"})
    group = dict(text("hi"), source={"type": "group", "groupId": "C" + "1" * 32})
    hook(sticker, group, event("beacon"))
    outcomes = set(LineWebhookEvent.objects.values_list("status", "outcome"))
    assert outcomes == {
        ("ignored", "message_not_text"), ("ignored", "not_from_a_user"), ("ignored", "not_handled")
    }  # fmt: skip
    assert not Interaction.objects.exists()


# --- link codes -----------------------------------------------------------------------------------


def test_a_link_code_links_a_line_account_to_the_customer(hook: Any, owner: Actor) -> None:
    known = CustomerFactory(workspace=owner.workspace, first_name="มาลี")
    code = line_link_code_create(actor=owner, customer_id=known.pk)
    hook(text(f" {code.code.lower()} "))
    assert _line_customer() == known
    code.refresh_from_db()
    assert code.used_at is not None
    assert "line.linked" in _types(known)
    assert not Interaction.objects.exists()  # a code is not conversation
    # Used once: the same text later is just a message.
    hook(text(code.code))
    assert Interaction.objects.filter(customer=known).count() == 1


def test_a_link_code_after_follow_merges_the_line_only_record(hook: Any, owner: Actor) -> None:
    known = CustomerFactory(workspace=owner.workspace, first_name="มาลี")
    hook(event("follow"))
    made_by_follow = _line_customer()
    assert made_by_follow != known
    code = line_link_code_create(actor=owner, customer_id=known.pk)
    hook(text(code.code))
    made_by_follow.refresh_from_db()
    assert made_by_follow.merged_into_id == known.pk
    assert _line_customer() == known
    # The consent the follow gave moved with the record.
    assert consent_state(customer=known)["marketing_line"].granted  # type: ignore[union-attr]


def test_a_link_code_never_takes_a_line_account_from_a_real_customer(
    hook: Any, owner: Actor
) -> None:
    CustomerFactory(workspace=owner.workspace, first_name="สมชาย", contacts=[("line", USER)])
    target = CustomerFactory(workspace=owner.workspace, first_name="มาลี")
    code = line_link_code_create(actor=owner, customer_id=target.pk)
    hook(text(code.code))
    row = LineWebhookEvent.objects.get()
    assert (row.status, row.outcome) == ("ignored", "line_account_has_another_customer")
    code.refresh_from_db()
    assert code.used_at is None
    assert not target.contacts.filter(kind="line").exists()


def test_an_expired_or_unknown_code_is_just_a_message(hook: Any, owner: Actor) -> None:
    known = CustomerFactory(workspace=owner.workspace)
    code = line_link_code_create(actor=owner, customer_id=known.pk)
    LineLinkCode.objects.filter(pk=code.pk).update(expires_at=code.created_at)
    hook(text(code.code))
    hook(text("ABCDEF"))
    assert Interaction.objects.filter(customer=_line_customer()).count() == 2
    assert not known.contacts.filter(kind="line").exists()


# --- tenant isolation -----------------------------------------------------------------------------


def test_one_shops_webhook_never_touches_another_shop(
    client: Client, owner: Actor, hook: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other = MembershipFactory()
    from samphan.core.access import actor_for_membership

    other_owner = actor_for_membership(other)
    other_channel = line_channel_save(
        actor=other_owner, channel_id="1650000001", channel_secret="f" * 32,
        channel_access_token="other-token-" + "y" * 30,
    )  # fmt: skip
    theirs = CustomerFactory(workspace=other_owner.workspace, contacts=[("line", USER)])
    code = line_link_code_create(actor=other_owner, customer_id=theirs.pk)

    # Our address with our secret: only our workspace changes, their code means nothing here.
    hook(event("follow"), text(code.code))
    ours = ContactPoint.objects.get(workspace=owner.workspace, kind="line", value=USER).customer
    assert ours.workspace_id == owner.workspace.pk and ours != theirs
    assert not ConsentEvent.objects.filter(workspace=other_owner.workspace).exists()
    code.refresh_from_db()
    assert code.used_at is None
    assert not LineWebhookEvent.objects.filter(workspace=other_owner.workspace).exists()

    # Their address signed with our secret is refused; same event id in both shops is fine.
    body = json.dumps({"events": [event("follow", OTHER_USER, event_id="SAME")]}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            f"/hooks/line/{other_channel.webhook_token}", data=body,
            content_type="application/json", headers={"X-Line-Signature": sign(body, SECRET)},
        )  # fmt: skip
        accepted = client.post(
            f"/hooks/line/{other_channel.webhook_token}", data=body,
            content_type="application/json", headers={"X-Line-Signature": sign(body, "f" * 32)},
        )  # fmt: skip
    assert refused.status_code == 400 and accepted.status_code == 200
    hook(event("follow", OTHER_USER, event_id="SAME"))
    assert LineWebhookEvent.objects.filter(webhook_event_id="SAME").count() == 2


def test_a_flood_with_bad_signatures_and_redeliveries_loses_nothing_and_repeats_nothing(
    hook: Any,
) -> None:
    """300 deliveries of one event each: every 7th signed wrongly, every 5th a redelivery of
    an earlier one. Every validly delivered event is applied exactly once."""
    users = [f"U{i:032x}" for i in range(40)]
    sent: list[dict] = []
    valid_ids: set[str] = set()
    for i in range(300):
        if i % 5 == 4 and sent:
            one = dict(sent[i // 3], deliveryContext={"isRedelivery": True})
        else:
            one = text(f"ข้อความที่ {i}", users[i % len(users)])
            sent.append(one)
        if i % 7 == 6:
            body = json.dumps({"events": [one]}).encode()
            assert hook(body=body, signature=sign(body, "e" * 32)).status_code == 400
            continue
        assert hook(one).status_code == 200
        valid_ids.add(one["webhookEventId"])
    rows = LineWebhookEvent.objects.all()
    assert {r.webhook_event_id for r in rows} == valid_ids
    assert all(r.status == "processed" for r in rows)
    assert Interaction.objects.count() == len(valid_ids)
    texts = list(Interaction.objects.values_list("summary", flat=True))
    assert len(texts) == len(set(texts))
