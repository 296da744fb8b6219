"""The SLA API: calendars (slots as {weekday, start, end}, closed days, 24/7), the due-time
helper, policies with most-specific matching, permissions and limits."""

from __future__ import annotations

import pytest

from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import ApiKey
from samphan.core.services import api_key_create
from samphan.service.sla import selectors, services
from samphan.service.sla.clock import DEFAULT_CALENDAR
from samphan.service.sla.models import BusinessCalendar, SlaPolicy
from tests.conftest import ApiClient
from tests.factories import BranchFactory, MembershipFactory

BASE = "/api/v1/sla"

WEEKDAY_SLOTS = [
    {"weekday": day, "start": start, "end": end}
    for day in ("mon", "tue", "wed", "thu", "fri")
    for start, end in (("09:00", "12:00"), ("13:00", "18:00"))
]


def test_default_calendar_on_first_listing(api_rw: ApiClient, owner: Actor) -> None:
    assert not BusinessCalendar.objects.filter(workspace=owner.workspace).exists()
    body = api_rw.get(f"{BASE}/calendars").json()
    assert len(body) == 1
    default = body[0]
    assert default["is_default"] and default["use_thai_holidays"] and not default["always_open"]
    assert default["timezone"] == "Asia/Bangkok"
    assert {"weekday": "sat", "start": "13:00", "end": "18:00"} in default["slots"]
    assert not [s for s in default["slots"] if s["weekday"] == "sun"]
    assert len(default["slots"]) == 12
    # The stored default is the same as the built-in one used before it existed.
    row = BusinessCalendar.objects.get(workspace=owner.workspace)
    assert selectors.calendar_value(row) == DEFAULT_CALENDAR
    # Listing again creates nothing more.
    api_rw.get(f"{BASE}/calendars")
    assert BusinessCalendar.objects.filter(workspace=owner.workspace).count() == 1


