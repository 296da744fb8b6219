"""Refunds, cancellations and returns: the service, its permissions, the API and the order page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.commerce import subscribers as commerce_subscribers
from samphan.commerce.events import OrderPlaced, OrderStatusChanged
from samphan.commerce.models import Order, OrderStatus, SalesChannel
from samphan.commerce.services import LineInput, order_create, order_status_change
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import AuditLog, Membership
from samphan.core.roles import Role
from samphan.customers.models import Customer, LifecycleStage
from samphan.timeline.models import TimelineEvent
from tests.conftest import ApiClient
from tests.factories import (
    BranchFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    SalesChannelFactory,
)

REASON = "ลูกค้าเปลี่ยนใจ คืนเงินทาง PromptPay"


@pytest.fixture
def channel(owner: Actor) -> SalesChannel:
    return SalesChannelFactory.create(workspace=owner.workspace, name="หน้าร้าน")


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return CustomerFactory.create(workspace=owner.workspace, first_name="มาลี")


def _sale(
    actor: Actor,
    channel: SalesChannel,
    customer: Customer | None,
    price: int = 6500,
    placed_at: dt.datetime | None = None,
    branch_id: int | None = None,
) -> Order:
    return order_create(
        actor=actor,
        channel_id=channel.pk,
        customer_id=customer.pk if customer else None,
        branch_id=branch_id,
        lines=[LineInput(name="ชาไทยเย็น", quantity=2, unit_price_satang=price)],
        placed_at=placed_at,
    ).order


def _member(owner: Actor, role: str, **kw: Any) -> Actor:
    membership = MembershipFactory.create(workspace=owner.workspace, role=role, **kw)
    return actor_for_membership(membership)


def _yesterday() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=1, hours=1)


# --- the service ------------------------------------------------------------------------------


def test_refund_takes_the_order_out_of_the_customer_totals(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    first = _sale(owner, channel, customer, price=6500)
    _sale(owner, channel, customer, price=4000)
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent_satang) == (2, 21000)
    assert customer.lifecycle_stage == LifecycleStage.REPEAT

    result = order_status_change(
        actor=owner, order_id=first.pk, status="refunded", reason=f"  {REASON} ", ip="10.0.0.7"
    )

    assert result.changed and result.order.status == OrderStatus.REFUNDED
    assert Order.objects.get(pk=first.pk).status == OrderStatus.REFUNDED
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent_satang) == (1, 8000)
    assert customer.lifecycle_stage == LifecycleStage.FIRST_PURCHASE
    event = TimelineEvent.objects.get(customer=customer, type=OrderStatusChanged.type)
    assert event.links == {"order": first.pk}
    assert event.payload == {
        "number": first.number,
        "from": "paid",
        "to": "refunded",
        "total_satang": 13000,
        "reason": REASON,
    }
    assert event.actor == owner.user
    audit = AuditLog.objects.get(workspace=owner.workspace, action="order.status_changed")
    assert audit.actor == owner.user and audit.target == first.number and audit.ip == "10.0.0.7"
    assert audit.data["reason"] == REASON
    assert (audit.data["from"], audit.data["to"], audit.data["order_id"]) == (
        "paid",
        "refunded",
        first.pk,
    )


def test_cancelling_the_only_order_makes_the_customer_a_prospect_again(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    order_status_change(actor=owner, order_id=order.pk, status="cancelled", reason="คีย์ผิด")
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent_satang) == (0, 0)
    assert customer.last_order_at is None
    assert customer.lifecycle_stage == LifecycleStage.PROSPECT


@pytest.mark.parametrize("status", ["cancelled", "refunded", "returned"])
def test_a_paid_order_may_become_any_final_status(
    owner: Actor, channel: SalesChannel, customer: Customer, status: str
) -> None:
    order = _sale(owner, channel, customer)
    assert order_status_change(actor=owner, order_id=order.pk, status=status, reason="x").changed
    assert Order.objects.get(pk=order.pk).status == status


@pytest.mark.parametrize(
    "current,wanted",
    [
        ("cancelled", "paid"),
        ("refunded", "paid"),
        ("returned", "paid"),
        ("cancelled", "refunded"),
        ("refunded", "returned"),
        ("returned", "cancelled"),
    ],
)
def test_a_final_order_never_changes(
    owner: Actor, channel: SalesChannel, customer: Customer, current: str, wanted: str
) -> None:
    order = OrderFactory.create(workspace=owner.workspace, customer=customer, status=current)
    # A refunded or returned order was paid first: its own change is already written.
    events = TimelineEvent.objects.filter(type=OrderStatusChanged.type).count()
    audits = AuditLog.objects.filter(action="order.status_changed").count()
    with pytest.raises(ApplicationError) as err:
        order_status_change(actor=owner, order_id=order.pk, status=wanted, reason="ลองดู")
    assert err.value.code == "invalid_status_change" and err.value.status == 409
    assert err.value.details["field"] == "status"
    assert Order.objects.get(pk=order.pk).status == current
    assert TimelineEvent.objects.filter(type=OrderStatusChanged.type).count() == events
    assert AuditLog.objects.filter(action="order.status_changed").count() == audits


def test_asking_for_the_current_status_is_a_no_op(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    assert order_status_change(
        actor=owner, order_id=order.pk, status="refunded", reason="a"
    ).changed
    again = order_status_change(actor=owner, order_id=order.pk, status="refunded", reason="b")
    assert not again.changed and again.order.status == OrderStatus.REFUNDED
    assert TimelineEvent.objects.filter(type=OrderStatusChanged.type).count() == 1
    assert AuditLog.objects.filter(action="order.status_changed").count() == 1
    paid = _sale(owner, channel, customer)
    assert not order_status_change(actor=owner, order_id=paid.pk, status="paid", reason="x").changed


@pytest.mark.parametrize(
    "status,reason,code,field",
    [
        ("refunded", "", "reason_required", "reason"),
        ("refunded", " \n\t ", "reason_required", "reason"),
        ("refunded", "ก" * 501, "too_long", "reason"),
        ("lost", "หาย", "invalid_status", "status"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(
    owner: Actor,
    channel: SalesChannel,
    customer: Customer,
    status: str,
    reason: str,
    code: str,
    field: str,
) -> None:
    order = _sale(owner, channel, customer)
    with pytest.raises(ApplicationError) as err:
        order_status_change(actor=owner, order_id=order.pk, status=status, reason=reason)
    assert (err.value.code, err.value.status, err.value.details["field"]) == (code, 422, field)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert Customer.objects.get(pk=customer.pk).orders_count == 1


def test_another_workspace_order_is_not_found(owner: Actor) -> None:
    other = OrderFactory.create()
    with pytest.raises(NotFound):
        order_status_change(actor=owner, order_id=other.pk, status="refunded", reason="x")
    assert Order.objects.get(pk=other.pk).status == OrderStatus.PAID


def test_it_is_one_transaction(
    owner: Actor,
    channel: SalesChannel,
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = _sale(owner, channel, customer)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("summary failed")

    # The in-transaction subscriber fails: the status change fails with it.
    monkeypatch.setattr(commerce_subscribers, "customer_summaries_update", broken)
    with pytest.raises(RuntimeError):
        order_status_change(actor=owner, order_id=order.pk, status="refunded", reason="x")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not TimelineEvent.objects.filter(type=OrderStatusChanged.type).exists()
    assert not AuditLog.objects.filter(action="order.status_changed").exists()


def test_a_walk_in_order_records_its_events_too(owner: Actor, channel: SalesChannel) -> None:
    order = _sale(owner, channel, None)
    assert order_status_change(
        actor=owner, order_id=order.pk, status="cancelled", reason="x"
    ).changed
    history = TimelineEvent.objects.filter(order=order).order_by("occurred_at", "id")
    assert [e.type for e in history] == [OrderPlaced.type, OrderStatusChanged.type]
    assert all(e.customer_id is None for e in history)
    assert history.last().payload == {  # type: ignore[union-attr]
        "number": order.number,
        "from": "paid",
        "to": "cancelled",
        "total_satang": order.total_satang,
        "reason": "x",
    }
    assert AuditLog.objects.get(action="order.status_changed").data["customer_id"] is None


# --- who may do it ----------------------------------------------------------------------------

# (role, status, placed today?) → allowed
ROLE_CASES = [
    (Role.OWNER, "refunded", False, True),
    (Role.OWNER, "cancelled", False, True),
    (Role.MANAGER, "returned", False, True),
    (Role.MANAGER, "cancelled", False, True),
    (Role.STAFF, "cancelled", True, True),
    (Role.STAFF, "cancelled", False, False),
    (Role.STAFF, "refunded", True, False),
    (Role.STAFF, "returned", True, False),
    (Role.MARKETER, "cancelled", True, False),
    (Role.MARKETER, "refunded", True, False),
    (Role.SUPPORT, "cancelled", True, False),
    (Role.SUPPORT, "refunded", True, False),
]


@pytest.mark.parametrize("role,status,today,allowed", ROLE_CASES)
def test_permission_per_role(
    owner: Actor,
    channel: SalesChannel,
    customer: Customer,
    role: str,
    status: str,
    today: bool,
    allowed: bool,
) -> None:
    order = _sale(owner, channel, customer, placed_at=None if today else _yesterday())
    actor = _member(owner, role)
    if allowed:
        assert order_status_change(
            actor=actor, order_id=order.pk, status=status, reason="x"
        ).changed
        assert Order.objects.get(pk=order.pk).status == status
        return
    with pytest.raises(PermissionDenied):
        order_status_change(actor=actor, order_id=order.pk, status=status, reason="x")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert Customer.objects.get(pk=customer.pk).orders_count == 1


def test_staff_are_told_why_they_cannot_cancel_an_older_sale(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer, placed_at=_yesterday())
    with pytest.raises(PermissionDenied) as err:
        order_status_change(
            actor=_member(owner, Role.STAFF), order_id=order.pk, status="cancelled", reason="x"
        )
    assert err.value.code == "cancel_today_only"


def test_branch_limited_staff_cannot_touch_another_branch(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    mine = BranchFactory.create(workspace=owner.workspace, name="สาขาสีลม")
    theirs = BranchFactory.create(workspace=owner.workspace, name="สาขาบางนา")
    membership = MembershipFactory.create(workspace=owner.workspace, role=Role.STAFF)
    membership.branches.set([mine])
    staff = actor_for_membership(membership)
    other = _sale(owner, channel, customer, branch_id=theirs.pk)
    here = _sale(owner, channel, customer, branch_id=mine.pk)
    with pytest.raises(NotFound):
        order_status_change(actor=staff, order_id=other.pk, status="cancelled", reason="x")
    assert order_status_change(
        actor=staff, order_id=here.pk, status="cancelled", reason="x"
    ).changed


# --- the API ----------------------------------------------------------------------------------


def _url(order: Order) -> str:
    return f"/api/v1/orders/{order.pk}/status"


def test_api_refunds_an_order(
    api_rw: ApiClient, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    response = api_rw.post(_url(order), {"status": "refunded", "reason": REASON})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["changed"]) == (order.pk, "refunded", True)
    assert body["lines"][0]["name"] == "ชาไทยเย็น"
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent_satang) == (0, 0)
    event = TimelineEvent.objects.get(type=OrderStatusChanged.type)
    assert event.payload["reason"] == REASON and event.actor is None
    assert event.actor_label.startswith("api-key:")
    audit = AuditLog.objects.get(action="order.status_changed")
    assert audit.actor is None and audit.actor_label.startswith("api-key:")
    again = api_rw.post(_url(order), {"status": "refunded", "reason": REASON})
    assert again.status_code == 200 and again.json()["changed"] is False


@pytest.mark.parametrize(
    "payload,status,code",
    [
        ({"status": "refunded"}, 422, "validation_error"),
        ({"status": "refunded", "reason": "   "}, 422, "reason_required"),
        ({"status": "sold", "reason": "x"}, 422, "invalid_status"),
        ({"reason": "x"}, 422, "validation_error"),
    ],
)
def test_api_bad_requests(
    api_rw: ApiClient,
    owner: Actor,
    channel: SalesChannel,
    customer: Customer,
    payload: dict[str, str],
    status: int,
    code: str,
) -> None:
    order = _sale(owner, channel, customer)
    response = api_rw.post(_url(order), payload)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_api_refuses_an_invalid_transition(
    api_rw: ApiClient, owner: Actor, customer: Customer
) -> None:
    order = OrderFactory.create(workspace=owner.workspace, customer=customer, status="cancelled")
    response = api_rw.post(_url(order), {"status": "paid", "reason": "เปิดใหม่"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_status_change"
    assert error["details"] == {"field": "status", "from": "cancelled", "to": "paid"}


def test_api_read_only_key_is_refused(
    api_ro: ApiClient, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    response = api_ro.post(_url(order), {"status": "refunded", "reason": REASON})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_key"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_api_other_workspace_order_is_404(api_rw: ApiClient) -> None:
    other = OrderFactory.create()
    response = api_rw.post(_url(other), {"status": "refunded", "reason": REASON})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"
    assert Order.objects.get(pk=other.pk).status == OrderStatus.PAID


# --- the order page ---------------------------------------------------------------------------


def _page(order: Order) -> str:
    return reverse("commerce:order_detail", args=[order.pk])


def _client(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_order_page_renders_in_thai(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    response = owner_client.get(_page(order))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th"' in html
    assert f"คำสั่งซื้อ {order.number}" in html
    assert "ชำระแล้ว" in html  # the status, in Thai
    assert "ชาไทยเย็น" in html and "฿130.00" in html
    assert reverse("customers:detail", args=[customer.pk]) in html
    assert [c[0] for c in response.context["choices"]] == ["cancelled", "refunded", "returned"]
    assert 'name="reason"' in html


def test_order_page_review_then_confirm(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    review = owner_client.post(
        _page(order), {"action": "review", "status": "refunded", "reason": f" {REASON} "}
    )
    assert review.status_code == 200 and review.context["confirm"]
    html = review.content.decode()
    assert 'value="confirm"' in html and REASON in html
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID  # nothing saved yet

    done = owner_client.post(
        _page(order), {"action": "confirm", "status": "refunded", "reason": REASON}, follow=True
    )
    assert done.redirect_chain == [(_page(order), 302)]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    page = done.content.decode()
    assert "คืนเงินแล้ว" in page  # the new status, in Thai
    assert REASON in page  # in the status history
    assert not done.context["choices"]  # a refunded order offers no further change
    assert Customer.objects.get(pk=customer.pk).orders_count == 0
    assert AuditLog.objects.get(action="order.status_changed").actor == owner.user

    twice = owner_client.post(
        _page(order), {"action": "confirm", "status": "refunded", "reason": REASON}
    )
    assert twice.status_code == 302
    assert TimelineEvent.objects.filter(type=OrderStatusChanged.type).count() == 1


def test_order_page_shows_a_missing_reason_next_to_the_field(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    response = owner_client.post(_page(order), {"action": "review", "status": "cancelled"})
    assert response.status_code == 422
    assert response.context["error_field"] == "reason" and not response.context["confirm"]
    assert 'id="order-reason-error"' in response.content.decode()
    confirm = owner_client.post(_page(order), {"action": "confirm", "status": "cancelled"})
    assert confirm.status_code == 422
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_staff_page_offers_cancel_today_only(
    owner: Actor,
    owner_membership: Membership,
    channel: SalesChannel,
    customer: Customer,
) -> None:
    client = _client(MembershipFactory.create(workspace=owner.workspace, role=Role.STAFF))
    today = _sale(owner, channel, customer)
    old = _sale(owner, channel, customer, placed_at=_yesterday())
    assert [c[0] for c in client.get(_page(today)).context["choices"]] == ["cancelled"]
    old_page = client.get(_page(old))
    assert old_page.context["choices"] == [] and old_page.context["today_only"]
    refused = client.post(_page(old), {"action": "confirm", "status": "cancelled", "reason": "x"})
    assert refused.status_code == 403
    assert Order.objects.get(pk=old.pk).status == OrderStatus.PAID
    ok = client.post(_page(today), {"action": "confirm", "status": "cancelled", "reason": "คีย์ผิด"})
    assert ok.status_code == 302
    assert Order.objects.get(pk=today.pk).status == OrderStatus.CANCELLED


def test_marketer_sees_the_order_but_cannot_change_it(
    owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    client = _client(MembershipFactory.create(workspace=owner.workspace, role=Role.MARKETER))
    order = _sale(owner, channel, customer)
    page = client.get(_page(order))
    assert page.status_code == 200 and page.context["choices"] == []
    assert 'name="reason"' not in page.content.decode()
    refused = client.post(_page(order), {"action": "confirm", "status": "refunded", "reason": "x"})
    assert refused.status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_order_page_of_another_workspace_is_404(owner_client: Client) -> None:
    other = OrderFactory.create()
    assert owner_client.get(_page(other)).status_code == 404
    posted = owner_client.post(
        _page(other), {"action": "confirm", "status": "refunded", "reason": "x"}
    )
    assert posted.status_code == 404
    assert Order.objects.get(pk=other.pk).status == OrderStatus.PAID


def test_history_of_an_order_without_a_customer_comes_from_the_audit_log(
    owner_client: Client, owner: Actor, channel: SalesChannel
) -> None:
    order = _sale(owner, channel, None)
    order_status_change(actor=owner, order_id=order.pk, status="cancelled", reason="ขายผิดโต๊ะ")
    response = owner_client.get(_page(order))
    assert [(h.new, h.reason) for h in response.context["history"]] == [("ยกเลิกแล้ว", "ขายผิดโต๊ะ")]


def test_customer_timeline_links_to_the_order_page(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert f'href="{_page(order)}"' in html


def test_customer_timeline_shows_the_status_change_in_words_with_the_reason(
    owner_client: Client, owner: Actor, channel: SalesChannel, customer: Customer
) -> None:
    order = _sale(owner, channel, customer)
    order_status_change(actor=owner, order_id=order.pk, status="refunded", reason="สินค้าชำรุด")
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "ชำระแล้ว → คืนเงินแล้ว" in html  # the labels, not "paid → refunded"
    assert "สินค้าชำรุด" in html
