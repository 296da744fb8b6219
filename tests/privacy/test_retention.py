"""Retention: the dry run says what the policy would do and changes nothing; the nightly run
acts only once switched on after its dry run, and then does what the dry run said."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from samphan.commerce.models import Order
from samphan.core.access import Actor
from samphan.core.models import AuditLog
from samphan.customers.models import ContactPoint, Customer
from samphan.imports.models import ImportJob, ImportKind, ImportStatus
from samphan.privacy.models import ErasureRecord, PrivacySettings, RetentionRun
from samphan.privacy.retention import retention_enable, retention_plan, retention_run_all
from samphan.privacy.services import privacy_settings_update
from samphan.privacy.tasks import retention_run_all_task
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LONG_AGO = NOW - dt.timedelta(days=365 * 8)


def _old_customer(owner: Actor, name: str, phone: str) -> Customer:
    customer = CustomerFactory(
        workspace=owner.workspace, first_name=name, contacts=[("phone", phone)], created_at=LONG_AGO
    )
    customer.timeline.update(occurred_at=LONG_AGO)
    return customer


@pytest.fixture
def shop(owner: Actor, media: Path) -> dict[str, Any]:
    """Five customers: two long inactive, one inactive but with an order inside the tax period
    when that period is long, one with a recent order, one with a recent note; and uploads."""
    inactive = _old_customer(owner, "ลืมไปนาน", "081-111-1111")
    inactive_buyer = _old_customer(owner, "ซื้อนานมาก", "081-222-2222")
    OrderFactory(workspace=owner.workspace, customer=inactive_buyer, placed_at=LONG_AGO)
    Customer.objects.filter(pk=inactive_buyer.pk).update(last_order_at=LONG_AGO)
    inactive_buyer.timeline.update(occurred_at=LONG_AGO)
    held = _old_customer(owner, "ซื้อเมื่อหกปี", "081-333-3333")
    six_years = NOW - dt.timedelta(days=365 * 6)
    OrderFactory(workspace=owner.workspace, customer=held, placed_at=six_years)
    Customer.objects.filter(pk=held.pk).update(last_order_at=six_years)
    held.timeline.update(occurred_at=LONG_AGO)
    recent_order = _old_customer(owner, "เพิ่งซื้อ", "081-444-4444")
    OrderFactory(workspace=owner.workspace, customer=recent_order, placed_at=NOW)
    recent_note = _old_customer(owner, "เพิ่งคุย", "081-555-5555")
    TimelineEvent.objects.create(
        workspace=owner.workspace, customer=recent_note, type="note.added", occurred_at=NOW,
        payload={"text": "คุยทางไลน์", "pinned": False},
    )  # fmt: skip
    old_upload = ImportJob(workspace=owner.workspace, kind=ImportKind.CUSTOMERS,
                           original_name="old.csv", sha256="a" * 64, status=ImportStatus.DONE)  # fmt: skip
    old_upload.file.save("old.csv", ContentFile(b"name\nx\n"))
    abandoned = ImportJob(workspace=owner.workspace, kind=ImportKind.CUSTOMERS,
                          original_name="abandoned.csv", sha256="b" * 64,
                          status=ImportStatus.PREVIEWED)  # fmt: skip
    abandoned.file.save("abandoned.csv", ContentFile(b"name\ny\n"))
    fresh = ImportJob(workspace=owner.workspace, kind=ImportKind.CUSTOMERS,
                      original_name="fresh.csv", sha256="c" * 64, status=ImportStatus.DONE)  # fmt: skip
    fresh.file.save("fresh.csv", ContentFile(b"name\nz\n"))
    ImportJob.objects.filter(pk__in=[old_upload.pk, abandoned.pk]).update(
        created_at=NOW - dt.timedelta(days=100)
    )
    return {
        "inactive": [inactive, inactive_buyer],
        "held": held,
        "active": [recent_order, recent_note],
        "old_upload": old_upload,
        "abandoned": abandoned,
        "fresh": fresh,
    }


def _policy(owner: Actor, **data: Any) -> None:
    privacy_settings_update(actor=owner, data=data)


def test_the_dry_run_lists_what_would_go_and_changes_nothing(
    owner: Actor, shop: dict[str, Any]
) -> None:
    _policy(owner, inactive_action="anonymise", inactive_years=5, tax_record_years=7,
            import_files_days=90)  # fmt: skip
    customers_before = list(Customer.objects.values_list("pk", "first_name").order_by("pk"))
    plan = retention_plan(workspace=owner.workspace, now=NOW)
    assert {c.pk for c in plan.sample} == {c.pk for c in shop["inactive"]}
    assert plan.customers == 2 and plan.held == 1  # an order six years ago, 7-year tax period
    assert plan.files is not None
    assert set(plan.files.files_deleted) == {shop["old_upload"].pk}
    assert set(plan.files.jobs_deleted) == {shop["abandoned"].pk}
    assert plan.files.bytes > 0
    # Nothing changed.
    assert list(Customer.objects.values_list("pk", "first_name").order_by("pk")) == (
        customers_before
    )
    assert ImportJob.objects.count() == 3 and all(j.file.name for j in ImportJob.objects.all())
    assert not ErasureRecord.objects.exists() and not RetentionRun.objects.exists()


def test_a_shorter_tax_period_holds_nobody(owner: Actor, shop: dict[str, Any]) -> None:
    _policy(owner, inactive_action="delete", inactive_years=5, tax_record_years=5)
    plan = retention_plan(workspace=owner.workspace, now=NOW)
    assert plan.customers == 3 and plan.held == 0


def test_nothing_runs_until_switched_on_after_the_dry_run(
    owner: Actor, shop: dict[str, Any]
) -> None:
    _policy(owner, inactive_action="anonymise", inactive_years=5, import_files_days=90)
    assert retention_run_all_task() == 0
    assert not RetentionRun.objects.exists() and not ErasureRecord.objects.exists()
    retention_enable(actor=owner)
    # Changing the policy switches it off again until the new dry run is seen.
    _policy(owner, inactive_years=4)
    assert not PrivacySettings.objects.get(workspace=owner.workspace).retention_enabled
    assert retention_run_all_task() == 0
    assert AuditLog.objects.filter(action="privacy.retention_enabled").count() == 1


def test_anonymise_does_what_the_dry_run_said(
    owner: Actor, shop: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    _policy(owner, inactive_action="anonymise", inactive_years=5, import_files_days=90,
            tax_record_years=7)  # fmt: skip
    plan = retention_plan(workspace=owner.workspace, now=NOW)
    retention_enable(actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run_all(now=NOW) == 1
    run = RetentionRun.objects.get()
    assert run.customers_anonymised == plan.customers == 2
    assert run.customers_held == 1 and run.import_files_deleted == 2 and not run.error
    erased = set(ErasureRecord.objects.values_list("customer_ref", flat=True))
    assert erased == {c.pk for c in shop["inactive"]}
    for customer in shop["inactive"]:
        customer.refresh_from_db()
        assert customer.first_name == "" and not ContactPoint.objects.filter(customer=customer)
    assert Order.objects.filter(customer=shop["inactive"][1]).count() == 1  # amount kept
    for customer in [shop["held"], *shop["active"]]:
        assert Customer.objects.get(pk=customer.pk).first_name == customer.first_name
    # Uploads: the finished import keeps its record, the abandoned one is gone, the fresh stays.
    old = ImportJob.objects.get(pk=shop["old_upload"].pk)
    assert old.file.name == "" and "file_deleted_at" in old.report
    assert not ImportJob.objects.filter(pk=shop["abandoned"].pk).exists()
    assert ImportJob.objects.get(pk=shop["fresh"].pk).file.name
    assert TimelineEvent.objects.filter(type="privacy.retention_ran").count() == 1
    # The next night finds nothing more to do.
    assert retention_plan(workspace=owner.workspace, now=NOW).customers == 0


def test_delete_removes_the_records_and_keeps_the_orders(
    owner: Actor, shop: dict[str, Any]
) -> None:
    _policy(owner, inactive_action="delete", inactive_years=5, tax_record_years=7,
            import_files_days=None)  # fmt: skip
    total = sum(Order.objects.values_list("total_satang", flat=True))
    retention_enable(actor=owner)
    retention_run_all(now=NOW)
    run = RetentionRun.objects.get()
    assert run.customers_deleted == 2 and run.import_files_deleted == 0
    assert not Customer.objects.filter(pk__in=[c.pk for c in shop["inactive"]]).exists()
    assert sum(Order.objects.values_list("total_satang", flat=True)) == total
    assert Order.objects.filter(customer__isnull=True).count() == 1
    assert set(ErasureRecord.objects.values_list("mode", flat=True)) == {"deleted"}
    assert ImportJob.objects.filter(file="").count() == 0  # files kept by this policy
