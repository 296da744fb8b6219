"""The LINE settings page, the webhook-events log, the customer page's LINE panel and link
codes, and the API: roles, secrets never shown back whole, another shop's rows never shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from samphan.core.access import Actor
from samphan.core.models import AuditLog
from samphan.core.roles import Role
from samphan.customers.selectors import customer_profile_get
from samphan.messaging.models import LineChannel, LineLinkCode, LineWebhookEvent
from samphan.messaging.selectors import line_link_state
from tests.conftest import ApiClient
from tests.customers.factories import ContactPointFactory, CustomerFactory
from tests.factories import MembershipFactory
from tests.messaging.conftest import SECRET, TOKEN, LineStub, deliver, event, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(owner_membership: Any) -> None:
    """The pages are read in English here (Thai is the default; its catalogue is merged
    later), so the assertions name the English text."""
    owner_membership.user.language = "en"
    owner_membership.user.save(update_fields=["language"])


def test_settings_page_sets_up_the_channel_and_never_shows_secrets(
    owner_client: Client, owner: Actor
) -> None:
    page = owner_client.get("/settings/line/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Webhook URL" not in page.content.decode()  # nothing to paste before a channel exists
    saved = owner_client.post(
        "/settings/line/",
        {"channel_id": "1650000000", "channel_secret": SECRET, "channel_access_token": TOKEN},
    )
    assert saved.status_code == 302
    channel = LineChannel.objects.get(workspace=owner.workspace)
    assert (channel.channel_secret, channel.channel_access_token) == (SECRET, TOKEN)
    html = owner_client.get("/settings/line/").content.decode()
    assert SECRET not in html and TOKEN not in html
    assert SECRET[-4:] in html and TOKEN[-4:] in html
    assert f"/hooks/line/{channel.webhook_token}" in html
    # Saving with the secret fields left empty keeps them.
    owner_client.post("/settings/line/", {"channel_id": "1650000002"})
    channel.refresh_from_db()
    assert (channel.channel_id, channel.channel_secret) == ("1650000002", SECRET)
    audit = AuditLog.objects.filter(action="messaging.line_channel_changed").first()
    assert audit is not None and SECRET not in str(audit.data)


def test_settings_form_says_what_is_wrong(owner_client: Client) -> None:
    page = owner_client.post(
        "/settings/line/", {"channel_id": "abc", "channel_secret": "short"}
    ).content.decode()
    assert "The channel ID is the number LINE shows." in page
    assert not LineChannel.objects.exists()


def test_rotating_the_webhook_address(owner_client: Client, channel: LineChannel) -> None:
    old = channel.webhook_token
    assert owner_client.post("/settings/line/webhook/rotate/").status_code == 302
    channel.refresh_from_db()
    assert channel.webhook_token != old
    assert deliver(Client(), LineChannel(webhook_token=old), event("follow")).status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.MARKETER, Role.SUPPORT])
def test_only_owners_and_managers_open_the_line_pages(client: Client, role: str) -> None:
    membership = MembershipFactory(role=role)
    client.force_login(membership.user)
    for path in ("/settings/line/", "/settings/line/events/", "/settings/line/quota/"):
        assert client.get(path).status_code == 403


def test_settings_menu_has_the_line_entry(owner_client: Client) -> None:
    html = owner_client.get("/settings/").content.decode()
    assert 'href="/settings/line/"' in html


def test_quota_fragment(owner_client: Client, channel: LineChannel, line_stub: LineStub) -> None:
    line_stub.used = 250
    html = owner_client.get("/settings/line/quota/").content.decode()
    assert "<progress" in html and 'value="25"' in html


def test_quota_fragment_when_line_is_down(
    owner_client: Client, channel: LineChannel, settings: Any
) -> None:
    settings.SAMPHAN_LINE_API_URL = "http://127.0.0.1:9"
    settings.SAMPHAN_LINE_RETRY_ATTEMPTS = 1
    response = owner_client.get("/settings/line/quota/")
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_events_log_shows_this_shops_events_only(
    owner_client: Client, channel: LineChannel, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deliver(Client(), channel, event("follow"), text("สวัสดี"))
    other = MembershipFactory()
    LineWebhookEvent.objects.create(
        workspace=other.workspace, webhook_event_id="THEIRS", event_type="postback",
        occurred_at=channel.updated_at,
    )  # fmt: skip
    html = owner_client.get("/settings/line/events/").content.decode()
    assert html.count("<tr>") == 3  # header + two events
    assert "postback" not in html
    filtered = owner_client.get("/settings/line/events/?status=failed").content.decode()
    assert filtered.count("<tr>") == 0 and "No events with this status" in filtered


def test_customer_page_makes_a_link_code(
    owner_client: Client, owner: Actor, channel: LineChannel
) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    page = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/customers/{customer.pk}/line-code/" in page
    response = owner_client.post(f"/customers/{customer.pk}/line-code/", follow=True)
    code = LineLinkCode.objects.get(customer=customer)
    assert code.code in response.content.decode()
    # Another shop's customer: 404.
    theirs = CustomerFactory()
    assert owner_client.post(f"/customers/{theirs.pk}/line-code/").status_code == 404


def test_no_line_panel_before_a_channel_exists(owner_client: Client, owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    assert "line-code" not in owner_client.get(f"/customers/{customer.pk}/").content.decode()


def test_the_line_panel_reads_the_accounts_from_the_page_s_contacts(
    owner: Actor, channel: LineChannel, django_assert_num_queries: Any
) -> None:
    customer = CustomerFactory(workspace=owner.workspace, contacts=[("phone", "0812345678")])
    ContactPointFactory(customer=customer, kind="line", value="U" + "a" * 32)
    ContactPointFactory(customer=customer, kind="line", value="U" + "b" * 32, is_primary=True)
    main_first = ["U" + "b" * 32, "U" + "a" * 32]
    assert line_link_state(actor=owner, customer=customer).line_user_ids == main_first
    on_the_page = customer_profile_get(actor=owner, customer_id=customer.pk)
    with django_assert_num_queries(2):  # the live link codes and the channel, not the contacts
        state = line_link_state(actor=owner, customer=on_the_page)
    assert state.line_user_ids == main_first and state.channel_ready


def test_api_get_and_put_keep_secrets_write_only(api_rw: ApiClient, api_ro: ApiClient) -> None:
    assert api_rw.get("/api/v1/messaging/line").json()["configured"] is False
    put = api_rw.request(
        "PUT", "/api/v1/messaging/line",
        {"channel_id": "1650000000", "channel_secret": SECRET, "channel_access_token": TOKEN},
    )  # fmt: skip
    assert put.status_code == 200
    body = put.json()
    assert body["channel_secret"] == f"••••{SECRET[-4:]}"
    assert SECRET not in put.content.decode() and TOKEN not in put.content.decode()
    assert body["webhook_url"].startswith("http://testserver/hooks/line/")
    bad = api_rw.request("PUT", "/api/v1/messaging/line", {"channel_secret": "zz"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_channel_secret"
    assert api_ro.request("PUT", "/api/v1/messaging/line", {"channel_id": "1"}).status_code in (
        401, 403,
    )  # fmt: skip
    assert api_ro.get("/api/v1/messaging/line").json()["configured"] is True


def test_line_events_read_on_the_customer_timeline(
    owner_client: Client, channel: LineChannel, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deliver(Client(), channel, event("follow"), text("มีสีชมพูไหมคะ"))
        deliver(Client(), channel, event("postback", postback={"data": "menu=promo"}))
    customer_id = LineWebhookEvent.objects.exclude(customer=None).first().customer_id  # type: ignore[union-attr]
    html = owner_client.get(f"/customers/{customer_id}/timeline/").content.decode()
    for shown in ("Added the shop on LINE", "New customer from LINE", "LINE message received",
                  "มีสีชมพูไหมคะ", "LINE button tapped", "menu=promo"):  # fmt: skip
        assert shown in html, shown
