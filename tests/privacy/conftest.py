"""A person the shop holds everything on: profile, contacts (phone, email, LINE, Shopee), an
address, consents with evidence, a pinned note, an interaction and a follow-up, tags, a
duplicate record merged into them, orders, analytics scores, a segment list, an import file
and report that name them, audit entries, a request, a failed delivery."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from samphan.analytics.models import CustomerMetrics
from samphan.core.access import Actor
from samphan.core.audit import audit_record
from samphan.core.models import Workspace
from samphan.customers import address_services, consent_services, contact_services
from samphan.customers import interaction_services as interactions
from samphan.customers.merge import customer_merge
from samphan.customers.models import ContactPoint, Customer
from samphan.customers.services import tag_set
from samphan.imports.models import ImportJob, ImportKind, ImportStatus
from samphan.privacy.models import PrivacySettings
from samphan.privacy.requests import request_create
from samphan.segments.models import Segment, SegmentMember, SegmentSnapshot
from samphan.timeline.models import SubscriberFailure
from tests.factories import CustomerFactory, OrderFactory

# Every value below identifies the person; none may be left anywhere after erasure.
SENTINELS = {
    "first_name": "สมปองพิเศษ",
    "last_name": "ทองคำดีเลิศ",
    "nickname": "ปองปอง",
    "phone": "+66813596920",
    "phone_dup": "+66899991111",
    "email": "sompong.k@example.com",
    "line": "U4af4980629e1d2f3a4b5c6d7e8f90123",
    "shopee": "sompong_shop",
    "shopee_name": "ส****งพ",
    "address": "99/9 ซอยลับสุดยอด",
    "note": "แพ้ถั่วลิสงอย่างรุนแรง",
    "summary": "โทรคุยเรื่องผ่อนชำระบ้าน",
    "pain": "ไม่พอใจการจัดส่งล่าช้า",
    "evidence": "ลงชื่อในแบบฟอร์มกระดาษเลขที่ 4471",
    "followup": "โทรกลับเรื่องใบกำกับภาษีคุณสมปอง",
    "custom": "MEMBER-7788-XYZ",
    "birthday": "1985-04-12",
    "tag": "แพ้อาหารพิเศษ",
    "requester": "คุณสมปองพิเศษ ทองคำดีเลิศ (ลูกชาย)",
}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@dataclass
class Person:
    workspace: Workspace
    actor: Actor
    customer: Customer
    duplicate_id: int
    job: ImportJob
    other_job: ImportJob


def make_person(owner: Actor, *, orders_placed_at: dt.datetime | None = None) -> Person:
    s = SENTINELS
    ws = owner.workspace
    PrivacySettings.objects.update_or_create(workspace=ws, defaults={"tax_record_years": 5})
    customer = CustomerFactory(
        workspace=ws,
        first_name=s["first_name"],
        last_name=s["last_name"],
        nickname=s["nickname"],
        contacts=[("phone", "081-359-6920")],
        birthday=dt.date(1985, 4, 12),
        custom_fields={"member_no": s["custom"]},
        province="เชียงใหม่",
    )
    cid = customer.pk
    contact_services.contact_add(actor=owner, customer_id=cid, kind="email", value=s["email"])
    contact_services.contact_add(actor=owner, customer_id=cid, kind="line", value=s["line"])
    contact_services.contact_add(actor=owner, customer_id=cid, kind="shopee", value=s["shopee"])
    ContactPoint.objects.filter(customer=customer, kind="shopee").update(
        display_name=s["shopee_name"]
    )
    address_services.address_add(
        actor=owner, customer_id=cid, line=s["address"], province="เชียงใหม่", postcode="50200"
    )
    consent_services.consent_record(
        actor=owner,
        customer_id=cid,
        purpose="marketing_line",
        granted=True,
        source="paper_form",
        evidence=s["evidence"],
    )
    interactions.note_add(actor=owner, customer_id=cid, text=s["note"], pin=True)
    interactions.interaction_log(
        actor=owner, customer_id=cid, kind="call", summary=s["summary"], pain_points=s["pain"]
    )
    interactions.followup_create(
        actor=owner,
        customer_id=cid,
        title=s["followup"],
        due_at=timezone.now() + dt.timedelta(days=2),
    )
    tag_set(actor=owner, customer_id=cid, names=[s["tag"]])
    # The same person entered twice, then merged.
    duplicate = CustomerFactory(
        workspace=ws,
        first_name=s["first_name"],
        last_name=s["last_name"],
        contacts=[("phone", "089-999-1111")],
    )
    customer_merge(actor=owner, survivor_id=cid, merged_id=duplicate.pk)
    placed = orders_placed_at or timezone.now() - dt.timedelta(days=365 * 7)
    OrderFactory(workspace=ws, customer=customer, placed_at=placed, total_satang=45000)
    OrderFactory(workspace=ws, customer=customer, placed_at=placed, total_satang=12000)
    CustomerMetrics.objects.create(
        workspace=ws, customer=customer, computed_at=timezone.now(), orders=2, r_score=3
    )
    segment = Segment.objects.create(workspace=ws, name="ลูกค้าประจำ")
    snapshot = SegmentSnapshot.objects.create(
        workspace=ws, segment=segment, computed_at=timezone.now(), size=1
    )
    SegmentMember.objects.create(snapshot=snapshot, customer=customer)
    # An uploaded file and its report name them; another file does not.
    job = ImportJob(
        workspace=ws,
        kind=ImportKind.CUSTOMERS,
        original_name="ลูกค้า.csv",
        sha256="x" * 64,
        status=ImportStatus.DONE,
        report={
            "errors": [{"line": 3, "column": "อีเมล", "code": "bad", "value": s["email"]}],
            "outcomes": {"rows": [{"line": 2, "label": "x", "action": "match",
                                   "existing": {"id": cid, "label": s["first_name"]}}]},
        },
    )  # fmt: skip
    job.file.save(
        "people.csv",
        ContentFile(
            "ชื่อ,นามสกุล,เบอร์\n"
            f"{s['first_name']},{s['last_name']},081-359-6920\nสมศรี,ใจงาม,082-000-0000\n".encode()
        ),
    )
    other_job = ImportJob(
        workspace=ws,
        kind=ImportKind.CUSTOMERS,
        original_name="others.csv",
        sha256="y" * 64,
        status=ImportStatus.DONE,
    )
    other_job.file.save("others.csv", ContentFile("ชื่อ,เบอร์\nสมศรี,082-000-0000\n".encode()))
    audit_record(
        action="customers.exported",
        workspace=ws,
        actor=owner.user,
        target="1 customers",
        data={"count": 1, "format": "csv", "filters": {"q": "0813596920"}},
    )
    request_create(
        actor=owner,
        kind="erasure",
        received_on=timezone.localdate(),
        customer_id=cid,
        requester_name=s["requester"],
        requester_contact=s["email"],
        details=f"ขอให้ลบข้อมูลของ {s['first_name']}",
    )
    SubscriberFailure.objects.create(
        subscriber="x.y",
        workspace=ws,
        event_types=["contact.added"],
        messages=[{"type": "contact.added", "workspace_id": ws.pk, "customer_id": cid,
                   "payload": {"kind": "phone", "value": s["phone"]}}],
        error=f"boom {s['phone']}",
    )  # fmt: skip
    customer.refresh_from_db()
    return Person(
        workspace=ws,
        actor=owner,
        customer=customer,
        duplicate_id=duplicate.pk,
        job=job,
        other_job=other_job,
    )


@pytest.fixture
def person(owner: Actor, media: Path) -> Person:
    return make_person(owner)
