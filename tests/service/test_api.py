"""The tickets API: shapes (due times with the +07:00 offset), filters, status changes,
replies and notes, assignment, and its errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from samphan.core.access import Actor
from samphan.service.models import Ticket
from samphan.service.sla.models import SlaPolicy
from tests.conftest import ApiClient
from tests.factories import MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+07:00$")


def test_open_and_read_a_ticket_with_bangkok_due_times(
    api_rw: ApiClient, owner: Actor, policy: SlaPolicy
) -> None:
    order = OrderFactory(workspace=owner.workspace, customer=None)
    response = api_rw.post(
        "/api/v1/tickets",
        {
            "subject": "กล่องบุบ",
            "body": "แก้วแตกหนึ่งใบ",
            "type": "complaint",
            "channel": "line",
            "priority": "high",
            "phone": "081-234-5678",
            "order_ids": [order.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 1 and body["status"] == "new" and body["customer_id"]
    assert body["order_ids"] == [order.pk]
    assert body["messages"][0]["author_kind"] == "customer"
    detail = api_rw.get(f"/api/v1/tickets/{body['id']}").json()
    for key in ("first_response_due", "resolution_due", "opened_at"):
        assert OFFSET.match(detail[key]), (key, detail[key])
    opened = dt.datetime.fromisoformat(detail["opened_at"])
    due = dt.datetime.fromisoformat(detail["first_response_due"])
    assert due - opened == dt.timedelta(minutes=60)


def test_imported_ticket_keeps_its_opening_time(api_rw: ApiClient, policy: SlaPolicy) -> None:
    response = api_rw.post(
        "/api/v1/tickets",
        {"subject": "จากระบบเก่า", "opened_at": "2026-01-05T09:30:00+07:00"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["opened_at"] == "2026-01-05T09:30:00+07:00"
    assert body["first_response_due"] == "2026-01-05T10:30:00+07:00"


def test_status_reply_note_and_assign(api_rw: ApiClient, owner: Actor, policy: SlaPolicy) -> None:
    ticket_id = api_rw.post("/api/v1/tickets", {"subject": "สอบถาม"}).json()["id"]
    reply = api_rw.post(f"/api/v1/tickets/{ticket_id}/replies", {"body": "สวัสดีค่ะ"})
    assert reply.status_code == 201 and reply.json()["kind"] == "reply"
    note = api_rw.post(
        f"/api/v1/tickets/{ticket_id}/replies", {"body": "ลูกค้าประจำ", "internal": True}
    )
    assert note.json()["kind"] == "note"
    waiting = api_rw.post(
        f"/api/v1/tickets/{ticket_id}/status", {"status": "waiting", "reason": "รอรูป"}
    )
    assert waiting.status_code == 200
    assert waiting.json()["paused"] is True and waiting.json()["resolution_due"] is None
    assert waiting.json()["pauses"][0]["pause_reason"] == "รอรูป"
    assert waiting.json()["pauses"][0]["paused_by"].startswith("api-key:")
    back = api_rw.post(
        f"/api/v1/tickets/{ticket_id}/replies", {"body": "ส่งแล้ว", "from_customer": True}
    )
    assert back.status_code == 201
    detail = api_rw.get(f"/api/v1/tickets/{ticket_id}").json()
    assert detail["status"] == "open" and detail["pauses"][0]["resumed_at"]
    bad = api_rw.post(f"/api/v1/tickets/{ticket_id}/status", {"status": "new"})
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "invalid_transition"
    member = MembershipFactory(workspace=owner.workspace, role="support")
    assigned = api_rw.post(f"/api/v1/tickets/{ticket_id}/assign", {"assignee_id": member.user_id})
    assert assigned.json()["assignee_id"] == member.user_id
    outsider = MembershipFactory()
    refused = api_rw.post(f"/api/v1/tickets/{ticket_id}/assign", {"assignee_id": outsider.user_id})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "assignee_not_member"


def test_list_filters(api_rw: ApiClient, owner: Actor, policy: SlaPolicy) -> None:
    member = MembershipFactory(workspace=owner.workspace, role="support")
    first = api_rw.post("/api/v1/tickets", {"subject": "หนึ่ง"}).json()["id"]
    api_rw.post("/api/v1/tickets", {"subject": "สอง", "assignee_id": member.user_id})
    done = api_rw.post("/api/v1/tickets", {"subject": "สาม"}).json()["id"]
    api_rw.post(f"/api/v1/tickets/{done}/status", {"status": "resolved"})
    listed = api_rw.get("/api/v1/tickets").json()
    assert listed["count"] == 2
    assert [t["id"] for t in api_rw.get("/api/v1/tickets?unassigned=true").json()["items"]] == [
        first
    ]
    assert api_rw.get("/api/v1/tickets?status=resolved").json()["count"] == 1
    assert api_rw.get("/api/v1/tickets?status=all").json()["count"] == 3
    # Due within the hour on a 24/7 calendar with a 60-minute first-response target.
    assert api_rw.get("/api/v1/tickets?breaching_soon=true").json()["count"] == 2
    assert api_rw.get("/api/v1/tickets?limit=501").status_code == 422
    assert api_rw.get("/api/v1/tickets?status=nope").status_code == 422


def test_errors(api_rw: ApiClient, api_ro: ApiClient) -> None:
    assert api_rw.get("/api/v1/tickets/999999").status_code == 404
    assert api_rw.post("/api/v1/tickets", {"subject": ""}).status_code == 422
    long = api_rw.post("/api/v1/tickets", {"subject": "ok", "body": "x" * 10_001})
    assert long.status_code == 422
    assert api_ro.post("/api/v1/tickets", {"subject": "ok"}).status_code == 403
    assert not Ticket.objects.exists()


def test_canned_reply_unknown_field_is_a_clear_error(api_rw: ApiClient) -> None:
    ok = api_rw.post("/api/v1/canned-replies", {"title": "ทักทาย", "body": "สวัสดีค่ะคุณ {{ name }}"})
    assert ok.status_code == 201
    bad = api_rw.post("/api/v1/canned-replies", {"title": "ผิด", "body": "สวัสดี {{ nmae }}"})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "canned_field_unknown" and "nmae" in error["message"]
