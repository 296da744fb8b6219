"""Service recovery (a goodwill coupon through the coupons service, recorded on the ticket)
and its report; the privacy part (export and erasure of what a person wrote)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from samphan.core.access import Actor, actor_for_membership
from samphan.core.datasubject import ERASED_MARK, Subject
from samphan.core.errors import ApplicationError
from samphan.loyalty.coupons.models import CouponCode
from samphan.loyalty.coupons.services import campaign_create
from samphan.service.attachments import attachment_add
from samphan.service.models import TicketAttachment, TicketMessage, TicketRecovery
from samphan.service.privacy import tickets_erase, tickets_export
from samphan.service.recovery import recovery_issue, recovery_report
from samphan.service.services import ticket_create, ticket_status_change
from samphan.timeline.models import TimelineEvent
from tests.factories import MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(owner: Actor):  # type: ignore[no-untyped-def]
    return campaign_create(
        actor=owner, name="ขอโทษนะ", kind="value", code_mode="unique", value_satang=10000
    )


def test_goodwill_coupon_for_a_complaint(owner: Actor, campaign) -> None:  # type: ignore[no-untyped-def]
    ticket = ticket_create(
        actor=owner, subject="พนักงานพูดไม่ดี", ticket_type="complaint", phone="0812345678"
    )
    recovery = recovery_issue(actor=owner, ticket_id=ticket.pk, campaign_id=campaign.pk)
    code = CouponCode.objects.get(campaign=campaign)
    assert recovery.code == code.code and code.customer_id == ticket.customer_id
    assert TimelineEvent.objects.filter(
        type="ticket.recovery_issued", customer_id=ticket.customer_id
    ).exists()
    with pytest.raises(ApplicationError) as twice:
        recovery_issue(actor=owner, ticket_id=ticket.pk, campaign_id=campaign.pk)
    assert twice.value.code == "recovery_exists"


def test_only_for_complaints_or_breaches_and_by_managers(owner: Actor, campaign) -> None:  # type: ignore[no-untyped-def]
    question = ticket_create(actor=owner, subject="ถามราคา", phone="0812345678")
    with pytest.raises(ApplicationError) as exc:
        recovery_issue(actor=owner, ticket_id=question.pk, campaign_id=campaign.pk)
    assert exc.value.code == "recovery_not_allowed"
    complaint = ticket_create(
        actor=owner, subject="ช้า", ticket_type="complaint", phone="0811111111"
    )
    support = actor_for_membership(MembershipFactory(workspace=owner.workspace, role="support"))
    with pytest.raises(ApplicationError) as denied:
        recovery_issue(actor=support, ticket_id=complaint.pk, campaign_id=campaign.pk)
    assert denied.value.status == 403


def test_report_counts_customers_who_bought_again(owner: Actor, campaign) -> None:  # type: ignore[no-untyped-def]
    came_back = ticket_create(actor=owner, subject="ก", ticket_type="complaint", phone="0811111111")
    gone = ticket_create(actor=owner, subject="ข", ticket_type="complaint", phone="0822222222")
    untouched = ticket_create(actor=owner, subject="ค", ticket_type="complaint", phone="0833333333")
    recovery_issue(actor=owner, ticket_id=came_back.pk, campaign_id=campaign.pk)
    recovery_issue(actor=owner, ticket_id=gone.pk, campaign_id=campaign.pk)
    later = timezone.now() + dt.timedelta(minutes=1)
    OrderFactory(customer=came_back.customer, placed_at=later)
    OrderFactory(customer=untouched.customer, placed_at=later)
    report = recovery_report(actor=owner)
    assert (report.recovered, report.bought_again) == (2, 1)
    assert (report.not_recovered, report.not_recovered_bought_again) == (1, 1)
    assert report.rate == 0.5


def test_export_and_erase(owner: Actor, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    ticket = ticket_create(
        actor=owner, subject="นางสาวเอ บ้านเลขที่ 5", body="โทรหาเอได้ที่บ้าน", phone="0812345678"
    )
    ticket_status_change(actor=owner, ticket_id=ticket.pk, status="waiting", reason="รอเอส่งรูป")
    attachment = attachment_add(
        actor=owner,
        ticket_id=ticket.pk,
        upload=SimpleUploadedFile("a.txt", "บัตรประชาชนของเอ".encode()),
    )
    path = Path(attachment.file.path)
    assert path.exists()
    subject = Subject(
        workspace_id=owner.workspace.pk,
        customer_id=ticket.customer_id,  # type: ignore[arg-type]
        customer_ids=(ticket.customer_id,),  # type: ignore[arg-type]
    )
    exported = tickets_export(subject)
    assert exported[0]["subject"] == "นางสาวเอ บ้านเลขที่ 5"
    assert exported[0]["messages"][0]["body"] == "โทรหาเอได้ที่บ้าน"
    assert exported[0]["files"][0]["name"] == "a.txt"
    assert tickets_erase([subject]) > 0
    ticket.refresh_from_db()
    assert ticket.subject == ERASED_MARK and ticket.status == "waiting"
    assert set(TicketMessage.objects.values_list("body", flat=True)) == {ERASED_MARK}
    assert not TicketAttachment.objects.exists() and not path.exists()
    assert not ticket.status_changes.exclude(reason__in=("", ERASED_MARK)).exists()
    assert not ticket.pauses.exclude(pause_reason="").exists()
    assert not TicketRecovery.objects.exists()
