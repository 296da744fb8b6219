"""The audit log records imports, consent changes, profile edits and contact removals (from the
customers' domain events, never with the values themselves); a removed contact disappears from
the customer's timeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.core.models import AuditLog
from samphan.customers import consent_services, contact_services
from samphan.customers.models import ContactPoint
from samphan.customers.services import customer_update
from samphan.imports import jobs as imports
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def test_consent_changes_are_audited_without_the_evidence(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="marketing_sms", granted=True,
        source="paper_form", evidence="ลายเซ็นในใบสมัครสมาชิกเลขที่ 99",
    )  # fmt: skip
    entry = AuditLog.objects.get(action="consent.changed")
    assert entry.target == f"customer:{customer.pk}" and entry.actor == owner.user
    assert entry.data == {"customer_id": customer.pk, "purpose": "marketing_sms",
                          "granted": True, "source": "paper_form"}  # fmt: skip


def test_profile_edits_are_audited_by_field_name_only(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace, first_name="เดิม")
    customer_update(actor=owner, customer_id=customer.pk, data={"first_name": "ชื่อใหม่ลับ"})
    entry = AuditLog.objects.get(action="customer.profile_updated")
    assert entry.data["fields"] == ["first_name"]
    assert "ชื่อใหม่ลับ" not in str(entry.data) and "เดิม" not in str(entry.data)


def test_a_removed_contact_is_audited_and_leaves_the_timeline(
    owner: Actor, owner_client: Client
) -> None:
    customer = CustomerFactory(workspace=owner.workspace, contacts=[("phone", "081-359-6920")])
    contact_services.contact_add(
        actor=owner, customer_id=customer.pk, kind="email", value="gone@example.com"
    )
    email = ContactPoint.objects.get(customer=customer, kind="email")
    page = owner_client.get(reverse("customers:timeline", args=[customer.pk])).content.decode()
    assert "gone@example.com" in page
    contact_services.contact_remove(actor=owner, customer_id=customer.pk, contact_id=email.pk)
    entry = AuditLog.objects.get(action="customer.contact_removed")
    assert entry.data == {"customer_id": customer.pk, "kinds": ["email"]}
    for url in (
        reverse("customers:timeline", args=[customer.pk]),
        reverse("customers:detail", args=[customer.pk]),
    ):
        page = owner_client.get(url).content.decode()
        assert "gone@example.com" not in page, url
    assert "gone@example.com" not in str(list(customer.timeline.values_list("payload", flat=True)))
    # The phone that stays still shows.
    assert (
        "081-359-6920"
        in owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    )


def test_an_import_is_audited_once_with_what_it_wrote(
    owner: Actor, monkeypatch: pytest.MonkeyPatch, media: Path
) -> None:
    monkeypatch.setattr(imports, "RUN_EAGER_IN_THREAD", False)
    upload = SimpleUploadedFile("customers.csv", (FIXTURES / "customers.csv").read_bytes())
    job = imports.import_job_create(actor=owner, file=upload, kind="customers")
    imports.import_job_preview(actor=owner, job_id=job.pk)
    imports.import_job_run(actor=owner, job_id=job.pk)
    job = imports.import_job_execute(job_id=job.pk)
    assert job.status == "done", job.report
    [entry] = AuditLog.objects.filter(action="imports.written")
    assert entry.data["events"]["customer.created"] == job.created_count > 0
    assert entry.actor == owner.user
    # One entry for the import, not one per customer or consent.
    assert not AuditLog.objects.filter(action="consent.changed").exists()
