"""The service-desk pages: queue tabs and badges, a ticket page with its actions, the new-ticket
form, canned replies, the customer panel, the menu entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor
from samphan.service.models import Ticket, TicketMessage, TicketStatus
from samphan.service.services import ticket_create
from samphan.service.sla.models import SlaPolicy

pytestmark = pytest.mark.django_db


def test_menu_has_service(owner_client: Client) -> None:
    html = owner_client.get(reverse("web:dashboard")).content.decode()
    assert f'href="{reverse("service:queue")}"' in html
    assert "บริการ" in html


def test_queue_tabs_and_badges(owner_client: Client, owner: Actor, policy: SlaPolicy) -> None:
    late = ticket_create(
        actor=owner, subject="กล่องบุบมาก", opened_at=timezone.now() - dt.timedelta(hours=2)
    )
    soon = ticket_create(actor=owner, subject="ขอเปลี่ยนไซซ์รองเท้า")
    html = owner_client.get(reverse("service:queue")).content.decode()
    assert "กล่องบุบมาก" in html and "ขอเปลี่ยนไซซ์รองเท้า" in html
    assert 'class="badge breached"' in html and 'class="badge soon"' in html
    assert 'class="cards"' in html  # a card per ticket on a phone
    soon_only = owner_client.get(reverse("service:queue") + "?view=breaching_soon")
    assert "ขอเปลี่ยนไซซ์รองเท้า" in soon_only.content.decode()
    assert "กล่องบุบมาก" not in soon_only.content.decode()
    breached = owner_client.get(reverse("service:queue") + "?view=breached").content.decode()
    assert "กล่องบุบมาก" in breached and "ขอเปลี่ยนไซซ์รองเท้า" not in breached
    assert late.pk != soon.pk


def test_new_ticket_page(owner_client: Client, owner: Actor) -> None:
    assert owner_client.get(reverse("service:ticket_new")).status_code == 200
    response = owner_client.post(
        reverse("service:ticket_new"),
        {
            "subject": "สินค้าชำรุด",
            "body": "ขาโต๊ะหัก",
            "ticket_type": "complaint",
            "channel": "phone",
            "priority": "high",
            "phone": "0812345678",
            "name": "สมศรี",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{ticket.pk}/")
    assert ticket.customer is not None and ticket.channel == "phone"


def test_ticket_page_reply_note_status_and_timeline(
    owner_client: Client, owner: Actor, policy: SlaPolicy
) -> None:
    ticket = ticket_create(actor=owner, subject="ของไม่ครบ", phone="0812345678", body="ขาดหนึ่งชิ้น")
    url = reverse("service:ticket", kwargs={"ticket_id": ticket.pk})
    html = owner_client.get(url).content.decode()
    assert "ของไม่ครบ" in html and 'id="first-response-due"' in html
    assert 'class="timeline"' in html  # the customer's timeline beside the ticket
    owner_client.post(
        reverse("service:ticket_reply", kwargs={"ticket_id": ticket.pk}),
        {"body": "ขอโทษค่ะ จะส่งเพิ่มให้", "mode": "reply"},
    )
    owner_client.post(
        reverse("service:ticket_reply", kwargs={"ticket_id": ticket.pk}),
        {"body": "ลูกค้า VIP", "mode": "note"},
    )
    owner_client.post(
        reverse("service:ticket_status", kwargs={"ticket_id": ticket.pk}),
        {"status": "waiting", "reason": "รอที่อยู่"},
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING and ticket.first_responded_at is not None
    assert TicketMessage.objects.filter(ticket=ticket, kind="note").count() == 1
    html = owner_client.get(url).content.decode()
    assert "รอที่อยู่" in html and 'id="pauses"' in html


def test_canned_reply_fills_the_reply_box(owner_client: Client, owner: Actor) -> None:
    owner_client.post(
        reverse("service:canned"),
        {"form": "canned", "title": "ขอโทษ", "body": "เรียนคุณ {{ name }} ร้าน {{ shop }} ขออภัยค่ะ"},
    )
    ticket = ticket_create(actor=owner, subject="เรื่อง", phone="0812345678", name="มานี")
    from samphan.service.models import CannedReply

    canned = CannedReply.objects.get()
    html = owner_client.get(
        reverse("service:ticket", kwargs={"ticket_id": ticket.pk}) + f"?canned={canned.pk}"
    ).content.decode()
    assert f"เรียนคุณ มานี ร้าน {owner.workspace.name} ขออภัยค่ะ" in html
    bad = owner_client.post(
        reverse("service:canned"), {"form": "canned", "title": "ผิด", "body": "{{ nope }}"}
    )
    assert bad.status_code == 422 and "nope" in bad.content.decode()


def test_customer_page_panel(owner_client: Client, owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="ถามเรื่องไซซ์", phone="0812345678")
    html = owner_client.get(
        reverse("customers:detail", kwargs={"customer_id": ticket.customer_id})
    ).content.decode()
    assert 'id="panel-service"' in html and "ถามเรื่องไซซ์" in html


def test_marketer_cannot_open_the_queue(client: Client) -> None:
    from tests.factories import MembershipFactory

    member = MembershipFactory(role="marketer")
    client.force_login(member.user)
    assert client.get(reverse("service:queue")).status_code == 403
