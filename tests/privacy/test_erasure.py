"""Export, erase, export again: nothing personal is left, anywhere in the database or in the
stored files; order amounts stay; a tombstone, an event and an audit entry stay."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from samphan.commerce.models import Order
from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.models import AuditLog
from samphan.customers.models import Customer
from samphan.imports.models import ImportJob
from samphan.privacy.models import DataSubjectRequest, ErasureRecord, PrivacySettings
from samphan.privacy.services import customer_erase, customer_export
from samphan.timeline.models import TimelineEvent
from tests.privacy.conftest import SENTINELS, Person, make_person

PHONE_FORMS = ("0813596920", "081-359-6920", "813596920", "0899991111")


def _needles() -> list[str]:
    return [v.casefold() for v in SENTINELS.values()] + list(PHONE_FORMS)


def _found_in(text: str) -> list[str]:
    folded = text.casefold()
    return [n for n in _needles() if n in folded]


def _database_text() -> str:
    """Every row of every model, as text."""
    chunks = []
    for model in apps.get_models():
        for row in model._default_manager.all().values():
            chunks.append(f"{model._meta.label} {json.dumps(row, default=str, ensure_ascii=False)}")
    return "\n".join(chunks)


def _files_text(media: Path) -> str:
    return "\n".join(p.read_text(errors="ignore") for p in media.rglob("*") if p.is_file())


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False)


@pytest.mark.django_db
def test_the_export_holds_everything_from_every_part(person: Person) -> None:
    document = customer_export(actor=person.actor, customer_id=person.customer.pk)
    text = _dump(document).casefold()
    assert [k for k, v in SENTINELS.items() if v.casefold() not in text] == []
    assert document["format"] == "samphan.personal-data/1"
    assert set(document["records"]) == {person.customer.pk, person.duplicate_id}
    parts = document["parts"]
    assert len(parts["commerce.orders"]["data"]) == 2
    assert parts["imports.files"]["data"][0]["file_mentions_person"] is True
    assert [i["import_id"] for i in parts["imports.files"]["data"]] == [person.job.pk]
    assert AuditLog.objects.filter(action="privacy.exported").count() == 1


@pytest.mark.django_db
def test_export_erase_export_again_leaves_nothing_personal(
    person: Person, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    ws = person.workspace
    before = _dump(customer_export(actor=person.actor, customer_id=person.customer.pk))
    assert _found_in(before)
    assert _found_in(_database_text())
    revenue = sum(Order.objects.filter(workspace=ws).values_list("total_satang", flat=True))

    request = DataSubjectRequest.objects.get(workspace=ws)
    with django_capture_on_commit_callbacks(execute=True):  # files leave storage on commit
        record = customer_erase(
            actor=person.actor,
            customer_id=person.customer.pk,
            request_id=request.pk,
            reason=f"คำขอของ {SENTINELS['first_name']} ทางโทรศัพท์ 081-359-6920",
        )

    after = _dump(customer_export(actor=person.actor, customer_id=person.customer.pk))
    assert _found_in(after) == []
    assert _found_in(_database_text()) == []
    assert _found_in(_files_text(media)) == []
    # The file that named them is gone; the import's record stays; the other file stays.
    person.job.refresh_from_db()
    assert person.job.file.name == "" and "file_deleted_at" in person.job.report
    assert ImportJob.objects.get(pk=person.other_job.pk).file.name
    # Totals stay true: the orders and their amounts are still there.
    assert sum(Order.objects.filter(workspace=ws).values_list("total_satang", flat=True)) == revenue
    assert Order.objects.filter(customer=person.customer).count() == 2
    # The tombstone: date and reason (their name and phone swept out of it).
    assert record.customer_ref == person.customer.pk
    assert record.reason == "คำขอของ ••• ทางโทรศัพท์ •••"
    assert record.erased_at <= timezone.now()
    assert TimelineEvent.objects.filter(customer=person.customer, type="customer.erased").exists()
    assert AuditLog.objects.filter(action="privacy.erased", target=f"customer:{person.customer.pk}")
    # The request that asked for it is closed, kept as a case without who asked.
    request.refresh_from_db()
    assert request.status == "done" and request.requester_name == ""
    assert [e.action for e in request.log.all()] == ["received", "erased", "status"]
    customer = Customer.objects.get(pk=person.customer.pk)
    assert customer.display_name == f"#{customer.pk}"


@pytest.mark.django_db
def test_erasure_is_blocked_while_the_tax_record_period_holds(owner: Actor, media: Path) -> None:
    person = make_person(owner, orders_placed_at=timezone.now() - dt.timedelta(days=400))
    with pytest.raises(ApplicationError) as exc:
        customer_erase(actor=owner, customer_id=person.customer.pk, reason="asked")
    assert exc.value.code == "legal_hold" and exc.value.status == 409
    assert "5" in exc.value.message and exc.value.details["reason"] == "tax_records"
    assert not ErasureRecord.objects.exists()
    assert Customer.objects.get(pk=person.customer.pk).first_name == SENTINELS["first_name"]
    # A shop that sets no tax period may erase.
    PrivacySettings.objects.filter(workspace=owner.workspace).update(tax_record_years=0)
    customer_erase(actor=owner, customer_id=person.customer.pk, reason="asked")


@pytest.mark.django_db
def test_erasure_needs_a_reason_and_happens_once(person: Person) -> None:
    with pytest.raises(ApplicationError) as exc:
        customer_erase(actor=person.actor, customer_id=person.customer.pk, reason="  ")
    assert exc.value.code == "reason_required"
    customer_erase(actor=person.actor, customer_id=person.customer.pk, reason="asked")
    with pytest.raises(ApplicationError) as again:
        customer_erase(actor=person.actor, customer_id=person.customer.pk, reason="asked")
    assert again.value.code == "already_erased" and again.value.status == 409
