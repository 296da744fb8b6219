"""Interactions, follow-up tasks and the timeline that records them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor, actor_for_api_key
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.customers import consent_services, interaction_services, selectors
from samphan.customers.models import Customer, FollowUp, Interaction
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, MembershipFactory

TOMORROW = dt.timedelta(days=1)


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return CustomerFactory(workspace=owner.workspace)


def _types(customer: Customer) -> list[str]:
    """The customer's events, newest first, after the ``customer.created`` they start with."""
    return list(
        TimelineEvent.objects.filter(customer=customer)
        .exclude(type="customer.created")
        .order_by("-occurred_at", "-id")
        .values_list("type", flat=True)
    )


def test_call_with_follow_up_in_one_transaction(owner: Actor, customer: Customer) -> None:
    due = timezone.now() + TOMORROW
    result = interaction_services.interaction_log(
        actor=owner,
        customer_id=customer.pk,
        kind="call",
        summary="ถามเรื่องส่วนลดสั่ง 50 ชิ้น",
        outcome="สนใจ",
        pain_points="ล็อตก่อนส่งช้า",
        next_step="ส่งใบเสนอราคา",
        followup=interaction_services.FollowUpInput(title="โทรถามผล", due_at=due),
    )
    assert result.followup is not None
    assert result.followup.interaction_id == result.interaction.pk
    assert result.followup.assignee_id == owner.user.pk  # type: ignore[union-attr]
    assert result.interaction.staff_id == owner.user.pk  # type: ignore[union-attr]
    assert _types(customer) == ["followup.created", "interaction.logged"]
    logged = TimelineEvent.objects.get(customer=customer, type="interaction.logged")
    assert logged.payload["pain_points"] == "ล็อตก่อนส่งช้า"
    assert logged.links == {"interaction": result.interaction.pk}