def test_calendar_create_read_replace_delete(api_rw: ApiClient, owner: Actor) -> None:
    branch = BranchFactory(workspace=owner.workspace)
    response = api_rw.post(
        f"{BASE}/calendars",
        {
            "name": "สาขาสยาม",
            "branch_id": branch.pk,
            "slots": [*WEEKDAY_SLOTS, {"weekday": "sun", "start": "18:00", "end": "24:00"}],
            "closed_days": [{"date": "2026-12-28", "name": "นับสต็อก"}],
        },
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["branch_id"] == branch.pk and not created["is_default"]
    assert {"weekday": "sun", "start": "18:00", "end": "24:00"} in created["slots"]
    assert created["closed_days"] == [{"date": "2026-12-28", "name": "นับสต็อก"}]
    cal_id = created["id"]
    # The branch's tickets use it; other branches the default.
    value = selectors.calendar_for(workspace=owner.workspace, branch=branch)
    assert value.slots[6] == ((1080, 1440),)
    other = BranchFactory(workspace=owner.workspace)
    assert selectors.calendar_for(workspace=owner.workspace, branch=other) == DEFAULT_CALENDAR

    # PUT without closed_days keeps them.
    response = api_rw.request(
        "PUT",
        f"{BASE}/calendars/{cal_id}",
        {"name": "สาขาสยาม 24 ชม.", "branch_id": branch.pk, "always_open": True},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["always_open"] and body["slots"] == [] and len(body["closed_days"]) == 1
    assert api_rw.get(f"{BASE}/calendars/{cal_id}").json()["name"] == "สาขาสยาม 24 ชม."

    assert api_rw.request("DELETE", f"{BASE}/calendars/{cal_id}").status_code == 204
    assert api_rw.get(f"{BASE}/calendars/{cal_id}").status_code == 404


def test_due_endpoint_answers_bangkok_time(api_rw: ApiClient) -> None:
    cal_id = api_rw.get(f"{BASE}/calendars").json()[0]["id"]
    # Friday 11 April 2025 17:30 + 60 → Saturday 09:30; + 30 → Friday 18:00 (at closing).
    body = api_rw.get(
        f"{BASE}/calendars/{cal_id}/due", data={"start": "2025-04-11T17:30:00+07:00", "minutes": 60}
    ).json()
    assert body["due"] == "2025-04-12T09:30:00+07:00"
    assert body["open_at_start"] is True
    body = api_rw.get(
        f"{BASE}/calendars/{cal_id}/due", data={"start": "2025-04-11T10:30:00Z", "minutes": 30}
    ).json()
    assert body["due"] == "2025-04-11T18:00:00+07:00"
    assert body["start"] == "2025-04-11T17:30:00+07:00"
    # Without an offset: Bangkok. Saturday 12 April 17:00 + 120 crosses Songkran 2025.
    body = api_rw.get(
        f"{BASE}/calendars/{cal_id}/due", data={"start": "2025-04-12T17:00", "minutes": 120}
    ).json()
    assert body["due"] == "2025-04-17T10:00:00+07:00"
    bad = api_rw.get(f"{BASE}/calendars/{cal_id}/due", data={"start": "1900-01-01T00:00"})
    assert bad.status_code == 422
    bad = api_rw.get(f"{BASE}/calendars/{cal_id}/due", data={"minutes": 525_601})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    "payload,code",
    [
        ({"slots": [{"weekday": "mon", "start": "12:00", "end": "09:00"}]}, "invalid_calendar"),
        ({"slots": [{"weekday": "mon", "start": "25:00", "end": "26:00"}]}, "validation_error"),
        ({"slots": [{"weekday": "xyz", "start": "09:00", "end": "10:00"}]}, "validation_error"),
        (
            {
                "slots": [
                    {"weekday": "mon", "start": "09:00", "end": "12:00"},
                    {"weekday": "mon", "start": "11:00", "end": "13:00"},
                ]
            },
            "slot_overlap",
        ),
        (
            {
                "slots": [
                    {"weekday": "tue", "start": f"{h:02d}:00", "end": f"{h:02d}:30"}
                    for h in range(7)
                ]
            },
            "too_many_slots",
        ),
        ({"slots": []}, "calendar_never_open"),
        ({"name": "x" * 101}, "validation_error"),
        (
            {"closed_days": [{"date": "1999-12-31", "name": ""}]},
            "invalid_closed_day",
        ),
        (
            {
                "closed_days": [
                    {"date": "2026-01-05", "name": ""},
                    {"date": "2026-01-05", "name": ""},
                ]
            },
            "invalid_closed_day",
        ),
        ({"branch_id": 999_999}, "branch_not_found"),
    ],
)
def test_calendar_validation(api_rw: ApiClient, payload: dict, code: str) -> None:
    body = {"name": "ปฏิทิน", "slots": WEEKDAY_SLOTS[:2], **payload}
    response = api_rw.post(f"{BASE}/calendars", body)
    assert response.status_code == 422, response.json()
    assert response.json()["error"]["code"] == code


def test_closed_days_limits(owner: Actor) -> None:
    import datetime as dt

    from samphan.core.errors import ApplicationError

    def days(first: dt.date, n: int) -> list[services.ClosedDayIn]:
        return [services.ClosedDayIn(date=first + dt.timedelta(days=i)) for i in range(n)]

    calendar = services.calendar_ensure_default(workspace=owner.workspace)
    slot = [services.SlotIn(0, 540, 600)]
    # A whole leap year closed is allowed (the add-up still finds the next open day).
    services.calendar_create(
        actor=owner, name="ปิดทั้งปี", slots=slot, closed_days=days(dt.date(2028, 1, 1), 366)
    )
    with pytest.raises(ApplicationError) as err:
        services.calendar_create(
            actor=owner,
            name="เกิน",
            slots=slot,
            closed_days=days(dt.date(2030, 1, 1), services.MAX_CLOSED_DAYS + 1),
        )
    assert err.value.code == "too_many_closed_days"
    with pytest.raises(ApplicationError) as err:
        services.closed_day_add(
            actor=owner, calendar_id=calendar.pk, date=dt.date(2026, 1, 5), name="x" * 101
        )
    assert err.value.code == "invalid_closed_day"
    services.closed_day_add(actor=owner, calendar_id=calendar.pk, date=dt.date(2026, 1, 5))
    services.closed_day_add(
        actor=owner, calendar_id=calendar.pk, date=dt.date(2026, 1, 5), name="ทำบุญร้าน"
    )
    assert [d.name for d in calendar.closed_days.all()] == ["ทำบุญร้าน"]
    services.closed_day_delete(actor=owner, calendar_id=calendar.pk, date=dt.date(2026, 1, 5))
    assert not calendar.closed_days.exists()


def test_branch_calendar_is_unique_and_default_cannot_be_deleted(
    api_rw: ApiClient, owner: Actor
) -> None:
    branch = BranchFactory(workspace=owner.workspace)
    body = {"name": "สาขา", "branch_id": branch.pk, "slots": WEEKDAY_SLOTS}
    assert api_rw.post(f"{BASE}/calendars", body).status_code == 201
    again = api_rw.post(f"{BASE}/calendars", body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "branch_has_calendar"
    default_id = api_rw.get(f"{BASE}/calendars").json()[0]["id"]
    refused = api_rw.request("DELETE", f"{BASE}/calendars/{default_id}")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "default_calendar"
    # Making another calendar the default moves the flag; then the old one can go.
    other = api_rw.post(
        f"{BASE}/calendars", {"name": "ใหม่", "slots": WEEKDAY_SLOTS, "is_default": True}
    ).json()
    assert other["is_default"]
    assert api_rw.get(f"{BASE}/calendars/{default_id}").json()["is_default"] is False
    assert api_rw.request("DELETE", f"{BASE}/calendars/{default_id}").status_code == 204
    listed = api_rw.get(f"{BASE}/calendars").json()
    assert [c["id"] for c in listed if c["is_default"]] == [other["id"]]


def test_policies_crud_and_most_specific_match(api_rw: ApiClient, owner: Actor) -> None:
    def create(**fields: object) -> dict:
        response = api_rw.post(f"{BASE}/policies", fields)
        assert response.status_code == 201, response.json()
        return response.json()

    anyany = create(first_response_minutes=240, resolution_minutes=2880)
    complaint = create(ticket_type="complaint", first_response_minutes=60, resolution_minutes=1440)
    urgent = create(priority="urgent", first_response_minutes=15, resolution_minutes=240)
    both = create(
        ticket_type="complaint", priority="urgent", first_response_minutes=5, resolution_minutes=60
    )
    assert anyany["ticket_type"] == "any" and anyany["priority"] == "any"
    ws = owner.workspace

    def match(t: str, p: str) -> int | None:
        found = selectors.policy_for(workspace=ws, ticket_type=t, priority=p)
        return None if found is None else found.pk

    assert match("complaint", "urgent") == both["id"]
    assert match("complaint", "low") == complaint["id"]
    assert match("question", "urgent") == urgent["id"]
    assert match("question", "low") == anyany["id"]

    dup = api_rw.post(
        f"{BASE}/policies",
        {"ticket_type": "complaint", "first_response_minutes": 1, "resolution_minutes": 2},
    )
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "policy_exists"

    changed = api_rw.request(
        "PUT",
        f"{BASE}/policies/{complaint['id']}",
        {
            "ticket_type": "complaint",
            "priority": "high",
            "first_response_minutes": 30,
            "resolution_minutes": 600,
            "escalate": False,
        },
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["priority"] == "high" and changed.json()["escalate"] is False
    assert match("complaint", "low") == anyany["id"]
    assert len(api_rw.get(f"{BASE}/policies").json()) == 4
    assert api_rw.request("DELETE", f"{BASE}/policies/{anyany['id']}").status_code == 204
    assert match("question", "low") is None
    assert api_rw.get(f"{BASE}/policies/{anyany['id']}").status_code == 404


def test_sla_for_uses_policy_calendar_then_branch(api_rw: ApiClient, owner: Actor) -> None:
    hotline = api_rw.post(
        f"{BASE}/calendars", {"name": "24/7", "always_open": True, "slots": []}
    ).json()
    api_rw.post(
        f"{BASE}/policies",
        {
            "priority": "urgent",
            "first_response_minutes": 15,
            "resolution_minutes": 240,
            "calendar_id": hotline["id"],
        },
    )
    api_rw.post(f"{BASE}/policies", {"first_response_minutes": 60, "resolution_minutes": 480})
    urgent = selectors.sla_for(workspace=owner.workspace, ticket_type="problem", priority="urgent")
    assert urgent is not None and urgent.calendar.always_open
    assert urgent.first_response_minutes == 15
    normal = selectors.sla_for(workspace=owner.workspace, ticket_type="problem", priority="low")
    assert normal is not None and normal.calendar == DEFAULT_CALENDAR
    # Deleting the calendar makes the policy fall back to the default.
    api_rw.request("DELETE", f"{BASE}/calendars/{hotline['id']}")
    urgent = selectors.sla_for(workspace=owner.workspace, ticket_type="problem", priority="urgent")
    assert urgent is not None and urgent.calendar == DEFAULT_CALENDAR


@pytest.mark.parametrize(
    "payload,code",
    [
        ({"first_response_minutes": 0, "resolution_minutes": 10}, "validation_error"),
        ({"first_response_minutes": 10, "resolution_minutes": 525_601}, "validation_error"),
        ({"first_response_minutes": 100, "resolution_minutes": 10}, "invalid_policy"),
        (
            {"ticket_type": "party", "first_response_minutes": 1, "resolution_minutes": 10},
            "invalid_policy",
        ),
        (
            {"priority": "critical", "first_response_minutes": 1, "resolution_minutes": 10},
            "invalid_policy",
        ),
        (
            {"calendar_id": 999_999, "first_response_minutes": 1, "resolution_minutes": 10},
            "calendar_not_found",
        ),
        (
            {"name": "x" * 101, "first_response_minutes": 1, "resolution_minutes": 10},
            "validation_error",
        ),
    ],
)
def test_policy_validation(api_rw: ApiClient, payload: dict, code: str) -> None:
    response = api_rw.post(f"{BASE}/policies", payload)
    assert response.status_code == 422, response.json()
    assert response.json()["error"]["code"] == code


def test_other_workspace_calendar_is_not_usable(api_rw: ApiClient) -> None:
    stranger = actor_for_membership(MembershipFactory())
    theirs = services.calendar_ensure_default(workspace=stranger.workspace)
    response = api_rw.post(
        f"{BASE}/policies",
        {"calendar_id": theirs.pk, "first_response_minutes": 1, "resolution_minutes": 10},
    )
    assert response.json()["error"]["code"] == "calendar_not_found"
    their_branch = BranchFactory(workspace=stranger.workspace)
    response = api_rw.post(
        f"{BASE}/calendars", {"name": "x", "slots": WEEKDAY_SLOTS, "branch_id": their_branch.pk}
    )
    assert response.json()["error"]["code"] == "branch_not_found"
    assert api_rw.get(f"{BASE}/calendars/{theirs.pk}").status_code == 404


def test_roles_others_read_only(owner: Actor, api_ro: ApiClient) -> None:
    staff = MembershipFactory(workspace=owner.workspace, role="support")
    support = actor_for_membership(staff)
    with pytest.raises(Exception) as err:
        services.policy_create(actor=support, first_response_minutes=1, resolution_minutes=2)
    assert getattr(err.value, "code", "") == "permission_denied"
    manager = actor_for_membership(MembershipFactory(workspace=owner.workspace, role="manager"))
    services.policy_create(actor=manager, first_response_minutes=1, resolution_minutes=2)
    assert SlaPolicy.objects.filter(workspace=owner.workspace).count() == 1
    # A read-only key reads but can't write.
    assert api_ro.get(f"{BASE}/policies").status_code == 200
    refused = api_ro.post(
        f"{BASE}/policies", {"first_response_minutes": 1, "resolution_minutes": 2}
    )
    assert refused.status_code == 403
    rw = api_key_create(actor=owner, name="x", scope=ApiKey.Scope.READ_WRITE)
    assert rw.secret
