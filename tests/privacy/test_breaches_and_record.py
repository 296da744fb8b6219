"""Breach reminders (the regulator's 72 hours, the people when the risk is high) and the record
of processing generated from the shop's settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from samphan.commerce.models import ChannelKind, SalesChannel
from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.models import AuditLog
from samphan.core.roles import Role
from samphan.privacy.breaches import (
    breach_close,
    breach_dues,
    breach_record,
    breach_reminders_send,
    breach_update,
)
from samphan.privacy.ropa import processing_record, processing_record_csv
from samphan.privacy.services import privacy_settings_update
from samphan.privacy.tasks import breach_reminders_task
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_regulator_notice_is_due_72_hours_after_it_was_found(owner: Actor) -> None:
    found = timezone.now() - dt.timedelta(hours=10)
    breach = breach_record(actor=owner, data={"title": "อีเมลหลุด", "found_at": found})
    assert breach.regulator_due_at == found + dt.timedelta(hours=72)
    [due] = breach_dues(breach)
    assert due.code == "regulator" and not due.late
    later = breach_dues(breach, now=found + dt.timedelta(hours=73))
    assert later[0].late
    with pytest.raises(ApplicationError):
        breach_close(actor=owner, breach_id=breach.pk)  # not assessed
    breach_update(actor=owner, breach_id=breach.pk, data={"risk": "none"})
    assert breach_close(actor=owner, breach_id=breach.pk).closed_at is not None
    with pytest.raises(ApplicationError):
        breach_record(
            actor=owner, data={"title": "x", "found_at": timezone.now() + dt.timedelta(days=1)}
        )


def test_reminders_go_to_owners_and_managers_while_a_notice_is_due(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    manager = MembershipFactory(workspace=owner.workspace, role=Role.MANAGER)
    MembershipFactory(workspace=owner.workspace, role=Role.STAFF)
    now = timezone.now()
    # Found 60 hours ago: due within the day.
    soon = breach_record(
        actor=owner, data={"title": "แล็ปท็อปหาย", "found_at": now - dt.timedelta(hours=60)}
    )
    # Found an hour ago, risk not high: nothing to remind yet.
    breach_record(actor=owner, data={"title": "ยังไม่ด่วน", "found_at": now - dt.timedelta(hours=1)})
    # High risk: the people must be told, without delay.
    high = breach_record(actor=owner, data={"title": "ฐานข้อมูลรั่ว",
                         "found_at": now - dt.timedelta(hours=1), "risk": "high"})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):  # mail leaves after the commit
        assert breach_reminders_task() == 2
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([owner.user.email, manager.user.email] * 2)  # type: ignore[union-attr]
    assert AuditLog.objects.filter(action="privacy.breach_reminder").count() == 2
    # Not again within 12 hours; again after.
    assert breach_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    assert breach_reminders_send(now=now + dt.timedelta(hours=13)) == 2
    # Once notified, no more reminders.
    breach_update(
        actor=owner, breach_id=soon.pk, data={"risk": "risk", "regulator_notified_at": now}
    )
    breach_update(actor=owner, breach_id=high.pk, data={"regulator_notified_at": now,
                                                        "people_notified_at": now})  # fmt: skip
    assert breach_reminders_send(now=now + dt.timedelta(hours=30)) == 0


def test_the_record_of_processing_follows_the_settings(owner: Actor) -> None:
    SalesChannel.objects.create(workspace=owner.workspace, kind=ChannelKind.SHOPEE, name="Shopee")
    privacy_settings_update(
        actor=owner,
        data={"tax_record_years": 7, "inactive_action": "anonymise", "inactive_years": 3,
              "import_files_days": 30, "recipients": "Flash Express", "security_measures": "=HYPERLINK(1)"},
    )  # fmt: skip
    with translation.override("en"):
        record = processing_record(actor=owner)
    assert record.controller == owner.workspace.name
    by_name = {a.name: a for a in record.activities}
    sales = by_name["Customer records and sales"]
    assert "Shopee (sales channel)" in sales.recipients and "Flash Express" in sales.recipients
    assert "3" in sales.retention and "Orders" in sales.categories
    assert "7" in by_name["Tax and accounting records"].retention
    assert "30" in by_name["Imported files"].retention
    assert "Marketing by LINE" in by_name
    csv_text = processing_record_csv(record)
    assert "'=HYPERLINK(1)" in csv_text and ",=HYPERLINK" not in csv_text  # not a formula