def test_a_bad_follow_up_rolls_the_interaction_back(owner: Actor, customer: Customer) -> None:
    outsider = MembershipFactory()  # a member of another shop
    events = TimelineEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        interaction_services.interaction_log(
            actor=owner,
            customer_id=customer.pk,
            kind="visit",
            summary="มาดูสินค้า",
            followup=interaction_services.FollowUpInput(
                title="นัดส่งของ", due_at=timezone.now() + TOMORROW, assignee_id=outsider.user_id
            ),
        )
    assert exc.value.code == "assignee_not_member"
    assert not Interaction.objects.exists() and TimelineEvent.objects.count() == events


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"kind": "telepathy", "summary": "x"}, "invalid_kind"),
        ({"kind": "call"}, "interaction_empty"),
        (
            {"kind": "call", "summary": "x", "occurred_at": timezone.now() + TOMORROW},
            "interaction_in_future",
        ),
    ],
)
def test_interaction_is_checked(
    owner: Actor,
    customer: Customer,
    kwargs: dict,
    code: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(ApplicationError) as exc:
        interaction_services.interaction_log(actor=owner, customer_id=customer.pk, **kwargs)
    assert exc.value.code == code


def test_follow_up_done_and_cancelled_close_once(owner: Actor, customer: Customer) -> None:
    a = interaction_services.followup_create(
        actor=owner, customer_id=customer.pk, title="ส่งตัวอย่าง", due_at=timezone.now() + TOMORROW
    )
    b = interaction_services.followup_create(
        actor=owner, customer_id=customer.pk, title="โทรยืนยัน", due_at=timezone.now() + TOMORROW
    )
    interaction_services.followup_complete(actor=owner, followup_id=a.pk, note="ส่งแล้ว")
    interaction_services.followup_cancel(actor=owner, followup_id=b.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("done", "cancelled") and a.done_at is not None
    with pytest.raises(ApplicationError) as exc:
        interaction_services.followup_complete(actor=owner, followup_id=a.pk)
    assert exc.value.code == "followup_closed" and exc.value.status == 409
    done = TimelineEvent.objects.filter(customer=customer, type="followup.done").order_by("id")
    assert [e.payload["status"] for e in done] == ["done", "cancelled"]
    assert done[0].payload["note"] == "ส่งแล้ว"


def test_follow_ups_of_another_shop_are_not_found(owner: Actor) -> None:
    elsewhere = CustomerFactory()
    task = FollowUp.objects.create(
        workspace=elsewhere.workspace, customer=elsewhere, title="x", due_at=timezone.now()
    )
    with pytest.raises(NotFound):
        interaction_services.followup_complete(actor=owner, followup_id=task.pk)
    with pytest.raises(NotFound):
        selectors.followup_get(actor=owner, followup_id=task.pk)


def test_my_tasks_and_overdue(
    owner: Actor, owner_membership: Membership, customer: Customer
) -> None:
    colleague = MembershipFactory(workspace=owner_membership.workspace, role=Role.STAFF)
    now = timezone.now()
    mine_late = interaction_services.followup_create(
        actor=owner, customer_id=customer.pk, title="late", due_at=now - TOMORROW
    )
    mine_soon = interaction_services.followup_create(
        actor=owner, customer_id=customer.pk, title="soon", due_at=now + TOMORROW
    )
    theirs_late = interaction_services.followup_create(
        actor=owner,
        customer_id=customer.pk,
        title="theirs",
        due_at=now - 2 * TOMORROW,
        assignee_id=colleague.user_id,
    )
    done_late = interaction_services.followup_create(
        actor=owner, customer_id=customer.pk, title="done", due_at=now - 3 * TOMORROW
    )
    interaction_services.followup_complete(actor=owner, followup_id=done_late.pk)
    mine = selectors.followup_list(actor=owner, mine=True)
    assert list(mine) == [mine_late, mine_soon]
    overdue = selectors.followup_list(actor=owner, overdue=True)
    assert list(overdue) == [theirs_late, mine_late]
    assert list(selectors.followup_list(actor=owner, mine=True, overdue=True)) == [mine_late]
    key = actor_for_api_key(workspace=owner.workspace, api_key_id=1, read_only=False)
    with pytest.raises(ApplicationError) as exc:
        selectors.followup_list(actor=key, mine=True)
    assert exc.value.code == "mine_needs_user"


def test_timeline_pages_by_keyset_without_gaps_or_repeats(owner: Actor, customer: Customer) -> None:
    same_moment = timezone.now() - dt.timedelta(hours=1)
    for i in range(25):  # many events at the same instant: the id breaks the tie
        interaction_services.interaction_log(
            actor=owner,
            customer_id=customer.pk,
            kind="chat",
            summary=f"{i}",
            occurred_at=same_moment,
        )
    interaction_services.note_add(actor=owner, customer_id=customer.pk, text="ล่าสุด")
    seen: list[int] = []
    before = ""
    while True:
        page = selectors.timeline_page(
            actor=owner, customer_id=customer.pk, before=before, limit=10
        )
        seen += [e.pk for e in page.events]
        if not page.next_cursor:
            break
        before = page.next_cursor
    everything = list(
        TimelineEvent.objects.filter(customer=customer)
        .order_by("-occurred_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == everything and len(seen) == 27  # and customer.created
    notes = selectors.timeline_page(actor=owner, customer_id=customer.pk, types=["note.added"])
    assert [e.type for e in notes.events] == ["note.added"] and notes.next_cursor == ""
    with pytest.raises(ApplicationError):
        selectors.timeline_page(actor=owner, customer_id=customer.pk, before="not-a-cursor")
    with pytest.raises(ApplicationError):
        selectors.timeline_page(actor=owner, customer_id=customer.pk, types=["made.up"])


# --- pages --------------------------------------------------------------------------------------


def test_interaction_page_logs_a_call_with_a_follow_up(
    owner_client: Client, owner_membership: Membership, customer: Customer
) -> None:
    url = reverse("customers:interaction_new", args=[customer.pk])
    form = owner_client.get(url)
    assert form.status_code == 200
    due = (timezone.localtime() + TOMORROW).strftime("%Y-%m-%dT%H:%M")
    response = owner_client.post(
        url,
        {
            "kind": "call",
            "summary": "ลูกค้าโทรมาถามสต็อก",
            "outcome": "จะมาซื้อพรุ่งนี้",
            "pain_points": "",
            "next_step": "เก็บของไว้ให้",
            "followup_title": "เช็กว่ามารับของหรือยัง",
            "followup_due": due,
            "followup_assignee": str(owner_membership.user_id),
        },
    )
    assert response.status_code == 302
    task = FollowUp.objects.get(customer=customer)
    assert task.title == "เช็กว่ามารับของหรือยัง" and task.interaction is not None
    page = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-type="interaction.logged"' in page and 'data-type="followup.created"' in page
    assert "ลูกค้าโทรมาถามสต็อก" in page


def test_follow_up_title_without_a_due_date_is_an_error(
    owner_client: Client, customer: Customer
) -> None:
    response = owner_client.post(
        reverse("customers:interaction_new", args=[customer.pk]),
        {"kind": "chat", "summary": "ทักมาทาง LINE", "followup_title": "ตอบกลับ"},
    )
    assert response.status_code == 200 and response.context["form"].errors["followup_due"]
    assert not Interaction.objects.exists()


def test_timeline_fragment_filters_and_pages_for_htmx(
    owner: Actor, owner_client: Client, customer: Customer
) -> None:
    for i in range(25):
        interaction_services.note_add(actor=owner, customer_id=customer.pk, text=f"โน้ต {i}")
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="profiling", granted=True
    )
    url = reverse("customers:timeline", args=[customer.pk])
    headers = {"HX-Request": "true"}
    first = owner_client.get(url, {"type": "note.added"}, headers=headers)
    html = first.content.decode()
    assert "<html" not in html  # a fragment
    assert html.count('data-type="note.added"') == 20 and "consent.changed" not in html
    cursor = first.context["next_cursor"]
    more = owner_client.get(url, {"type": "note.added", "before": cursor}, headers=headers)
    assert more.content.decode().count('data-type="note.added"') == 5
    assert more.context["next_cursor"] == ""
    full = owner_client.get(url)
    assert "<html" in full.content.decode()


def test_tasks_page_and_done_button(owner: Actor, owner_client: Client, customer: Customer) -> None:
    late = interaction_services.followup_create(
        actor=owner, customer_id=customer.pk, title="โทรตาม", due_at=timezone.now() - TOMORROW
    )
    for show in ("mine", "overdue", "open", "bogus"):
        response = owner_client.get(reverse("customers:tasks"), {"show": show})
        assert response.status_code == 200
        assert "โทรตาม" in response.content.decode()
    done_url = reverse("customers:task_done", args=[late.pk])
    assert owner_client.get(done_url).status_code == 302  # GET never changes anything
    late.refresh_from_db()
    assert late.status == "open"
    row = owner_client.post(
        done_url, {"next": "/tasks/", "show_customer": "1"}, headers={"HX-Request": "true"}
    )
    assert row.status_code == 200 and f'id="task-{late.pk}"' in row.content.decode()
    late.refresh_from_db()
    assert late.status == "done"
    again = owner_client.post(done_url, {"next": "//evil.example/"})
    assert again.status_code == 302 and again["Location"] == reverse("customers:tasks")


def test_follow_up_page_and_cancel(owner_client: Client, customer: Customer) -> None:
    url = reverse("customers:followup_new", args=[customer.pk])
    assert owner_client.get(url).status_code == 200
    due = (timezone.localtime() + TOMORROW).strftime("%Y-%m-%dT%H:%M")
    assert owner_client.post(url, {"title": "ส่งใบเสนอราคา", "due_at": due}).status_code == 302
    task = FollowUp.objects.get(customer=customer)
    owner_client.post(reverse("customers:task_cancel", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == "cancelled"


def test_marketer_cannot_log_or_close(
    owner: Actor, owner_membership: Membership, customer: Customer
) -> None:
    task = interaction_services.followup_create(
        actor=owner, customer_id=customer.pk, title="x", due_at=timezone.now()
    )
    membership = MembershipFactory(workspace=owner_membership.workspace, role=Role.MARKETER)
    client = Client()
    client.force_login(membership.user)
    assert client.get(reverse("customers:tasks")).status_code == 200
    assert client.get(reverse("customers:interaction_new", args=[customer.pk])).status_code == 403
    assert client.post(reverse("customers:task_done", args=[task.pk])).status_code == 403
