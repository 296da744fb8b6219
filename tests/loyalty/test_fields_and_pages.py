"""Loyalty in the segment builder and on pages: points fields, the customer-page panel, the
loyalty pages (Thai by default), and another workspace's member is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samphan.core.access import Actor
from samphan.core.roles import Role
from samphan.loyalty.models import Programme
from samphan.segments.rules import segment_queryset
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory


def _tree(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"op": "and", "items": [{"field": field, "operator": op, "value": value}]}


def test_points_fields_select_members(owner: Actor) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0, expiry_months=1)
    rich = CustomerFactory(workspace=owner.workspace)
    poor = CustomerFactory(workspace=owner.workspace)
    nobody = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=rich, total_satang=250_000)  # 100
    OrderFactory(workspace=owner.workspace, customer=poor, total_satang=25_000)  # 10
    found = set(segment_queryset(owner, _tree("points_balance", "gte", 50)))
    assert found == {rich}
    # Ten days on, points earned now with a 1-month expiry expire within 30 days.
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    expiring = set(segment_queryset(owner, _tree("points_expiring", "gte", 5), now=soon))
    assert expiring == {rich, poor}
    assert nobody in set(segment_queryset(owner, _tree("points_expiring", "lt", 5), now=soon))
    later = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    assert not set(segment_queryset(owner, _tree("points_expiring", "gte", 1), now=later))


def test_pages_in_thai(owner: Actor, owner_client: Client) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    html = owner_client.get(reverse("loyalty:overview")).content.decode()
    assert 'id="outstanding-points"' in html
    assert "สะสมแต้ม" in html or "Loyalty" in html
    assert owner_client.get(reverse("loyalty:programme")).status_code == 200
    profile = owner_client.get(reverse("customers:detail", kwargs={"customer_id": customer.pk}))
    assert 'id="points-available"' in profile.content.decode()
    member = owner_client.get(reverse("loyalty:member", kwargs={"customer_id": customer.pk}))
    assert member.status_code == 200 and 'id="adjust"' in member.content.decode()


def test_programme_form_saves(owner: Actor, owner_client: Client) -> None:
    response = owner_client.post(
        reverse("loyalty:programme"),
        {
            "is_active": "on",
            "points_per_unit": "2",
            "unit_baht": "100",
            "rounding": "round",
            "pending_days": "0",
            "point_value_baht": "0.50",
            "expiry_rule": "calendar_year",
            "expiry_months": "12",
            "welcome_bonus": "0",
            "birthday_bonus": "20",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get(workspace=owner.workspace)
    assert (programme.points_per_unit, programme.unit_satang) == (2, 10_000)
    assert programme.redeem_satang_per_point == 50 and programme.expiry_rule == "calendar_year"


def test_adjust_page_and_permissions(owner: Actor, owner_client: Client, client: Client) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    url = reverse("loyalty:member", kwargs={"customer_id": customer.pk})
    response = owner_client.post(url, {"points": "25", "reason": "ชดเชย"})
    assert response.status_code == 302
    staff = MembershipFactory(workspace=owner.workspace, role=Role.STAFF)
    client.force_login(staff.user)
    assert client.get(reverse("loyalty:overview")).status_code == 403
    assert client.get(url).status_code == 200
    assert client.post(url, {"points": "25", "reason": "x"}).status_code == 403
    stranger = CustomerFactory()
    other = reverse("loyalty:member", kwargs={"customer_id": stranger.pk})
    assert owner_client.get(other).status_code == 404


def test_the_member_page_reads_the_member_once(owner: Actor, owner_client: Client) -> None:
    """The points and the ledger take the customer the page read (it was read three times)."""
    customer = CustomerFactory(workspace=owner.workspace)
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    url = reverse("loyalty:member", kwargs={"customer_id": customer.pk})
    owner_client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert owner_client.get(url).status_code == 200
    reads = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "customers_customer"."id"')
        and f'"customers_customer"."id" = {customer.pk}' in q["sql"]
    ]
    assert len(reads) == 1, reads
