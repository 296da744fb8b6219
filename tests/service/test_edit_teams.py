"""Editing a ticket's details (type, priority, category, team) through the API and the ticket
page, the teams API, renaming and taking categories and teams out of use, and the page of
categories and teams."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor
from samphan.service.models import Team, Ticket, TicketCategory
from samphan.service.services import ticket_create
from samphan.service.sla.models import SlaPolicy
from tests.conftest import ApiClient
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _patch(api: ApiClient, ticket_id: int, data: dict[str, object]) -> Any:
    return api.request("PATCH", f"/api/v1/tickets/{ticket_id}", data)


def _due(body: dict[str, str], key: str) -> dt.timedelta:
    return dt.datetime.fromisoformat(body[key]) - dt.datetime.fromisoformat(body["opened_at"])


# --- the API -------------------------------------------------------------------------------


def test_patch_type_and_priority_recomputes_due_times(
    api_rw: ApiClient, owner: Actor, policy: SlaPolicy
) -> None:
    SlaPolicy.objects.create(
        workspace=owner.workspace,
        priority="urgent",
        first_response_minutes=15,
        resolution_minutes=60,
    )
    ticket_id = api_rw.post("/api/v1/tickets", {"subject": "ของไม่ครบ"}).json()["id"]
    before = api_rw.get(f"/api/v1/tickets/{ticket_id}").json()
    assert _due(before, "first_response_due") == dt.timedelta(minutes=60)
    response = _patch(api_rw, ticket_id, {"priority": "urgent", "type": "complaint"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["priority"] == "urgent" and body["type"] == "complaint"
    assert _due(body, "first_response_due") == dt.timedelta(minutes=15)
    assert _due(body, "resolution_due") == dt.timedelta(minutes=60)
    assert body["first_response_due"].endswith("+07:00")
    assert body["messages"] == [] and body["status_changes"]  # the ticket detail shape
    # Only the fields sent change.
    again = _patch(api_rw, ticket_id, {"priority": "normal"}).json()
    assert again["type"] == "complaint" and again["priority"] == "normal"
    assert _due(again, "first_response_due") == dt.timedelta(minutes=60)


def test_patch_category_and_team_set_and_clear(api_rw: ApiClient, owner: Actor) -> None:
    category = TicketCategory.objects.create(workspace=owner.workspace, name="สินค้าชำรุด")
    team = Team.objects.create(workspace=owner.workspace, name="ออนไลน์")
    ticket = ticket_create(actor=owner, subject="ขาโต๊ะหัก")
    body = _patch(api_rw, ticket.pk, {"category_id": category.pk, "team_id": team.pk}).json()
    assert body["category_id"] == category.pk and body["team_id"] == team.pk
    kept = _patch(api_rw, ticket.pk, {"priority": "high"}).json()
    assert kept["category_id"] == category.pk and kept["team_id"] == team.pk
    cleared = _patch(api_rw, ticket.pk, {"team_id": None}).json()
    assert cleared["team_id"] is None and cleared["category_id"] == category.pk
    cleared = _patch(api_rw, ticket.pk, {"category_id": None}).json()
    assert cleared["category_id"] is None


def test_patch_bad_choices_are_422_with_a_code(api_rw: ApiClient, owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="สอบถาม")
    for data, code in (
        ({"type": "rant"}, "invalid_type"),
        ({"priority": "asap"}, "invalid_priority"),
        ({"category_id": 999_999}, "category_not_found"),
        ({"team_id": 999_999}, "team_not_found"),
    ):
        response = _patch(api_rw, ticket.pk, data)
        assert response.status_code == 422, data
        assert response.json()["error"]["code"] == code
    assert _patch(api_rw, ticket.pk, {"category_id": 0}).status_code == 422
    ticket.refresh_from_db()
    assert ticket.type == "question" and ticket.priority == "normal"


def test_patch_refuses_another_shops_objects(api_rw: ApiClient, owner: Actor) -> None:
    other = MembershipFactory()
    their_category = TicketCategory.objects.create(workspace=other.workspace, name="ของเขา")
    their_team = Team.objects.create(workspace=other.workspace, name="ทีมเขา")
    their_ticket = Ticket.objects.create(
        workspace=other.workspace, number=1, subject="ของร้านอื่น", opened_at=timezone.now()
    )
    mine = ticket_create(actor=owner, subject="ของร้านเรา")
    category = _patch(api_rw, mine.pk, {"category_id": their_category.pk})
    assert category.status_code == 422
    assert category.json()["error"]["code"] == "category_not_found"
    team = _patch(api_rw, mine.pk, {"team_id": their_team.pk})
    assert team.status_code == 422
    assert team.json()["error"]["code"] == "team_not_found"
    ticket = _patch(api_rw, their_ticket.pk, {"priority": "high"})
    assert ticket.status_code == 404
    assert ticket.json()["error"]["code"] == "ticket_not_found"
    their_ticket.refresh_from_db()
    assert their_ticket.priority == "normal"
    mine.refresh_from_db()
    assert mine.category_id is None and mine.team_id is None


def test_patch_needs_a_read_write_key(api_ro: ApiClient, owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="สอบถาม")
    assert _patch(api_ro, ticket.pk, {"priority": "high"}).status_code == 403


def test_teams_list_create_and_duplicate(api_rw: ApiClient, owner: Actor) -> None:
    created = api_rw.post("/api/v1/ticket-teams", {"name": "  หน้าร้าน "})
    assert created.status_code == 201
    assert created.json()["name"] == "หน้าร้าน" and created.json()["is_active"] is True
    duplicate = api_rw.post("/api/v1/ticket-teams", {"name": "หน้าร้าน"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "team_exists"
    assert api_rw.post("/api/v1/ticket-teams", {"name": ""}).status_code == 422
    assert api_rw.post("/api/v1/ticket-teams", {"name": "x" * 101}).status_code == 422
    Team.objects.create(workspace=MembershipFactory().workspace, name="ทีมร้านอื่น")
    listed = api_rw.get("/api/v1/ticket-teams").json()
    assert [t["name"] for t in listed] == ["หน้าร้าน"]


def test_rename_and_retire_category_and_team(api_rw: ApiClient, owner: Actor) -> None:
    category = api_rw.post("/api/v1/ticket-categories", {"name": "ส่งช้า"}).json()
    api_rw.post("/api/v1/ticket-categories", {"name": "ของหาย"})
    renamed = api_rw.request(
        "PATCH", f"/api/v1/ticket-categories/{category['id']}", {"name": "ส่งของช้า"}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "ส่งของช้า"
    retired = api_rw.request(
        "PATCH", f"/api/v1/ticket-categories/{category['id']}", {"is_active": False}
    )
    assert retired.json() == {"id": category["id"], "name": "ส่งของช้า", "is_active": False}
    clash = api_rw.request(
        "PATCH", f"/api/v1/ticket-categories/{category['id']}", {"name": "ของหาย"}
    )
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "category_exists"
    team = api_rw.post("/api/v1/ticket-teams", {"name": "ช่าง"}).json()
    team_off = api_rw.request("PATCH", f"/api/v1/ticket-teams/{team['id']}", {"is_active": False})
    assert team_off.status_code == 200 and team_off.json()["is_active"] is False
    other = Team.objects.create(workspace=MembershipFactory().workspace, name="ทีมร้านอื่น")
    theirs = api_rw.request("PATCH", f"/api/v1/ticket-teams/{other.pk}", {"name": "ของเรา"})
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "team_not_found"
    other.refresh_from_db()
    assert other.name == "ทีมร้านอื่น"


# --- the pages -----------------------------------------------------------------------------


def test_ticket_page_details_form(owner_client: Client, owner: Actor, policy: SlaPolicy) -> None:
    SlaPolicy.objects.create(
        workspace=owner.workspace,
        priority="urgent",
        first_response_minutes=15,
        resolution_minutes=60,
    )
    category = TicketCategory.objects.create(workspace=owner.workspace, name="สินค้าชำรุด")
    team = Team.objects.create(workspace=owner.workspace, name="ช่างซ่อม")
    ticket = ticket_create(actor=owner, subject="พัดลมไม่หมุน")
    page = owner_client.get(reverse("service:ticket", kwargs={"ticket_id": ticket.pk}))
    html = page.content.decode()
    assert 'id="details-form"' in html and "ช่างซ่อม" in html
    url = reverse("service:ticket_details", kwargs={"ticket_id": ticket.pk})
    response = owner_client.post(
        url,
        {
            "ticket_type": "problem",
            "priority": "urgent",
            "category_id": category.pk,
            "team_id": team.pk,
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.type, ticket.priority) == ("problem", "urgent")
    assert ticket.category_id == category.pk and ticket.team_id == team.pk
    assert ticket.first_response_due is not None
    assert ticket.first_response_due - ticket.opened_at == dt.timedelta(minutes=15)
    html = owner_client.get(reverse("service:ticket", kwargs={"ticket_id": ticket.pk})).content
    assert 'id="ticket-team">ช่างซ่อม' in html.decode()
    # The assign form keeps the team.
    member = MembershipFactory(workspace=owner.workspace, role="support")
    assigned = owner_client.post(
        reverse("service:ticket_assign", kwargs={"ticket_id": ticket.pk}),
        {"assignee_id": member.user_id},
    )
    assert assigned.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee_id == member.user_id and ticket.team_id == team.pk
    # Empty category and team clear them.
    owner_client.post(url, {"ticket_type": "problem", "priority": "urgent"})
    ticket.refresh_from_db()
    assert ticket.category_id is None and ticket.team_id is None
    assert owner_client.get(url).status_code == 405


def test_ticket_page_details_errors_rerender_422(owner_client: Client, owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="สอบถาม")
    other_team = Team.objects.create(workspace=MembershipFactory().workspace, name="ทีมร้านอื่น")
    url = reverse("service:ticket_details", kwargs={"ticket_id": ticket.pk})
    for data in (
        {"ticket_type": "rant", "priority": "normal"},
        {"ticket_type": "question", "priority": "normal", "team_id": other_team.pk},
    ):
        response = owner_client.post(url, data)
        assert response.status_code == 422
        assert 'id="details-form"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.team_id is None and ticket.type == "question"


def test_ticket_details_of_another_shop_is_404(owner_client: Client) -> None:
    other = MembershipFactory()
    theirs = Ticket.objects.create(
        workspace=other.workspace, number=1, subject="ของร้านอื่น", opened_at=timezone.now()
    )
    url = reverse("service:ticket_details", kwargs={"ticket_id": theirs.pk})
    assert (
        owner_client.post(url, {"ticket_type": "question", "priority": "high"}).status_code == 404
    )


def test_details_need_ticket_permission(client: Client, owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="สอบถาม")
    marketer = MembershipFactory(workspace=owner.workspace, role="marketer")
    client.force_login(marketer.user)
    url = reverse("service:ticket_details", kwargs={"ticket_id": ticket.pk})
    response = client.post(url, {"ticket_type": "question", "priority": "urgent"})
    assert response.status_code in (302, 403)
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert client.get(reverse("service:settings")).status_code in (302, 403)


def test_categories_and_teams_page(owner_client: Client, owner: Actor) -> None:
    queue = owner_client.get(reverse("service:queue")).content.decode()
    assert f'href="{reverse("service:settings")}"' in queue
    url = reverse("service:settings")
    page = owner_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="category-form"' in html and 'id="team-form"' in html
    assert 'class="cards"' not in html  # nothing listed yet
    assert owner_client.post(url, {"form": "category", "name": "ขนาดไม่ตรง"}).status_code == 302
    assert owner_client.post(url, {"form": "team", "name": "ออนไลน์"}).status_code == 302
    assert TicketCategory.objects.filter(workspace=owner.workspace, name="ขนาดไม่ตรง").exists()
    team = Team.objects.get(workspace=owner.workspace, name="ออนไลน์")
    duplicate = owner_client.post(url, {"form": "team", "name": "ออนไลน์"})
    assert duplicate.status_code == 422
    empty = owner_client.post(url, {"form": "category", "name": ""})
    assert empty.status_code == 422
    html = owner_client.get(url).content.decode()
    assert "ขนาดไม่ตรง" in html and "ออนไลน์" in html and 'class="cards"' in html
    # Out of use: still listed here, no longer offered on a ticket.
    off = owner_client.post(url, {"form": "team_use", "id": team.pk, "is_active": "0"})
    assert off.status_code == 302
    team.refresh_from_db()
    assert team.is_active is False
    ticket = ticket_create(actor=owner, subject="สอบถาม")
    ticket_html = owner_client.get(reverse("service:ticket", kwargs={"ticket_id": ticket.pk}))
    html = ticket_html.content.decode()
    team_select = html[html.index('name="team_id"') :]
    team_select = team_select[: team_select.index("</select>")]
    assert "ออนไลน์" not in team_select
    theirs = Team.objects.create(workspace=MembershipFactory().workspace, name="ทีมร้านอื่น")
    refused = owner_client.post(url, {"form": "team_use", "id": theirs.pk, "is_active": "0"})
    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active is True
