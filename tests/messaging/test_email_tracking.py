"""Campaign email through a real SMTP exchange (a local aiosmtpd server): the text and HTML
parts, the one-click unsubscribe header, the open pixel and the tracked links, and the opens
and clicks they record (once), in the campaign's counts."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.messaging import tracking
from samphan.messaging.campaign_selectors import delivery_counts
from samphan.messaging.campaigns import campaign_create, campaign_send
from samphan.messaging.models import Campaign, Delivery
from tests.conftest import ApiClient
from tests.messaging.campaign_helpers import member, no_quiet_hours

pytestmark = pytest.mark.django_db
BASE = "https://shop.samphan.test"
TEXT = (
    "สวัสดีคุณ{{ name }}\n"
    "ลด 20% ที่ https://shop.example/sale?src=mail&x=1 วันนี้\n"
    "ดูเมนู https://shop.example/menu. และคูปอง https://shop.example/c/{{ name }}"
)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[_Inbox]:
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def _send(owner: Actor, django_capture_on_commit_callbacks: Any, n: int = 1) -> Campaign:
    no_quiet_hours(owner)
    customers = [
        member(owner, line=False, email=f"reader{i}@example.com", consent=("marketing_email",))
        for i in range(n)
    ]
    campaign = campaign_create(
        actor=owner,
        name="โปรอีเมล",
        channel="email",
        text=TEXT,
        subject="โปรสำหรับคุณ{{ name }}",
        customer_ids=[c.pk for c in customers],
        control_percent=0,
        link_base=BASE,
    )
    with django_capture_on_commit_callbacks(execute=True):
        campaign_send(actor=owner, campaign_id=campaign.pk)
    return campaign


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _path(url: str) -> str:
    assert url.startswith(BASE)
    return url[len(BASE) :]


def test_a_message_has_text_and_html_parts_an_open_pixel_and_tracked_links(
    owner: Actor, smtp: _Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _send(owner, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(campaign=campaign)
    assert delivery.status == "sent" and delivery.opened_at is None
    [message] = smtp.messages
    assert message.get_content_type() == "multipart/alternative"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(message["List-Unsubscribe"]).strip().startswith(f"<{BASE}/u/")
    text, html = _parts(message)
    # The campaign's own links are this recipient's tracked links, in both parts.
    assert "https://shop.example/sale" not in text and "https://shop.example/menu" not in text
    tracked = re.findall(re.escape(BASE) + r"/m/c/[^/\s\"]+/", text)
    assert tracked == [
        tracking.click_url(BASE, delivery.pk, 0),
        tracking.click_url(BASE, delivery.pk, 1),
    ]
    assert "/m/c/" in text.split("ดูเมนู")[1] and ". และคูปอง" in text  # punctuation kept
    # A link with a personal field is not the campaign's: left as it was rendered.
    customer = delivery.customer
    assert f"https://shop.example/c/{customer.first_name}" in text
    for url in tracked:
        assert f'<a href="{url}">' in html
    assert "<br>" in html  # line breaks kept
    pixel = tracking.open_url(BASE, delivery.pk)
    assert f'<img src="{pixel}" width="1" height="1" alt="">' in html
    assert re.fullmatch(re.escape(BASE) + r"/m/o/[^/]+\.gif", pixel)
    assert "/u/" in text  # the unsubscribe link in the text's footer, not tracked


def test_the_pixel_records_the_first_open_once(
    owner: Actor, smtp: _Inbox, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _send(owner, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(campaign=campaign)
    pixel = _path(tracking.open_url(BASE, delivery.pk))
    response = client.get(pixel)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a") and "no-store" in response["Cache-Control"]
    delivery.refresh_from_db()
    first = delivery.opened_at
    assert first is not None and delivery.clicked_at is None
    assert client.get(pixel).status_code == 200
    delivery.refresh_from_db()
    assert delivery.opened_at == first  # the first open is kept
    counts = delivery_counts(campaign)
    assert counts["opened"] == 1 and counts["clicked"] == 0 and counts["sent"] == 1


def test_a_click_redirects_to_the_campaigns_link_and_records_click_and_open(
    owner: Actor, smtp: _Inbox, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _send(owner, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(campaign=campaign)
    link = _path(tracking.click_url(BASE, delivery.pk, 0))
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example/sale?src=mail&x=1"
    delivery.refresh_from_db()
    assert delivery.clicked_at is not None and delivery.opened_at == delivery.clicked_at
    first = delivery.clicked_at
    second = client.get(_path(tracking.click_url(BASE, delivery.pk, 1)))
    assert second.status_code == 302 and second["Location"] == "https://shop.example/menu"
    delivery.refresh_from_db()
    assert delivery.clicked_at == first
    counts = delivery_counts(campaign)
    assert counts["opened"] == 1 and counts["clicked"] == 1


def test_a_bad_or_tampered_token_is_404_and_records_nothing(
    owner: Actor, smtp: _Inbox, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = _send(owner, django_capture_on_commit_callbacks, n=2)
    one, other = Delivery.objects.filter(campaign=campaign).order_by("pk")
    click = _path(tracking.click_url(BASE, one.pk, 0))
    pixel = _path(tracking.open_url(BASE, one.pk))
    payload, signature = click.split("/")[-2].split(":")
    # The other recipient's id (or another link's index) with this recipient's signature.
    forged = click.replace(payload, tracking._sign([other.pk, 0], "x").split(":")[0])
    bad = [
        click[:-3] + "xx/",
        forged,
        "/m/c/WzEsMF0/",
        "/m/c/" + "a" * 300 + "/",
        "/m/c/.eJyLNjIwMDAAAAXhAV0:" + signature + "/",
        pixel[:-8] + "xxxx.gif",
        "/m/o/MTIz.gif",
        # A genuine click token is no open token (a salt per purpose), and the reverse.
        "/m/o/" + click.split("/")[-2] + ".gif",
        "/m/c/" + pixel.split("/")[-1][: -len(".gif")] + "/",
        # Signed by us, but no such link in the campaign.
        _path(tracking.click_url(BASE, one.pk, 7)),
        _path(tracking.click_url(BASE, 10**9, 0)),
    ]
    for path in bad:
        response = client.get(path)
        assert response.status_code == 404, path
        assert not response.has_header("Location")
    assert not Delivery.objects.filter(campaign=campaign, opened_at__isnull=False).exists()
    assert not Delivery.objects.filter(campaign=campaign, clicked_at__isnull=False).exists()


def test_the_api_and_the_page_count_opens_and_clicks(
    owner: Actor,
    smtp: _Inbox,
    owner_client: Client,
    api_rw: ApiClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    campaign = _send(owner, django_capture_on_commit_callbacks, n=3)
    first, second, _third = Delivery.objects.filter(campaign=campaign).order_by("pk")
    assert len(smtp.messages) == 3
    owner_client.get(_path(tracking.open_url(BASE, first.pk)))
    owner_client.get(_path(tracking.click_url(BASE, second.pk, 1)))
    data = api_rw.get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert data["counts"]["sent"] == 3
    assert data["counts"]["opened"] == 2 and data["counts"]["clicked"] == 1
    page = owner_client.get(reverse("messaging:campaign_detail", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'data-status="opened"><strong>2</strong>', html)
    assert re.search(r'data-status="clicked"><strong>1</strong>', html)


def test_links_track_leaves_other_addresses_alone() -> None:
    links = ["https://a.example/x"]
    text = "ไป https://a.example/x, หรือ https://a.example/xy และ https://a.example/x"
    out = tracking.links_track(text, links, link_base=BASE, delivery_id=5)
    url = tracking.click_url(BASE, 5, 0)
    assert out == f"ไป {url}, หรือ https://a.example/xy และ {url}"
    assert tracking.links_track("ไม่มีลิงก์", [], link_base=BASE, delivery_id=5) == "ไม่มีลิงก์"


def test_variant_b_links_are_tracked_after_the_others() -> None:
    campaign = Campaign(
        text="ดู https://a.example/a",
        text_en="see https://a.example/a",
        text_b="https://b.example/b",
    )
    assert tracking.campaign_links(campaign) == ["https://a.example/a", "https://b.example/b"]
