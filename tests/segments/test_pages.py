"""Segment pages: render in Thai and English, the builder's htmx partials, save, freeze,
delete, export, roles."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.segments import services
from samphan.segments.models import Segment, SegmentSnapshot
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db

BANGKOK: dict[str, Any] = {
    "op": "and",
    "items": [{"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"}],
}


@pytest.fixture
def segment(owner: Actor) -> Segment:
    for _ in range(3):
        CustomerFactory(workspace=owner.workspace, province="กรุงเทพมหานคร", first_name="มานี")
    CustomerFactory(workspace=owner.workspace, province="ตรัง")
    segment = services.segment_create(actor=owner, name="คนกรุง", rules=BANGKOK)
    services.segments_snapshot_all(workspace=owner.workspace)
    services.segments_snapshot_all(workspace=owner.workspace)
    return segment


def _pages(segment: Segment) -> list[str]:
    snapshot = SegmentSnapshot.objects.filter(segment=segment).first()
    assert snapshot is not None
    ids = {"segment_id": segment.pk}
    return [
        reverse("segments:list"),
        reverse("segments:new"),
        reverse("segments:detail", kwargs=ids),
        reverse("segments:edit", kwargs=ids),
        reverse("segments:delete", kwargs=ids),
        reverse("segments:snapshot", kwargs={**ids, "snapshot_id": snapshot.pk}),
    ]


def test_pages_render_in_thai(owner_client: Client, segment: Segment) -> None:
    for url in _pages(segment):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="th"' in html, url
        # The navigation's Segments item is the current one on every segment page.
        assert re.search(r'href="/segments/" aria-current="page">.*?กลุ่มลูกค้า', html), url


def test_pages_render_in_english(owner_membership: Membership, segment: Segment) -> None:
    owner_membership.user.language = "en"
    owner_membership.user.save(update_fields=["language"])
    client = Client()
    client.force_login(owner_membership.user)
    expected = ["New segment", "New segment", "Freeze now", "Save segment", "Delete segment"]
    for url, text in zip(_pages(segment), [*expected, "Frozen list"], strict=True):
        html = client.get(url).content.decode()
        assert '<html lang="en"' in html, url
        assert text in html, (url, text)
    detail = client.get(reverse("segments:detail", kwargs={"segment_id": segment.pk}))
    assert "Province is กรุงเทพมหานคร (Bangkok)" in detail.content.decode()


def test_list_shows_sizes_and_chart_data(owner_client: Client, segment: Segment) -> None:
    html = owner_client.get(reverse("segments:list")).content.decode()
    assert "คนกรุง" in html
    assert f'hx-get="/segments/{segment.pk}/count/"' in html
    assert 'id="segment-charts"' in html and 'data-chart="' in html
    count = owner_client.get(reverse("segments:count", kwargs={"segment_id": segment.pk}))
    assert 'data-count="3"' in count.content.decode()


def test_detail_lists_members_and_snapshots(owner_client: Client, segment: Segment) -> None:
    html = owner_client.get(reverse("segments:detail", kwargs={"segment_id": segment.pk}))
    body = html.content.decode()
    assert body.count("มานี") == 3
    assert body.count("/snapshots/") >= 2
    assert 'id="segment-chart"' in body


def _builder_post(**fields: str) -> dict[str, str]:
    data = {"r.op": "and", "name": "", "description": ""}
    data.update(fields)
    return data


def test_builder_saves_a_segment(owner_client: Client, owner: Actor) -> None:
    response = owner_client.post(
        reverse("segments:new"),
        _builder_post(
            **{
                "name": "ซื้อสองครั้ง",
                "r.0.field": "province",
                "r.0.operator": "eq",
                "r.0.value": "กรุงเทพมหานคร",
                "r.0.shown": "province:eq",
                "r.1.op": "or",
                "r.1.0.field": "orders_count",
                "r.1.0.operator": "gte",
                "r.1.0.value": "2",
                "r.1.0.shown": "orders_count:gte",
                "r.1.1.field": "tags",
                "r.1.1.operator": "any",
                "r.1.1.shown": "tags:any",
            }
        ),
    )
    assert response.status_code == 422  # the tags condition has no tag chosen
    html = response.content.decode()
    assert 'value="ซื้อสองครั้ง"' in html
    assert re.search(r'data-path="r\.1\.1".*?field-error', html, re.S)

    response = owner_client.post(
        reverse("segments:new"),
        _builder_post(
            **{
                "name": "ซื้อสองครั้ง",
                "r.0.field": "province",
                "r.0.operator": "eq",
                "r.0.value": "กรุงเทพมหานคร",
                "r.0.shown": "province:eq",
                "r.1.op": "or",
                "r.1.0.field": "orders_count",
                "r.1.0.operator": "gte",
                "r.1.0.value": "2",
                "r.1.0.shown": "orders_count:gte",
            }
        ),
    )
    segment = Segment.objects.get(workspace=owner.workspace, name="ซื้อสองครั้ง")
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:detail", kwargs={"segment_id": segment.pk})
    assert segment.rules == {
        "op": "and",
        "items": [
            {"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"},
            {"op": "or", "items": [{"field": "orders_count", "operator": "gte", "value": 2}]},
        ],
    }


def test_builder_name_errors_are_shown(owner_client: Client, segment: Segment) -> None:
    response = owner_client.post(
        reverse("segments:new"),
        _builder_post(name="คนกรุง"),
    )
    assert response.status_code == 422
    assert "segment-name-error" in response.content.decode()


def test_edit_keeps_the_tree(owner_client: Client, segment: Segment) -> None:
    url = reverse("segments:edit", kwargs={"segment_id": segment.pk})
    html = owner_client.get(url).content.decode()
    assert '<option value="กรุงเทพมหานคร" selected>' in html
    response = owner_client.post(
        url,
        _builder_post(
            **{
                "name": "คนกรุง 2",
                "r.0.field": "province",
                "r.0.operator": "in",
                "r.0.shown": "province:in",
            }
        )
        | {"r.0.value": ["กรุงเทพมหานคร", "ตรัง"]},
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.name == "คนกรุง 2"
    assert segment.rules["items"][0]["value"] == ["กรุงเทพมหานคร", "ตรัง"]


def test_tree_partial_actions(owner_client: Client) -> None:
    url = reverse("segments:builder_tree")
    base = {"r.op": "and", "r.0.field": "", "r.0.operator": "", "r.0.shown": ":"}
    response = owner_client.post(url, base | {"action": "add_group:r"})
    html = response.content.decode()
    assert response["HX-Trigger-After-Settle"] == "rules-changed"
    assert 'name="r.1.op"' in html and 'name="r.1.0.field"' in html

    # A new field: its first operator, fresh inputs (the old value is dropped).
    response = owner_client.post(
        url,
        {
            "r.op": "and",
            "r.0.field": "orders_count",
            "r.0.operator": "eq",
            "r.0.value": "กรุงเทพมหานคร",
            "r.0.shown": "province:eq",
        },
    )
    html = response.content.decode()
    assert '<option value="gte" selected>' in html
    assert 'name="r.0.value" value=""' in html

    response = owner_client.post(
        url,
        {
            "r.op": "and",
            "r.0.field": "gender",
            "r.0.operator": "eq",
            "r.0.shown": "gender:eq",
            "r.1.field": "province",
            "r.1.operator": "eq",
            "r.1.value": "ตรัง",
            "r.1.shown": "province:eq",
            "action": "remove:r.0",
        },
    )
    html = response.content.decode()
    assert 'name="r.0.field"' in html and 'name="r.1.field"' not in html
    assert '<option value="ตรัง" selected>' in html


def test_live_count_partial(owner_client: Client, segment: Segment) -> None:
    url = reverse("segments:builder_count")
    ok = owner_client.post(
        url,
        {
            "r.op": "and",
            "r.0.field": "province",
            "r.0.operator": "eq",
            "r.0.value": "กรุงเทพมหานคร",
            "r.0.shown": "province:eq",
        },
    )
    assert 'data-count="3"' in ok.content.decode()
    pending = owner_client.post(
        url, {"r.op": "and", "r.0.field": "province", "r.0.operator": "eq", "r.0.value": "?"}
    )
    assert "items[0].value" in pending.content.decode()
    assert owner_client.get(url).status_code == 405


def test_freeze_now(owner_client: Client, segment: Segment) -> None:
    url = reverse("segments:snapshot_create", kwargs={"segment_id": segment.pk})
    assert owner_client.get(url).status_code == 405
    before = segment.snapshots.count()
    response = owner_client.post(url)
    snapshot = segment.snapshots.order_by("-id").first()
    assert snapshot is not None and segment.snapshots.count() == before + 1
    assert response["Location"] == reverse(
        "segments:snapshot", kwargs={"segment_id": segment.pk, "snapshot_id": snapshot.pk}
    )
    page = owner_client.get(response["Location"]).content.decode()
    assert page.count("มานี") == 3


def test_delete(owner_client: Client, segment: Segment) -> None:
    url = reverse("segments:delete", kwargs={"segment_id": segment.pk})
    response = owner_client.post(url)
    assert response["Location"] == reverse("segments:list")
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_export_uses_the_customers_export(owner_client: Client, segment: Segment) -> None:
    response = owner_client.get(
        reverse("segments:export", kwargs={"segment_id": segment.pk}) + "?format=csv"
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert text.count("มานี") == 3 and "ตรัง" not in text


def test_staff_cannot_open_segments(owner_membership: Membership, segment: Segment) -> None:
    staff = cast(
        Membership, MembershipFactory(workspace=owner_membership.workspace, role=Role.STAFF)
    )
    client = Client()
    client.force_login(staff.user)
    assert client.get(reverse("segments:list")).status_code == 403
    assert (
        client.get(reverse("segments:detail", kwargs={"segment_id": segment.pk})).status_code == 403
    )


def test_builder_spend_in_the_last_90_days(owner_client: Client, owner: Actor) -> None:
    """ "Spent more than ฿1,000 in the last 90 days": the When select is offered for the total
    spent, the live count uses only the period's orders, and the segment saves the period."""
    recent = CustomerFactory(workspace=owner.workspace, first_name="ล่าสุด")
    OrderFactory(
        workspace=owner.workspace, customer=recent, total_satang=150_000,
        placed_at=timezone.now() - dt.timedelta(days=10),
    )  # fmt: skip
    old = CustomerFactory(workspace=owner.workspace, first_name="นานแล้ว")
    OrderFactory(
        workspace=owner.workspace, customer=old, total_satang=500_000,
        placed_at=timezone.now() - dt.timedelta(days=200),
    )  # fmt: skip
    fields = {
        "r.op": "and",
        "r.0.field": "total_spent",
        "r.0.operator": "gt",
        "r.0.value": "1000",
        "r.0.shown": "total_spent:gt",
    }
    html = owner_client.post(reverse("segments:builder_tree"), fields).content.decode()
    assert 'name="r.0.period"' in html and '<option value="since"' in html

    days = fields | {"r.0.period": "days", "r.0.period_days": "90"}
    html = owner_client.post(reverse("segments:builder_tree"), days).content.decode()
    assert 'name="r.0.period_days" value="90"' in html

    ever = owner_client.post(reverse("segments:builder_count"), fields).content.decode()
    assert 'data-count="2"' in ever
    counted = owner_client.post(reverse("segments:builder_count"), days).content.decode()
    assert 'data-count="1"' in counted

    response = owner_client.post(reverse("segments:new"), _builder_post(name="ซื้อเยอะช่วงนี้") | days)
    assert response.status_code == 302
    segment = Segment.objects.get(workspace=owner.workspace, name="ซื้อเยอะช่วงนี้")
    assert segment.rules["items"] == [
        {"field": "total_spent", "operator": "gt", "value": 1000, "period": {"within_days": 90}}
    ]
    detail = owner_client.get(reverse("segments:detail", kwargs={"segment_id": segment.pk}))
    assert "ล่าสุด" in detail.content.decode() and "นานแล้ว" not in detail.content.decode()


