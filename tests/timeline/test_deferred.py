"""``deliveries_deferred``: a bulk write made of many transactions notifies its after-commit
subscribers once, at its end, with the events of the transactions that committed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from django.db import transaction

from samphan.core.access import Actor
from samphan.customers.events import NoteAdded
from samphan.timeline.publish import deliveries_deferred, deliveries_gathered, publish
from samphan.timeline.registry import SUBSCRIBERS, DomainEvent, Phase, subscriber
from tests.factories import CustomerFactory


@pytest.fixture
def seen() -> Iterator[dict[str, list[int]]]:
    """Throw-away subscribers to note.added, in and after the transaction: how many events
    each delivery brought."""
    before = dict(SUBSCRIBERS)
    calls: dict[str, list[int]] = {"now": [], "later": []}

    @subscriber(NoteAdded, phase=Phase.IN_TRANSACTION)
    def now(events: Sequence[DomainEvent]) -> None:
        calls["now"].append(len(events))

    @subscriber(NoteAdded, phase=Phase.AFTER_COMMIT)
    def later(events: Sequence[DomainEvent]) -> None:
        calls["later"].append(len(events))

    yield calls
    SUBSCRIBERS.clear()
    SUBSCRIBERS.update(before)


def _notes(owner: Actor, count: int) -> list[DomainEvent]:
    customer = CustomerFactory(workspace=owner.workspace)
    return [
        NoteAdded(
            workspace_id=owner.workspace.pk, customer_id=customer.pk, text=str(i), pinned=False
        )
        for i in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_transactions_inside_deliver_once_at_the_end(
    owner: Actor, seen: dict[str, list[int]]
) -> None:
    with deliveries_deferred():
        for size in (3, 4, 5):
            batch = _notes(owner, size)
            with transaction.atomic(), deliveries_gathered():
                publish(batch[:2])
                publish(batch[2:])
        assert seen["now"] == [3, 4, 5]  # in-transaction subscribers run in their transaction
        assert seen["later"] == []  # committed, waiting for the end of the block
    assert seen["later"] == [12]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_delivers_nothing(
    owner: Actor, seen: dict[str, list[int]]
) -> None:
    with deliveries_deferred():
        with transaction.atomic():
            publish(_notes(owner, 2))
        with pytest.raises(RuntimeError), transaction.atomic():
            publish(_notes(owner, 7))
            raise RuntimeError("this part broke")
    assert seen["later"] == [2]


@pytest.mark.django_db(transaction=True)
def test_what_committed_is_delivered_when_the_block_fails(
    owner: Actor, seen: dict[str, list[int]]
) -> None:
    with pytest.raises(RuntimeError), deliveries_deferred():
        with transaction.atomic():
            publish(_notes(owner, 2))
        raise RuntimeError("the seed stopped half way")
    assert seen["later"] == [2]


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_deliveries_wait_for_its_commit(
    owner: Actor, seen: dict[str, list[int]]
) -> None:
    with transaction.atomic():
        with deliveries_deferred():
            with transaction.atomic():
                publish(_notes(owner, 2))
            try:
                with transaction.atomic():
                    publish(_notes(owner, 5))
                    raise RuntimeError("a savepoint rolled back")
            except RuntimeError:
                pass
            with transaction.atomic():
                publish(_notes(owner, 3))
        assert seen["later"] == []
    assert seen["later"] == [5]


@pytest.mark.django_db(transaction=True)
def test_nested_blocks_deliver_at_the_outer_end(owner: Actor, seen: dict[str, list[int]]) -> None:
    with deliveries_deferred():
        with deliveries_deferred(), transaction.atomic():
            publish(_notes(owner, 2))
        assert seen["later"] == []
        with transaction.atomic():
            publish(_notes(owner, 1))
    assert seen["later"] == [3]
