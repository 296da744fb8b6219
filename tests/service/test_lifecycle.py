"""A ticket's life: opened, answered, waiting (clocks paused), resumed by the customer,
resolved, closed, reopened; every step kept with who and why, due times shifted by pauses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.service.models import SlaPause, TicketStatus, TicketStatusChange
from samphan.service.services import (
    ticket_create,
    ticket_note,
    ticket_reply,
    ticket_status_change,
)
from samphan.service.sla.models import SlaPolicy
from samphan.timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db


def _at(ts: dt.datetime):  # type: ignore[no-untyped-def]
    from unittest import mock

    return mock.patch("django.utils.timezone.now", return_value=ts)


T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_open_matches_customer_by_phone_and_sets_due_times(owner: Actor, policy: SlaPolicy) -> None:
    with _at(T0):
        first = ticket_create(
            actor=owner, subject="ของชำรุด", body="กล่องบุบ", phone="081-234-5678", name="สมชาย"
        )
        second = ticket_create(actor=owner, subject="ถามเพิ่ม", phone="+66812345678")
    assert first.customer_id is not None and first.customer_id == second.customer_id
    assert (first.number, second.number) == (1, 2)
    assert first.status == TicketStatus.NEW
    assert first.first_response_due == T0 + dt.timedelta(minutes=60)
    assert first.resolution_due == T0 + dt.timedelta(minutes=240)
    assert first.messages.get().author_kind == "customer"
    event = TimelineEvent.objects.get(customer_id=first.customer_id, links__ticket=first.pk)
    assert event.type == "ticket.opened"


def test_first_staff_reply_is_the_first_response(owner: Actor, policy: SlaPolicy) -> None:
    with _at(T0):
        ticket = ticket_create(actor=owner, subject="สอบถาม", phone="0812345678")
    with _at(T0 + dt.timedelta(minutes=10)):
        ticket_note(actor=owner, ticket_id=ticket.pk, body="โน้ตภายใน")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None  # a note is not an answer
    with _at(T0 + dt.timedelta(minutes=20)):
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="สวัสดีค่ะ")
    with _at(T0 + dt.timedelta(minutes=30)):
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="อีกครั้ง")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == T0 + dt.timedelta(minutes=20)
    assert ticket.status == TicketStatus.OPEN
    assert not ticket.first_response_breached


def test_a_late_first_answer_is_a_breach(owner: Actor, policy: SlaPolicy) -> None:
    with _at(T0):
        ticket = ticket_create(actor=owner, subject="สอบถาม")
    with _at(T0 + dt.timedelta(minutes=61)):
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="ขอโทษที่ช้าค่ะ")
    ticket.refresh_from_db()
    assert ticket.first_response_breached


def test_waiting_pauses_and_the_customer_reply_resumes(owner: Actor, policy: SlaPolicy) -> None:
    with _at(T0):
        ticket = ticket_create(actor=owner, subject="เปลี่ยนไซซ์", phone="0812345678")
    with _at(T0 + dt.timedelta(minutes=10)):
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="ขอรูปใบเสร็จค่ะ")
        ticket_status_change(
            actor=owner, ticket_id=ticket.pk, status="waiting", reason="รอรูปใบเสร็จ"
        )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.resolution_due is None  # unknown while the clock is stopped
    # Two hours later the customer answers: the clock runs again, two hours later than before.
    with _at(T0 + dt.timedelta(minutes=130)):
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="ส่งรูปแล้ว", from_customer=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolution_due == T0 + dt.timedelta(minutes=240 + 120)
    pause = SlaPause.objects.get(ticket=ticket)
    assert pause.pause_reason == "รอรูปใบเสร็จ"
    assert pause.paused_at == T0 + dt.timedelta(minutes=10)
    assert pause.resumed_at == T0 + dt.timedelta(minutes=130)
    assert pause.paused_by == owner.user
    # The first answer came before the pause: its due time does not move.
    assert ticket.first_response_due == T0 + dt.timedelta(minutes=60)


def test_every_pause_and_resume_is_kept(owner: Actor, policy: SlaPolicy) -> None:
    with _at(T0):
        ticket = ticket_create(actor=owner, subject="เรื่องยาว")
    for i in range(3):
        start = T0 + dt.timedelta(minutes=10 + 30 * i)
        with _at(start):
            ticket_status_change(
                actor=owner, ticket_id=ticket.pk, status="waiting", reason=f"รอ {i}"
            )
        with _at(start + dt.timedelta(minutes=10)):
            ticket_status_change(actor=owner, ticket_id=ticket.pk, status="open", reason=f"ได้ {i}")
    pauses = list(SlaPause.objects.filter(ticket=ticket))
    assert [p.pause_reason for p in pauses] == ["รอ 0", "รอ 1", "รอ 2"]
    assert [p.resume_reason for p in pauses] == ["ได้ 0", "ได้ 1", "ได้ 2"]
    ticket.refresh_from_db()
    assert ticket.resolution_due == T0 + dt.timedelta(minutes=240 + 30)
    # The first answer was not given yet: its clock paused too.
    assert ticket.first_response_due == T0 + dt.timedelta(minutes=60 + 30)


def test_transitions_are_explicit(owner: Actor, policy: SlaPolicy) -> None:
    ticket = ticket_create(actor=owner, subject="เรื่อง")
    with pytest.raises(ApplicationError) as exc:
        ticket_status_change(actor=owner, ticket_id=ticket.pk, status="new")
    assert exc.value.code == "invalid_transition" and exc.value.status == 409
    ticket_status_change(actor=owner, ticket_id=ticket.pk, status="resolved", reason="ตอบแล้ว")
    ticket_status_change(actor=owner, ticket_id=ticket.pk, status="closed")
    with pytest.raises(ApplicationError):
        ticket_status_change(actor=owner, ticket_id=ticket.pk, status="waiting")
    with pytest.raises(ApplicationError) as closed:
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="ยังอยู่ไหม")
    assert closed.value.code == "ticket_closed"
    ticket_status_change(actor=owner, ticket_id=ticket.pk, status="open", reason="ลูกค้าโทรมา")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolved_at is None and ticket.closed_at is None
    history = list(
        TicketStatusChange.objects.filter(ticket=ticket).values_list("from_status", "to_status")
    )
    assert history == [("", "new"), ("new", "resolved"), ("resolved", "closed"), ("closed", "open")]
    types = set(
        TimelineEvent.objects.filter(links__ticket=ticket.pk).values_list("type", flat=True)
    )
    assert {"ticket.opened", "ticket.status_changed", "ticket.resolved"} <= types


def test_a_reopened_ticket_does_not_count_the_time_it_was_resolved(
    owner: Actor, policy: SlaPolicy
) -> None:
    with _at(T0):
        ticket = ticket_create(actor=owner, subject="เรื่อง")
    with _at(T0 + dt.timedelta(minutes=30)):
        ticket_status_change(actor=owner, ticket_id=ticket.pk, status="resolved")
    with _at(T0 + dt.timedelta(days=2)):
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="ยังไม่หาย", from_customer=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolution_due == T0 + dt.timedelta(days=2, minutes=210)


def test_opened_at_in_the_past_for_imported_tickets(owner: Actor, policy: SlaPolicy) -> None:
    past = timezone.now() - dt.timedelta(days=3)
    ticket = ticket_create(actor=owner, subject="จากระบบเก่า", opened_at=past)
    assert ticket.opened_at == past
    assert ticket.first_response_due == past + dt.timedelta(minutes=60)
    with pytest.raises(ApplicationError) as exc:
        ticket_create(actor=owner, subject="อนาคต", opened_at=timezone.now() + dt.timedelta(days=1))
    assert exc.value.code == "opened_in_future"


def test_inputs_are_limited(owner: Actor) -> None:
    with pytest.raises(ApplicationError) as exc:
        ticket_create(actor=owner, subject="x" * 201)
    assert exc.value.code == "too_long"
    ticket = ticket_create(actor=owner, subject="ok")
    with pytest.raises(ApplicationError) as body:
        ticket_reply(actor=owner, ticket_id=ticket.pk, body="ก" * 10_001)
    assert body.value.code == "too_long"
    with pytest.raises(ApplicationError) as kind:
        ticket_create(actor=owner, subject="ok", ticket_type="rant")
    assert kind.value.code == "invalid_type"


def test_history_from_another_system_keeps_its_times(owner: Actor, policy: SlaPolicy) -> None:
    opened = timezone.now() - dt.timedelta(days=3)
    ticket = ticket_create(actor=owner, subject="ย้ายมาจากระบบเก่า", opened_at=opened)
    ticket_reply(
        actor=owner, ticket_id=ticket.pk, body="ตอบแล้วค่ะ", at=opened + dt.timedelta(minutes=20)
    )
    ticket_status_change(
        actor=owner, ticket_id=ticket.pk, status="resolved", at=opened + dt.timedelta(hours=2)
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at == opened + dt.timedelta(minutes=20)
    assert ticket.resolved_at == opened + dt.timedelta(hours=2)
    assert not ticket.first_response_breached and not ticket.resolution_breached
    # Out of order or in the future: a clear error, nothing changed.
    with pytest.raises(ApplicationError) as out_of_order:
        ticket_status_change(
            actor=owner, ticket_id=ticket.pk, status="closed", at=opened + dt.timedelta(hours=1)
        )
    assert out_of_order.value.code == "at_out_of_order"
    with pytest.raises(ApplicationError) as future:
        ticket_status_change(
            actor=owner,
            ticket_id=ticket.pk,
            status="closed",
            at=timezone.now() + dt.timedelta(days=1),
        )
    assert future.value.code == "at_in_future"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
