"""The event and subscriber registry: what is declared, who listens, and what happens when a
subscriber fails."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation

from samphan.commerce.events import OrderPlaced
from samphan.core.access import Actor
from samphan.customers.events import CustomerCreated, NoteAdded
from samphan.timeline.models import SubscriberFailure, TimelineEvent
from samphan.timeline.publish import deliveries_gathered, failures_retry, publish
from samphan.timeline.registry import (
    EVENT_TYPES,
    SUBSCRIBERS,
    DescribeContext,
    DomainEvent,
    Phase,
    registry_problems,
    subscriber,
)
from tests.factories import CustomerFactory

# Every subscriber of the house, with the events it reacts to and when. A new reaction is
# added here on purpose: this list is the map of who reacts to what.
EXPECTED = {
    "samphan.commerce.subscribers.purchase_summary_refresh": (
        Phase.IN_TRANSACTION,
        {
            "order.placed",
            "order.status_changed",
            "order.refunded",
            "customer.merged",
            "customer.unmerged",
        },
    ),
    "samphan.commerce.subscribers.lifecycle_derive_after_clearing": (
        Phase.IN_TRANSACTION,
        {"lifecycle.changed"},
    ),
    "samphan.customers.subscribers.duplicates_rescan": (
        Phase.AFTER_COMMIT,
        {
            "customer.created",
            "customer.updated",
            "contact.added",
            "customer.merged",
            "customer.unmerged",
        },
    ),
    "samphan.segments.subscribers.snapshots_refresh": (
        Phase.AFTER_COMMIT,
        {"analytics.recomputed"},
    ),
    "samphan.analytics.subscribers.dashboard_forget": (
        Phase.IN_TRANSACTION,
        {
            "order.placed",
            "order.status_changed",
            "order.refunded",
            "customer.created",
            "customer.merged",
            "customer.unmerged",
            "customer.erased",
            "privacy.retention_ran",
        },
    ),
    "samphan.privacy.subscribers.audit_customer_changes": (
        Phase.IN_TRANSACTION,
        {"customer.created", "contact.added", "consent.changed", "customer.updated"},
    ),
    "samphan.privacy.subscribers.removed_contacts_hide": (
        Phase.IN_TRANSACTION,
        {"customer.updated"},
    ),
    "samphan.loyalty.subscribers.points_earn": (Phase.IN_TRANSACTION, {"order.placed"}),
    "samphan.loyalty.subscribers.points_reverse_refunded": (
        Phase.IN_TRANSACTION,
        {"order.refunded"},
    ),
    "samphan.loyalty.subscribers.points_reverse_voided": (
        Phase.IN_TRANSACTION,
        {"order.status_changed"},
    ),
    "samphan.loyalty.subscribers.welcome_bonus": (Phase.IN_TRANSACTION, {"customer.created"}),
    "samphan.loyalty.subscribers.points_follow_merge": (
        Phase.IN_TRANSACTION,
        {"customer.merged"},
    ),
    "samphan.loyalty.coupons.subscribers.coupon_uses_follow_merge": (
        Phase.IN_TRANSACTION,
        {"customer.merged"},
    ),
    "samphan.feedback.subscribers.survey_after_purchase": (Phase.AFTER_COMMIT, {"order.placed"}),
    "samphan.feedback.subscribers.survey_after_ticket": (Phase.AFTER_COMMIT, {"ticket.resolved"}),
    "samphan.feedback.subscribers.send_links": (Phase.AFTER_COMMIT, {"survey.invited"}),
    "samphan.automations.subscribers.new_customer": (Phase.AFTER_COMMIT, {"customer.created"}),
    "samphan.automations.subscribers.first_purchase": (Phase.AFTER_COMMIT, {"order.placed"}),
    "samphan.automations.subscribers.ticket_resolved": (Phase.AFTER_COMMIT, {"ticket.resolved"}),
    "samphan.automations.subscribers.low_score": (Phase.AFTER_COMMIT, {"survey.answered"}),
    "samphan.automations.subscribers.category_purchase": (Phase.AFTER_COMMIT, {"order.placed"}),
    "samphan.automations.subscribers.tier_changed": (Phase.AFTER_COMMIT, {"tier.changed"}),
    "samphan.automations.subscribers.points_expiring": (Phase.AFTER_COMMIT, {"points.expiring"}),
    "samphan.automations.subscribers.line_follow": (Phase.AFTER_COMMIT, {"line.followed"}),
    "samphan.automations.subscribers.line_postback": (Phase.AFTER_COMMIT, {"line.postback"}),
}


def test_every_subscriber_is_listed_and_listens_to_declared_events() -> None:
    found = {name: (s.phase, set(s.events)) for name, s in SUBSCRIBERS.items()}
    assert found == EXPECTED
    assert registry_problems() == []


@pytest.fixture
def scratch() -> Iterator[list[str]]:
    """Register throw-away subscribers; remove them afterwards."""
    before = dict(SUBSCRIBERS)
    added: list[str] = []
    yield added
    SUBSCRIBERS.clear()
    SUBSCRIBERS.update(before)


def test_a_subscriber_to_an_unknown_event_is_reported(scratch: list[str]) -> None:
    @subscriber("order.payed", phase=Phase.IN_TRANSACTION)  # a typo
    def typo(events: Sequence[DomainEvent]) -> None: ...

    assert registry_problems() == [
        f"{__name__}.{typo.__qualname__} listens to unknown event 'order.payed'"
    ]


def test_event_types_are_declared_once_with_labels_in_words() -> None:
    assert len(EVENT_TYPES) >= 13
    for name, cls in EVENT_TYPES.items():
        assert cls.type == name
        for language in ("th", "en"):
            with translation.override(language):
                label = str(cls.label)
                # A label is words, never the code name ("member.added", "items[0].field").
                assert label and not re.search(r"[._\[\]]", label), (name, label)
    with pytest.raises(TypeError, match="declared twice"):

        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Again(DomainEvent):
            type = "order.placed"
            label = "x"


def test_every_event_reads_from_an_old_row_without_its_fields() -> None:
    ctx = DescribeContext(language="th", buddhist_era=True)
    for cls in EVENT_TYPES.values():
        described = cls.describe({}, ctx)
        assert described.title


def test_events_cross_a_process_boundary_unchanged() -> None:
    at = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)
    event = NoteAdded(workspace_id=1, customer_id=2, occurred_at=at, text="โทรกลับ", pinned=True)
    again = DomainEvent.from_message(event.as_message())
    assert again == event


def test_the_subject_is_checked() -> None:
    with pytest.raises(ValueError, match="customer_id"):
        CustomerCreated(workspace_id=1, source="manual")
    with pytest.raises(ValueError, match="order_id"):
        OrderPlaced(workspace_id=1, number="X", total_satang=1, channel="store")


@pytest.mark.django_db
def test_an_in_transaction_subscriber_fails_with_the_change(
    owner: Actor, scratch: list[str]
) -> None:
    customer = CustomerFactory(workspace=owner.workspace)

    @subscriber(NoteAdded, phase=Phase.IN_TRANSACTION)
    def broken(events: Sequence[DomainEvent]) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError), transaction.atomic():
        publish(
            NoteAdded(
                workspace_id=owner.workspace.pk, customer_id=customer.pk, text="x", pinned=False
            )
        )
    assert not TimelineEvent.objects.filter(type=NoteAdded.type).exists()


@pytest.mark.django_db
def test_a_failing_after_commit_subscriber_is_retried_logged_and_kept(
    owner: Actor,
    scratch: list[str],
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    calls: list[list[str]] = []
    healthy = {"now": False}

    @subscriber(NoteAdded, phase=Phase.AFTER_COMMIT)
    def flaky(events: Sequence[DomainEvent]) -> None:
        calls.append([e.text for e in events if isinstance(e, NoteAdded)])
        if not healthy["now"]:
            raise RuntimeError("LINE is down")

    with django_capture_on_commit_callbacks(execute=True):
        publish(
            NoteAdded(
                workspace_id=owner.workspace.pk, customer_id=customer.pk, text="a", pinned=False
            )
        )
    assert calls == [["a"], ["a"], ["a"]]  # retried
    failure = SubscriberFailure.objects.get()
    assert failure.subscriber.endswith("flaky")
    assert failure.event_types == ["note.added"]
    assert "LINE is down" in failure.error
    assert "failed for good" in caplog.text
    # The change itself committed.
    assert TimelineEvent.objects.filter(type=NoteAdded.type).count() == 1

    healthy["now"] = True
    assert failures_retry() == (1, 0)
    assert calls[-1] == ["a"]
    failure.refresh_from_db()
    assert failure.resolved_at is not None


@pytest.mark.django_db
def test_subscribers_get_a_bulk_publication_at_once_per_workspace(
    owner: Actor, scratch: list[str]
) -> None:
    other = CustomerFactory()
    mine = CustomerFactory(workspace=owner.workspace)
    seen: list[tuple[int, int]] = []

    @subscriber(NoteAdded, phase=Phase.IN_TRANSACTION)
    def counting(events: Sequence[DomainEvent]) -> None:
        seen.append((events[0].workspace_id, len(events)))

    now = timezone.now()
    publish(
        [
            NoteAdded(
                workspace_id=owner.workspace.pk,
                customer_id=mine.pk,
                text=str(i),
                pinned=False,
                occurred_at=now,
            )
            for i in range(5)
        ]
        + [NoteAdded(workspace_id=other.workspace_id, customer_id=other.pk, text="x", pinned=False)]
    )
    assert sorted(seen) == sorted([(owner.workspace.pk, 5), (other.workspace_id, 1)])
    assert TimelineEvent.objects.filter(type=NoteAdded.type).count() == 6


@pytest.mark.django_db
def test_the_command_lists_and_retries_failures(owner: Actor, scratch: list[str]) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    customer = CustomerFactory(workspace=owner.workspace)
    ok = {"now": False}

    @subscriber(NoteAdded, phase=Phase.AFTER_COMMIT)
    def later(events: Sequence[DomainEvent]) -> None:
        if not ok["now"]:
            raise RuntimeError("down")

    message = NoteAdded(
        workspace_id=owner.workspace.pk, customer_id=customer.pk, text="a", pinned=False
    ).as_message()
    SubscriberFailure.objects.create(
        subscriber=f"{__name__}.{later.__qualname__}",
        workspace=owner.workspace,
        event_types=["note.added"],
        messages=[message],
        error="RuntimeError: down",
    )
    out = io.StringIO()
    call_command("events", "failures", stdout=out)
    assert "1 failure(s) waiting" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("events", "retry", stdout=io.StringIO())
    ok["now"] = True
    out = io.StringIO()
    call_command("events", "retry", stdout=out)
    assert "delivered 1, still failing 0" in out.getvalue()


def _notes(owner: Actor, customer_id: int, count: int) -> list[DomainEvent]:
    return [
        NoteAdded(
            workspace_id=owner.workspace.pk, customer_id=customer_id, text=str(i), pinned=False
        )
        for i in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_write_delivers_once_to_each_subscriber(owner: Actor, scratch: list[str]) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    now_seen: list[int] = []
    later_seen: list[int] = []

    @subscriber(NoteAdded, phase=Phase.IN_TRANSACTION)
    def now(events: Sequence[DomainEvent]) -> None:
        now_seen.append(len(events))

    @subscriber(NoteAdded, phase=Phase.AFTER_COMMIT)
    def later(events: Sequence[DomainEvent]) -> None:
        later_seen.append(len(events))

    with transaction.atomic():
        with deliveries_gathered():
            for _batch in range(3):
                publish(_notes(owner, customer.pk, 4))
            assert now_seen == [] and later_seen == []  # rows written, subscribers waiting
            assert TimelineEvent.objects.filter(type=NoteAdded.type).count() == 12
        assert now_seen == [12]  # before the block ends, inside the transaction
        assert later_seen == []
    assert later_seen == [12]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_write_that_fails_notifies_nobody(owner: Actor, scratch: list[str]) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    seen: list[int] = []

    @subscriber(NoteAdded, phase=Phase.IN_TRANSACTION)
    def now(events: Sequence[DomainEvent]) -> None:
        seen.append(len(events))

    @subscriber(NoteAdded, phase=Phase.AFTER_COMMIT)
    def later(events: Sequence[DomainEvent]) -> None:
        seen.append(len(events))

    with pytest.raises(RuntimeError), transaction.atomic(), deliveries_gathered():
        publish(_notes(owner, customer.pk, 2))
        raise RuntimeError("the file broke half way")
    assert seen == []
    assert not TimelineEvent.objects.filter(type=NoteAdded.type).exists()