def test_builder_since_a_date(owner_client: Client) -> None:
    fields = {
        "r.op": "and",
        "r.0.field": "orders_count",
        "r.0.operator": "gte",
        "r.0.value": "2",
        "r.0.shown": "orders_count:gte",
        "r.0.period": "since",
    }
    html = owner_client.post(reverse("segments:builder_tree"), fields).content.decode()
    assert '<option value="since" selected>' in html
    assert 'name="r.0.period_from"' in html and 'name="r.0.period_to"' not in html
    # No date yet: the live count says what is missing instead of counting.
    pending = owner_client.post(reverse("segments:builder_count"), fields).content.decode()
    assert "items[0].period" in pending
    # The date is typed and shown as a Thai reader counts years (Buddhist Era by default);
    # the ISO form a script sends is read too.
    dated = fields | {"r.0.period_from": "01/01/2569"}
    html = owner_client.post(reverse("segments:builder_tree"), dated).content.decode()
    assert 'name="r.0.period_from" value="01/01/2569"' in html
    iso = fields | {"r.0.period_from": "2026-01-01"}
    html = owner_client.post(reverse("segments:builder_tree"), iso).content.decode()
    assert 'name="r.0.period_from" value="01/01/2569"' in html
    counted = owner_client.post(reverse("segments:builder_count"), dated).content.decode()
    assert 'data-count="0"' in counted and "items[0].period" not in counted
    # "Between dates" with nothing typed yet stays "between dates" (both inputs shown).
    between = fields | {"r.0.period": "dates"}
    html = owner_client.post(reverse("segments:builder_tree"), between).content.decode()
    assert '<option value="dates" selected>' in html and 'name="r.0.period_to"' in html
