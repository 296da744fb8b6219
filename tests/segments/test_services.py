"""Saving segments, live counts, and snapshots that freeze membership."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samphan.commerce.models import SalesChannel
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.customers.models import Customer, Tag
from samphan.segments import selectors, services
from samphan.segments.models import SegmentMember, SegmentSnapshot, SnapshotReason
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db

BANGKOK = {"op": "and", "items": [{"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"}]}


def bangkok(owner: Actor, n: int = 1, **kw: Any) -> list[Customer]:
    return [
        Customer.objects.create(
            workspace=owner.workspace, province="กรุงเทพมหานคร", created_at=timezone.now(), **kw
        )
        for _ in range(n)
    ]


def member(**kw: Any) -> Actor:
    return actor_for_membership(cast(Membership, MembershipFactory(**kw)))


def test_create_normalises_and_lists(owner: Actor) -> None:
    segment = services.segment_create(
        actor=owner,
        name="  ลูกค้า   ประจำ ",
        description=" ซื้อบ่อย ",
        rules={"op": "and", "items": [{"field": "orders_count", "operator": "gte", "value": "3"}]},
    )
    assert segment.name == "ลูกค้า ประจำ"
    assert segment.description == "ซื้อบ่อย"
    assert segment.rules["items"][0]["value"] == 3
    assert segment.created_by == owner.user
    assert [s.pk for s in selectors.segment_list(actor=owner)] == [segment.pk]


def test_name_is_required_and_unique_per_workspace(owner: Actor) -> None:
    services.segment_create(actor=owner, name="VIP", rules=BANGKOK)
    with pytest.raises(ApplicationError) as caught:
        services.segment_create(actor=owner, name="VIP", rules=BANGKOK)
    assert caught.value.code == "segment_name_taken" and caught.value.status == 409
    with pytest.raises(ApplicationError) as caught:
        services.segment_create(actor=owner, name="  ", rules=BANGKOK)
    assert caught.value.code == "segment_name_required"
    other = member()
    services.segment_create(actor=other, name="VIP", rules=BANGKOK)  # another shop may


def test_bad_rules_are_not_saved(owner: Actor) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.segment_create(
            actor=owner,
            name="x",
            rules={"op": "and", "items": [{"field": "orders_count", "operator": "gte"}]},
        )
    assert caught.value.message == "items[0].value: enter a whole number"
    assert not selectors.segment_list(actor=owner).exists()


def test_roles(owner: Actor) -> None:
    staff = member(workspace=owner.workspace, role=Role.STAFF)
    marketer = member(workspace=owner.workspace, role=Role.MARKETER)
    with pytest.raises(PermissionDenied):
        services.segment_create(actor=staff, name="x", rules=BANGKOK)
    segment = services.segment_create(actor=marketer, name="x", rules=BANGKOK)
    with pytest.raises(PermissionDenied):
        selectors.segment_count(actor=staff, tree=BANGKOK)
    with pytest.raises(PermissionDenied):
        services.segment_freeze(actor=staff, segment_id=segment.pk)


def test_update_and_delete_are_workspace_scoped(owner: Actor) -> None:
    segment = services.segment_create(actor=owner, name="a", rules=BANGKOK)
    stranger = member()
    with pytest.raises(NotFound):
        services.segment_update(actor=stranger, segment_id=segment.pk, name="b")
    with pytest.raises(NotFound):
        services.segment_delete(actor=stranger, segment_id=segment.pk)
    with pytest.raises(NotFound):
        selectors.segment_get(actor=stranger, segment_id=segment.pk)

    services.segment_update(
        actor=owner, segment_id=segment.pk, name="b", rules={"op": "or", "items": []}
    )
    segment.refresh_from_db()
    assert (segment.name, segment.rules) == ("b", {"op": "or", "items": []})
    services.segment_delete(actor=owner, segment_id=segment.pk)
    assert not selectors.segment_list(actor=owner).exists()


def test_live_count_is_one_count_without_joins_that_multiply(owner: Actor) -> None:
    tag = Tag.objects.create(workspace=owner.workspace, name="VIP")
    store = SalesChannel.objects.create(workspace=owner.workspace, kind="store", name="ร้าน")
    buyers = bangkok(owner, 3)
    for customer in buyers:
        customer.tags.add(tag)
        OrderFactory.create_batch(3, workspace=owner.workspace, customer=customer, channel=store)
    tree = {
        "op": "and",
        "items": [
            {"field": "tags", "operator": "any", "value": [tag.pk]},
            {"field": "bought_channel", "operator": "any", "value": [store.pk]},
            {"field": "has_phone", "operator": "is_false"},
        ],
    }
    with CaptureQueriesContext(connection) as queries:
        assert selectors.segment_count(actor=owner, tree=tree) == 3
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    assert "DISTINCT" not in counts[0] and " JOIN " not in counts[0]
    assert "EXISTS" in counts[0]


def test_snapshot_freezes_membership(owner: Actor) -> None:
    inside = bangkok(owner, 3)
    CustomerFactory(workspace=owner.workspace, province="เชียงใหม่")
    CustomerFactory(workspace=WorkspaceFactory(), province="กรุงเทพมหานคร")
    merged = bangkok(owner, 1, merged_into=inside[0])[0]
    segment = services.segment_create(actor=owner, name="กทม", rules=BANGKOK)

    snapshot = services.segment_freeze(actor=owner, segment_id=segment.pk)
    assert snapshot.size == 3
    assert snapshot.reason == SnapshotReason.MANUAL and snapshot.created_by == owner.user
    assert snapshot.rules == segment.rules
    frozen = set(
        SegmentMember.objects.filter(snapshot=snapshot).values_list("customer_id", flat=True)
    )
    assert frozen == {c.pk for c in inside}
    assert merged.pk not in frozen

    # The shop changes: one moves away, one new customer arrives.
    Customer.objects.filter(pk=inside[0].pk).update(province="ภูเก็ต")
    newcomer = bangkok(owner)[0]
    assert selectors.segment_count(actor=owner, tree=segment.rules) == 3
    live = set(
        selectors.segment_customers(actor=owner, segment_id=segment.pk).values_list("pk", flat=True)
    )
    assert live == {inside[1].pk, inside[2].pk, newcomer.pk}
    still = set(
        selectors.snapshot_customers(
            actor=owner, segment_id=segment.pk, snapshot_id=snapshot.pk
        ).values_list("pk", flat=True)
    )
    assert still == {c.pk for c in inside}
    # Editing the segment later does not change what the snapshot says it was.
    services.segment_update(actor=owner, segment_id=segment.pk, rules={"op": "and", "items": []})
    snapshot.refresh_from_db()
    assert snapshot.rules == BANGKOK and snapshot.size == 3


def test_snapshot_all_skips_broken_segments_and_prunes_old_lists(owner: Actor) -> None:
    bangkok(owner, 2)
    tag = Tag.objects.create(workspace=owner.workspace, name="เก่า")
    good = services.segment_create(actor=owner, name="กทม", rules=BANGKOK)
    broken = services.segment_create(
        actor=owner,
        name="แท็กที่ถูกลบ",
        rules={"op": "and", "items": [{"field": "tags", "operator": "any", "value": [tag.pk]}]},
    )
    tag.delete()
    manual = services.segment_freeze(actor=owner, segment_id=good.pk)
    start = timezone.now()
    for day in range(4):
        made = services.segments_snapshot_all(
            workspace=owner.workspace, now=start + dt.timedelta(days=day), keep_members=2
        )
        assert [s.segment_id for s in made] == [good.pk]
    assert not SegmentSnapshot.objects.filter(segment=broken).exists()

    nightly = SegmentSnapshot.objects.filter(segment=good, reason=SnapshotReason.RECOMPUTE)
    assert nightly.count() == 4 and {s.size for s in nightly} == {2}
    kept = nightly.filter(members_pruned_at__isnull=True)
    assert kept.count() == 2
    assert {s.computed_at for s in kept} == {start + dt.timedelta(days=d) for d in (2, 3)}
    assert not SegmentMember.objects.filter(snapshot__in=nightly.exclude(pk__in=kept)).exists()
    assert SegmentMember.objects.filter(snapshot=manual).count() == 2  # frozen by hand: kept

    history = selectors.segment_size_history(actor=owner, segment_id=good.pk)
    assert [size for _, size in history] == [2, 2, 2, 2, 2]
    assert [at for at, _ in history] == sorted(at for at, _ in history)


def test_members_pages_visit_everyone_once(owner: Actor) -> None:
    people = bangkok(owner, 7)
    segment = services.segment_create(actor=owner, name="กทม", rules=BANGKOK)
    seen: list[int] = []
    after = None
    while True:
        page = selectors.segment_members_page(
            actor=owner, segment_id=segment.pk, after=after, limit=3
        )
        seen.extend(c.pk for c in page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted(c.pk for c in people)


def test_snapshot_of_another_workspace_is_not_found(owner: Actor) -> None:
    segment = services.segment_create(actor=owner, name="กทม", rules=BANGKOK)
    snapshot = services.segment_freeze(actor=owner, segment_id=segment.pk)
    other_segment = services.segment_create(actor=owner, name="อื่น", rules=BANGKOK)
    with pytest.raises(NotFound):  # a snapshot of another segment, even in the same shop
        selectors.snapshot_get(actor=owner, segment_id=other_segment.pk, snapshot_id=snapshot.pk)
    stranger = member()
    with pytest.raises(NotFound):
        selectors.snapshot_get(actor=stranger, segment_id=segment.pk, snapshot_id=snapshot.pk)


def test_the_analytics_recompute_takes_the_nightly_snapshots(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    from samphan.analytics import recompute

    for customer in bangkok(owner, 3):
        OrderFactory.create_batch(2, workspace=owner.workspace, customer=customer)
    segment = services.segment_create(
        actor=owner,
        name="มี RFM",
        rules={"op": "and", "items": [{"field": "rfm_segment", "operator": "is_set"}]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        recompute.metrics_recompute(workspace=owner.workspace)
    snapshot = SegmentSnapshot.objects.get(segment=segment)
    assert snapshot.reason == SnapshotReason.RECOMPUTE
    assert snapshot.size == selectors.segment_count(actor=owner, tree=segment.rules) == 3
