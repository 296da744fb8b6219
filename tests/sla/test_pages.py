"""The SLA settings pages: the default calendar appears, a week is edited in one box per day,
closed days come and go, the Thai holidays ahead are previewed, policies are edited; members
without ``sla.manage`` read but can't change."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.models import Membership
from samphan.service.sla import selectors, services
from samphan.service.sla.forms import parse_periods
from samphan.service.sla.models import BusinessCalendar, SlaPolicy
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_settings_page_shows_default_calendar_in_thai(
    owner_client: Client, owner_membership: Membership
) -> None:
    response = owner_client.get(reverse("sla:settings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "09:00–12:00, 13:00–18:00" in html
    assert "ปฏิทินเวลาทำการ" in html or "Business calendars" in html
    assert BusinessCalendar.objects.filter(
        workspace=owner_membership.workspace, is_default=True
    ).exists()
    # Linked from the settings index.
    assert reverse("sla:settings") in owner_client.get(reverse("web:settings")).content.decode()


def test_edit_week_with_lunch_and_split_shift(
    owner_client: Client, owner_membership: Membership
) -> None:
    workspace = owner_membership.workspace
    calendar = services.calendar_ensure_default(workspace=workspace)
    url = reverse("sla:calendar_edit", kwargs={"calendar_id": calendar.pk})
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url,
        {
            "name": "เวลาร้าน",
            "use_thai_holidays": "on",
            "mon": "09:00-12:00, 13:00-18:00",
            "tue": "10.00 - 14.00; 17:00-24:00",
            "sat": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    value = selectors.calendar_for(workspace=workspace)
    assert value.slots[0] == ((540, 720), (780, 1080))
    assert value.slots[1] == ((600, 840), (1020, 1440))
    assert value.slots[5] == ()
    # A bad box is shown on its field, nothing saved.
    response = owner_client.post(url, {"name": "เวลาร้าน", "mon": "9 to 5"})
    assert response.status_code == 200
    assert selectors.calendar_for(workspace=workspace).slots[0] == ((540, 720), (780, 1080))
    response = owner_client.post(url, {"name": "ปิดตลอด"})
    assert response.status_code == 200  # never open: refused
    assert "24" in response.content.decode()


def test_closed_days_and_holiday_preview(
    owner_client: Client, owner_membership: Membership
) -> None:
    calendar = services.calendar_ensure_default(workspace=owner_membership.workspace)
    day = timezone.localdate() + dt.timedelta(days=10)
    add = reverse("sla:closed_day_add", kwargs={"calendar_id": calendar.pk})
    assert owner_client.post(add, {"date": day.isoformat(), "name": "ทำบุญร้าน"}).status_code == 302
    page = owner_client.get(reverse("sla:calendar_edit", kwargs={"calendar_id": calendar.pk}))
    html = page.content.decode()
    assert "ทำบุญร้าน" in html
    # The next year always holds Songkran (in Thai on a Thai page).
    assert "สงกรานต์" in html
    remove = reverse("sla:closed_day_remove", kwargs={"calendar_id": calendar.pk})
    assert owner_client.post(remove, {"date": day.isoformat()}).status_code == 302
    assert not calendar.closed_days.exists()
    assert owner_client.get(remove).status_code == 405


def test_new_calendar_and_delete(owner_client: Client, owner_membership: Membership) -> None:
    response = owner_client.post(
        reverse("sla:calendar_new"), {"name": "สายด่วน", "always_open": "on"}
    )
    assert response.status_code == 302
    hotline = BusinessCalendar.objects.get(workspace=owner_membership.workspace, name="สายด่วน")
    assert hotline.always_open and not hotline.is_default
    delete = reverse("sla:calendar_delete", kwargs={"calendar_id": hotline.pk})
    assert owner_client.post(delete).status_code == 302
    assert not BusinessCalendar.objects.filter(pk=hotline.pk).exists()
    # The default can't be deleted.
    default = BusinessCalendar.objects.get(workspace=owner_membership.workspace, is_default=True)
    owner_client.post(reverse("sla:calendar_delete", kwargs={"calendar_id": default.pk}))
    assert BusinessCalendar.objects.filter(pk=default.pk).exists()


def test_policy_pages(owner_client: Client, owner_membership: Membership) -> None:
    assert owner_client.get(reverse("sla:policy_new")).status_code == 200
    response = owner_client.post(
        reverse("sla:policy_new"),
        {
            "ticket_type": "complaint",
            "priority": "any",
            "first_response_minutes": "60",
            "resolution_minutes": "540",
            "escalate": "on",
        },
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(workspace=owner_membership.workspace)
    assert policy.ticket_type == "complaint" and policy.escalate
    edit = reverse("sla:policy_edit", kwargs={"policy_id": policy.pk})
    response = owner_client.post(
        edit,
        {
            "ticket_type": "complaint",
            "priority": "any",
            "first_response_minutes": "600",
            "resolution_minutes": "60",
        },
    )
    assert response.status_code == 200  # first reply longer than resolution: refused
    policy.refresh_from_db()
    assert policy.first_response_minutes == 60
    delete = reverse("sla:policy_delete", kwargs={"policy_id": policy.pk})
    assert owner_client.post(delete).status_code == 302
    assert not SlaPolicy.objects.exists()


def test_support_reads_but_cannot_change(owner_membership: Membership) -> None:
    support = MembershipFactory(workspace=owner_membership.workspace, role="support")
    client = Client()
    client.force_login(support.user)
    calendar = services.calendar_ensure_default(workspace=owner_membership.workspace)
    html = client.get(reverse("sla:settings")).content.decode()
    assert reverse("sla:policy_new") not in html
    url = reverse("sla:calendar_edit", kwargs={"calendar_id": calendar.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "x", "mon": "00:00-24:00"}).status_code == 403
    assert client.get(reverse("sla:policy_new")).status_code == 403


def test_parse_periods() -> None:
    assert parse_periods("") == []
    assert parse_periods("13:00-18:00, 09:00–12:00") == [(540, 720), (780, 1080)]
    assert parse_periods("22:00 ถึง 24:00") == [(1320, 1440)]
    for bad in ("9-5", "12:00-09:00", "09:00-25:00", ", ".join(["01:00-02:00"] * 7)):
        with pytest.raises(forms.ValidationError):
            parse_periods(bad)
