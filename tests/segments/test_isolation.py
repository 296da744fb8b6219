"""Another workspace's segment is a 404 on pages and in the API, and a live count never counts
another workspace's customers."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import ApiKey, Membership
from samphan.core.services import api_key_create
from samphan.segments import selectors, services
from samphan.segments.tasks import segments_snapshot_all_task
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db

BANGKOK = {"op": "and", "items": [{"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"}]}


def test_other_workspace_sees_nothing(owner: Actor) -> None:
    CustomerFactory(workspace=owner.workspace, province="กรุงเทพมหานคร")
    segment = services.segment_create(actor=owner, name="กทม", rules=BANGKOK)
    snapshot = services.segment_freeze(actor=owner, segment_id=segment.pk)

    other = cast(Membership, MembershipFactory())
    them = actor_for_membership(other)
    for _ in range(2):
        CustomerFactory(workspace=other.workspace, province="กรุงเทพมหานคร")
    assert selectors.segment_count(actor=owner, tree=BANGKOK) == 1
    assert selectors.segment_count(actor=them, tree=BANGKOK) == 2
    assert not selectors.segment_list(actor=them).exists()

    client = Client()
    client.force_login(other.user)
    ids = {"segment_id": segment.pk}
    for name, kwargs in [
        ("segments:detail", ids),
        ("segments:edit", ids),
        ("segments:count", ids),
        ("segments:export", ids),
        ("segments:snapshot", ids | {"snapshot_id": snapshot.pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name
    assert client.post(reverse("segments:snapshot_create", kwargs=ids)).status_code == 404
    assert client.post(reverse("segments:delete", kwargs=ids)).status_code == 404

    api = ApiClient(api_key_create(actor=them, name="b", scope=ApiKey.Scope.READ_WRITE).secret)
    assert api.get(f"/api/v1/segments/{segment.pk}").status_code == 404
    assert api.get(f"/api/v1/segments/{segment.pk}/members").status_code == 404
    assert api.post(f"/api/v1/segments/{segment.pk}/snapshots").status_code == 404
    assert api.get("/api/v1/segments").json()["count"] == 0
    assert segment.snapshots.count() == 1


def test_nightly_task_snapshots_one_workspace(owner: Actor) -> None:
    CustomerFactory(workspace=owner.workspace, province="กรุงเทพมหานคร")
    segment = services.segment_create(actor=owner, name="กทม", rules=BANGKOK)
    other = actor_for_membership(cast(Membership, MembershipFactory()))
    services.segment_create(actor=other, name="กทม", rules=BANGKOK)
    assert segments_snapshot_all_task.delay(owner.workspace.pk).get() == 1
    assert [s.size for s in segment.snapshots.all()] == [1]
