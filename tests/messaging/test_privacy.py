"""Messaging's part of a person's data: the LINE events they sent and the link codes made for
them are exported and erased with them (through the privacy app, as a real request is), and
another person's rows stay. A property test draws what a person may have done on LINE."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samphan.core.access import Actor
from samphan.core.datasubject import holdings
from samphan.messaging.models import LineLinkCode, LineWebhookEvent
from samphan.messaging.services import line_link_code_create
from samphan.privacy.services import customer_erase, customer_export
from samphan.timeline.models import TimelineEvent
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import OTHER_USER, USER, deliver, event, text

pytestmark = pytest.mark.django_db

_thai = st.text(alphabet="กขคงจฉชซดตถทนบปผพฟมยรลวสหอะาิีุูเแโใไ่้๊๋ 0123456789", min_size=1,
                max_size=60).filter(lambda t: t.strip() != "")  # fmt: skip
_action = st.one_of(
    st.just(("follow", "")),
    st.just(("unfollow", "")),
    st.tuples(st.just("text"), _thai),
    st.tuples(st.just("postback"), _thai.map(lambda t: f"item={t}")),
    st.just(("code", "")),
)


def test_every_messaging_model_with_personal_data_is_covered() -> None:
    covered = holdings()
    assert "messaging.LineWebhookEvent" in covered and "messaging.LineLinkCode" in covered
    [(_part, held)] = covered["messaging.LineWebhookEvent"]
    assert {"line_user_id", "payload", "customer"} <= set(held.personal)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(_action, min_size=1, max_size=6))
def test_erasure_leaves_nothing_of_their_line_activity(
    actions: list[tuple[str, str]],
    owner: Actor,
    channel: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    LineWebhookEvent.objects.all().delete()
    LineLinkCode.objects.all().delete()
    person = CustomerFactory(workspace=owner.workspace, contacts=[("line", USER)])
    bystander = CustomerFactory(workspace=owner.workspace, contacts=[("line", OTHER_USER)])
    line_link_code_create(actor=owner, customer_id=bystander.pk)
    written: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
        for kind, value in actions:
            if kind == "code":
                value = line_link_code_create(actor=owner, customer_id=person.pk).code
                kind = "text"
            if kind == "text":
                deliver(client, channel, text(value))
                written.append(value)
            elif kind == "postback":
                deliver(client, channel, event("postback", postback={"data": value}))
            else:
                deliver(client, channel, event(kind))
        deliver(client, channel, text("ของคนอื่น", OTHER_USER))

    exported = customer_export(actor=owner, customer_id=person.pk)
    mine = exported["parts"]["messaging.line"]["data"]
    assert len(mine["webhook_events"]) == len(actions)
    assert all(e["line_user_id"] == USER for e in mine["webhook_events"])
    assert len(mine["link_codes"]) == sum(1 for kind, _ in actions if kind == "code")
    for value in written:
        assert value in json.dumps(mine, ensure_ascii=False)

    customer_erase(actor=owner, customer_id=person.pk, reason="ลูกค้าขอลบข้อมูล")
    left = list(LineWebhookEvent.objects.values_list("line_user_id", "payload"))
    assert all(uid != USER for uid, _ in left)
    assert not LineLinkCode.objects.filter(customer=person).exists()
    dump = json.dumps(left, ensure_ascii=False)
    assert USER not in dump
    # The bystander's LINE activity and code stay.
    assert LineWebhookEvent.objects.filter(line_user_id=OTHER_USER).count() == 1
    assert LineLinkCode.objects.filter(customer=bystander).count() == 1
    # Nothing of theirs left on the timeline either (the timeline's own part sweeps it).
    timeline = json.dumps(
        list(TimelineEvent.objects.filter(customer=person).values_list("payload", flat=True)),
        ensure_ascii=False,
    )
    assert USER not in timeline
