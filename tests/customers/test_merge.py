"""Merging two customers keeps everything, records it, and can be undone exactly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samphan.commerce.models import CustomerPurchaseRun, Order
from samphan.commerce.services import customer_summaries_refresh
from samphan.commerce.summary import customer_summary_recompute
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import AuditLog
from samphan.customers.merge import (
    customer_links,
    customer_merge,
    merge_log_list,
    merge_undo,
)
from samphan.customers.models import (
    Address,
    ConsentEvent,
    ContactPoint,
    Customer,
    FollowUp,
    Interaction,
    MergeLog,
    Tag,
)
from samphan.customers.selectors import customer_list, customer_search
from samphan.timeline.models import TimelineEvent
from tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    SalesChannelFactory,
)

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


@dataclass
class Rich:
    """A customer with one of everything that can point at a customer."""

    customer: Customer
    rows: dict[str, list[int]]


def _rich(actor: Actor, *, first: str, phone: str, email: str, tags: list[Tag], days: int) -> Rich:
    ws = actor.workspace
    c = CustomerFactory(workspace=ws, first_name=first, last_name="ใจดี")
    channel = SalesChannelFactory(workspace=ws)
    paid = OrderFactory(
        workspace=ws, customer=c, channel=channel, total_satang=10_000 * days,
        placed_at=NOW - dt.timedelta(days=days),
    )  # fmt: skip
    cancelled = OrderFactory(
        workspace=ws, customer=c, channel=channel, status="cancelled", total_satang=999,
        placed_at=NOW - dt.timedelta(days=1),
    )  # fmt: skip
    contacts = [
        ContactPoint.objects.create(
            workspace=ws, customer=c, kind="phone", value=phone, is_primary=True
        ),
        ContactPoint.objects.create(workspace=ws, customer=c, kind="email", value=email),
    ]
    consent = ConsentEvent.objects.create(
        workspace=ws, customer=c, purpose="marketing_line", granted=True, recorded_at=NOW
    )
    event = TimelineEvent.objects.create(
        workspace=ws, customer=c, type="note.added", occurred_at=NOW, payload={"text": first}
    )
    interaction = Interaction.objects.create(
        workspace=ws, customer=c, kind="call", occurred_at=NOW, summary="ถามราคา"
    )
    followup = FollowUp.objects.create(
        workspace=ws, customer=c, interaction=interaction, title="โทรกลับ", due_at=NOW
    )
    address = Address.objects.create(
        workspace=ws, customer=c, line="1 ถนนสีลม", postcode="10500", is_primary=True
    )
    friend = CustomerFactory(workspace=ws, first_name="เพื่อน", referred_by=c)
    c.tags.set(tags)
    return Rich(
        customer=c,
        rows={
            "orders": [paid.pk, cancelled.pk],
            "contacts": [p.pk for p in contacts],
            "consents": [consent.pk],
            "events": [event.pk],
            "interactions": [interaction.pk],
            "followups": [followup.pk],
            "addresses": [address.pk],
            "referrals": [friend.pk],
        },
    )


MODELS: dict[str, tuple[Any, str]] = {
    "orders": (Order, "customer_id"),
    "contacts": (ContactPoint, "customer_id"),
    "consents": (ConsentEvent, "customer_id"),
    "events": (TimelineEvent, "customer_id"),
    "interactions": (Interaction, "customer_id"),
    "followups": (FollowUp, "customer_id"),
    "addresses": (Address, "customer_id"),
    "referrals": (Customer, "referred_by_id"),
}


def _owner_of(rows: dict[str, list[int]]) -> dict[str, set[Any]]:
    return {
        name: set(model.objects.filter(pk__in=ids).values_list(column, flat=True))
        for name, ids in rows.items()
        for model, column in [MODELS[name]]
    }


# Rows rebuilt from the orders whenever a customer's purchase summary is refreshed (a merge and
# its undo both refresh it): their ids change, their content must not.
REBUILT = {"commerce.CustomerPurchaseRun.customer"}


def _assignment(*, derived: bool = True) -> dict[str, dict[int, Any]]:
    """Every row of every relation to Customer → the customer it points at (``derived=False``:
    not the rows rebuilt from the orders)."""
    return {
        link.key: dict(link.rows().values_list("pk", link.column))
        for link in customer_links()
        if derived or link.key not in REBUILT
    }


def _purchase_runs() -> list[tuple[Any, ...]]:
    return sorted(
        CustomerPurchaseRun.objects.values_list(
            "customer_id", "placed_at", "previous_at", "spent_before_satang", "orders_before"
        )
    )


@pytest.fixture
def pair(owner: Actor) -> Iterator[tuple[Rich, Rich]]:
    vip = Tag.objects.create(workspace=owner.workspace, name="VIP")
    tea = Tag.objects.create(workspace=owner.workspace, name="ชอบชาไทย")
    coffee = Tag.objects.create(workspace=owner.workspace, name="กาแฟ")
    survivor = _rich(
        owner, first="สมหญิง", phone="+66813596920", email="ying@example.com", tags=[vip, tea],
        days=30,
    )  # fmt: skip
    merged = _rich(
        owner, first="หญิง", phone="+66893596920", email="ying99@example.com", tags=[vip, coffee],
        days=90,
    )  # fmt: skip
    customer_summaries_refresh(
        workspace=owner.workspace,
        customer_ids=[survivor.customer.pk, merged.customer.pk],
    )
    yield survivor, merged


def test_customer_links_cover_every_foreign_key_to_customer() -> None:
    """Discovered from Customer._meta, so a model added later is merged without code changes."""
    expected = set()
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is Customer:
                expected.add(f"{model._meta.app_label}.{model._meta.object_name}.{f.name}")
    expected -= {
        "customers.Customer.merged_into",
        "customers.MergeLog.survivor",
        "customers.MergeLog.merged",
        # Duplicate pairs are about two records, not a customer's data (duplicates.py).
        "customers.DuplicateCandidate.customer_a",
        "customers.DuplicateCandidate.customer_b",
        "customers.DuplicateDismissal.customer_a",
        "customers.DuplicateDismissal.customer_b",
    }
    keys = {link.key for link in customer_links()}
    assert keys == expected
    assert {
        "commerce.Order.customer",
        "customers.ContactPoint.customer",
        "customers.ConsentEvent.customer",
        "timeline.TimelineEvent.customer",
        "customers.Interaction.customer",
        "customers.FollowUp.customer",
        "customers.Address.customer",
        "customers.Customer.referred_by",
        "customers.Customer_tags.customer",
    } <= keys


def test_merge_moves_every_row_and_hides_the_merged_customer(
    owner: Actor, pair: tuple[Rich, Rich]
) -> None:
    survivor, merged = pair
    s, m = survivor.customer, merged.customer
    log = customer_merge(actor=owner, survivor_id=s.pk, merged_id=m.pk)

    for name, owners in _owner_of(merged.rows).items():
        assert owners == {s.pk}, name
    for name, owners in _owner_of(survivor.rows).items():
        assert owners == {s.pk}, name
    assert sorted(s.tags.values_list("name", flat=True)) == sorted(["VIP", "ชอบชาไทย", "กาแฟ"])
    # The shared tag stays on the tombstone (the survivor already has it); nothing is lost.
    assert list(m.tags.values_list("name", flat=True)) == ["VIP"]

    m.refresh_from_db()
    assert m.merged_into_id == s.pk
    assert m not in customer_list(actor=owner)
    hits = customer_search(actor=owner, q="089-359-6920")
    assert [h.customer.pk for h in hits] == [s.pk]
    assert all(h.customer.pk != m.pk for h in customer_search(actor=owner, q="หญิง"))

    assert log.moved["commerce.Order.customer"] == merged.rows["orders"]
    assert set(log.moved["customers.ContactPoint.customer"]) == set(merged.rows["contacts"])
    assert log.survivor_before["fields"]["first_name"] == "สมหญิง"

    event = TimelineEvent.objects.get(customer=s, type="customer.merged")
    assert event.payload["merged_customer_id"] == m.pk
    assert event.payload["moved"]["commerce.Order.customer"] == 2
    assert event.links["merge_log"] == log.pk
    audit = AuditLog.objects.get(action="customers.merged")
    assert audit.workspace == owner.workspace and audit.data["merged_id"] == m.pk


def test_merge_recomputes_the_purchase_summary(owner: Actor, pair: tuple[Rich, Rich]) -> None:
    survivor, merged = pair
    s, m = survivor.customer, merged.customer
    customer_merge(actor=owner, survivor_id=s.pk, merged_id=m.pk)
    s.refresh_from_db()
    m.refresh_from_db()
    assert s.orders_count == 2  # the two paid orders; cancelled ones do not count
    assert s.total_spent_satang == 300_000 + 900_000
    assert s.first_order_at == NOW - dt.timedelta(days=90)
    assert s.last_order_at == NOW - dt.timedelta(days=30)
    assert (m.orders_count, m.total_spent_satang, m.last_order_at) == (0, 0, None)


def test_summary_recompute_agrees_with_commerce(owner: Actor, pair: tuple[Rich, Rich]) -> None:
    ids = [c.pk for c in Customer.objects.filter(workspace=owner.workspace)]
    customer_summaries_refresh(workspace=owner.workspace, customer_ids=ids)
    expected = list(Customer.objects.filter(pk__in=ids).order_by("pk").values())
    Customer.objects.filter(pk__in=ids).update(orders_count=7, total_spent_satang=1)
    assert customer_summary_recompute(ids) == len(ids)
    assert list(Customer.objects.filter(pk__in=ids).order_by("pk").values()) == expected


def test_primary_contacts_and_addresses_stay_single(owner: Actor, pair: tuple[Rich, Rich]) -> None:
    survivor, merged = pair
    s, m = survivor.customer, merged.customer
    customer_merge(actor=owner, survivor_id=s.pk, merged_id=m.pk)
    primaries = ContactPoint.objects.filter(customer=s, kind="phone", is_primary=True)
    assert list(primaries.values_list("value", flat=True)) == ["+66813596920"]
    assert Address.objects.filter(customer=s, is_primary=True).count() == 1


def test_field_choices_and_defaults(owner: Actor) -> None:
    ws = owner.workspace
    s = CustomerFactory(
        workspace=ws, first_name="หญิง", last_name="", nickname="", notes="ชอบหวานน้อย",
        gender="female", custom_fields={"size": "M"},
    )  # fmt: skip
    m = CustomerFactory(
        workspace=ws, title="นางสาว", first_name="สมหญิง", last_name="ใจดี", nickname="หญิง",
        birthday=dt.date(1990, 4, 13), notes="แพ้นมวัว", gender="other", behaviour_type="regular",
        custom_fields={"size": "L", "shoe": "38"},
    )  # fmt: skip
    customer_merge(actor=owner, survivor_id=s.pk, merged_id=m.pk, field_choices={"name": "merged"})
    s.refresh_from_db()
    assert (s.title, s.first_name, s.last_name) == ("นางสาว", "สมหญิง", "ใจดี")  # chosen
    assert s.nickname == "หญิง" and s.birthday == dt.date(1990, 4, 13)  # survivor's were empty
    assert s.behaviour_type == "regular"
    assert s.gender == "female"  # both given: the survivor's by default
    assert s.notes == "ชอบหวานน้อย\n\nแพ้นมวัว"  # two pinned notes: both kept
    assert s.custom_fields == {"size": "M", "shoe": "38"}


@pytest.mark.parametrize(
    "choices,code",
    [({"first_name": "left"}, "invalid_choice"), ({"age": "merged"}, "unknown_field"),
     ({"gender": "both"}, "invalid_choice")],
)  # fmt: skip
def test_bad_field_choices_are_rejected(owner: Actor, choices: dict[str, str], code: str) -> None:
    s, m = CustomerFactory(workspace=owner.workspace), CustomerFactory(workspace=owner.workspace)
    with pytest.raises(ApplicationError) as err:
        customer_merge(actor=owner, survivor_id=s.pk, merged_id=m.pk, field_choices=choices)
    assert err.value.code == code and err.value.status == 422
    assert not MergeLog.objects.exists()


def test_undo_restores_exactly(owner: Actor, pair: tuple[Rich, Rich]) -> None:
    survivor, merged = pair
    s, m = survivor.customer, merged.customer
    Customer.objects.filter(pk=s.pk).update(referred_by=m)  # referred by the duplicate
    s.refresh_from_db()
    before_runs = _purchase_runs()
    before_rows = _assignment(derived=False)
    before_s = Customer.objects.filter(pk=s.pk).values().get()
    before_m = Customer.objects.filter(pk=m.pk).values().get()
    primary = set(ContactPoint.objects.filter(is_primary=True).values_list("pk", flat=True))

    log = customer_merge(
        actor=owner, survivor_id=s.pk, merged_id=m.pk, field_choices={"first_name": "merged"}
    )
    s.refresh_from_db()
    assert s.first_name == "หญิง" and s.referred_by_id is None  # never refers to itself
    assert _assignment(derived=False) != before_rows

    undone = merge_undo(actor=owner, merge_id=log.pk)
    assert undone.undone_at is not None and undone.undone_by == owner.user
    after_rows = _assignment(derived=False)
    # The purchase runs are rebuilt from the orders for both customers: new rows, same content.
    assert _purchase_runs() == before_runs
    assert {
        key: {pk: owner_id for pk, owner_id in rows.items() if pk in before_rows[key]}
        for key, rows in after_rows.items()
    } == before_rows
    new_events = set(after_rows["timeline.TimelineEvent.customer"]) - set(
        before_rows["timeline.TimelineEvent.customer"]
    )
    assert sorted(
        TimelineEvent.objects.filter(pk__in=new_events).values_list("type", flat=True)
    ) == [
        "customer.merged",
        "customer.unmerged",
        "customer.unmerged",
    ]
    assert Customer.objects.filter(pk=s.pk).values().get() == before_s
    assert Customer.objects.filter(pk=m.pk).values().get() == before_m
    assert set(ContactPoint.objects.filter(is_primary=True).values_list("pk", flat=True)) == primary
    assert m in customer_list(actor=owner)
    assert sorted(m.tags.values_list("name", flat=True)) == sorted(["VIP", "กาแฟ"])
    for customer, role in ((s, "survivor"), (m, "restored")):
        event = TimelineEvent.objects.get(customer=customer, type="customer.unmerged")
        assert event.payload["role"] == role
    assert AuditLog.objects.filter(action="customers.unmerged").count() == 1


def test_undo_keeps_edits_made_after_the_merge(owner: Actor) -> None:
    s = CustomerFactory(workspace=owner.workspace, first_name="หญิง", nickname="")
    m = CustomerFactory(workspace=owner.workspace, first_name="สมหญิง", nickname="ยิ้ง")
    log = customer_merge(
        actor=owner, survivor_id=s.pk, merged_id=m.pk, field_choices={"first_name": "merged"}
    )
    Customer.objects.filter(pk=s.pk).update(nickname="ยิ้มหวาน")  # staff edit after the merge
    merge_undo(actor=owner, merge_id=log.pk)
    s.refresh_from_db()
    assert s.first_name == "หญิง"  # restored
    assert s.nickname == "ยิ้มหวาน"  # a later edit is not thrown away


def test_undo_twice_is_refused(owner: Actor, pair: tuple[Rich, Rich]) -> None:
    survivor, merged = pair
    log = customer_merge(
        actor=owner, survivor_id=survivor.customer.pk, merged_id=merged.customer.pk
    )
    merge_undo(actor=owner, merge_id=log.pk)
    with pytest.raises(ApplicationError) as err:
        merge_undo(actor=owner, merge_id=log.pk)
    assert err.value.code == "merge_already_undone" and err.value.status == 409


def test_undo_in_reverse_order_only(owner: Actor) -> None:
    a, b, c = (CustomerFactory(workspace=owner.workspace) for _ in range(3))
    OrderFactory(workspace=owner.workspace, customer=b)
    OrderFactory(workspace=owner.workspace, customer=c)
    first = customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    second = customer_merge(actor=owner, survivor_id=a.pk, merged_id=c.pk)
    blocked = {entry.pk: vars(entry)["blocked"] for entry in merge_log_list(actor=owner)}
    assert blocked == {first.pk: True, second.pk: False}
    with pytest.raises(ApplicationError) as err:
        merge_undo(actor=owner, merge_id=first.pk)
    assert err.value.code == "merge_undo_order"
    assert err.value.details["blocking_merge_ids"] == [second.pk]
    merge_undo(actor=owner, merge_id=second.pk)
    merge_undo(actor=owner, merge_id=first.pk)
    assert set(Order.objects.values_list("customer_id", flat=True)) == {b.pk, c.pk}


def test_chain_of_merges_then_undo(owner: Actor) -> None:
    a, b, c = (CustomerFactory(workspace=owner.workspace) for _ in range(3))
    order = OrderFactory(workspace=owner.workspace, customer=c)
    first = customer_merge(actor=owner, survivor_id=b.pk, merged_id=c.pk)
    second = customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    order.refresh_from_db()
    assert order.customer_id == a.pk
    with pytest.raises(ApplicationError):
        merge_undo(actor=owner, merge_id=first.pk)
    merge_undo(actor=owner, merge_id=second.pk)
    merge_undo(actor=owner, merge_id=first.pk)
    order.refresh_from_db()
    assert order.customer_id == c.pk


def test_refusals(owner: Actor) -> None:
    a, b, c = (CustomerFactory(workspace=owner.workspace) for _ in range(3))
    with pytest.raises(ApplicationError) as err:
        customer_merge(actor=owner, survivor_id=a.pk, merged_id=a.pk)
    assert err.value.code == "merge_same_customer" and err.value.status == 422
    customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    for survivor_id, merged_id in ((c.pk, b.pk), (b.pk, c.pk)):
        with pytest.raises(ApplicationError) as err:
            customer_merge(actor=owner, survivor_id=survivor_id, merged_id=merged_id)
        assert err.value.code == "customer_already_merged" and err.value.status == 409
    with pytest.raises(NotFound):
        customer_merge(actor=owner, survivor_id=a.pk, merged_id=10**9)


def test_another_workspace_is_not_found(owner: Actor) -> None:
    mine = CustomerFactory(workspace=owner.workspace)
    other_actor = actor_for_membership(MembershipFactory())
    theirs = CustomerFactory(workspace=other_actor.workspace)
    theirs_too = CustomerFactory(workspace=other_actor.workspace)
    with pytest.raises(NotFound):
        customer_merge(actor=owner, survivor_id=mine.pk, merged_id=theirs.pk)
    with pytest.raises(NotFound):
        customer_merge(actor=owner, survivor_id=theirs.pk, merged_id=mine.pk)
    log = customer_merge(actor=other_actor, survivor_id=theirs.pk, merged_id=theirs_too.pk)
    with pytest.raises(NotFound):
        merge_undo(actor=owner, merge_id=log.pk)
    assert list(merge_log_list(actor=owner)) == []


def test_roles_without_customer_edit_cannot_merge(owner: Actor) -> None:
    marketer = actor_for_membership(MembershipFactory(workspace=owner.workspace, role="marketer"))
    a, b = CustomerFactory(workspace=owner.workspace), CustomerFactory(workspace=owner.workspace)
    with pytest.raises(PermissionDenied):
        customer_merge(actor=marketer, survivor_id=a.pk, merged_id=b.pk)
    log = customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    with pytest.raises(PermissionDenied):
        merge_undo(actor=marketer, merge_id=log.pk)


# --- pages -------------------------------------------------------------------------------------


def test_merge_page_side_by_side_then_merge_and_undo(owner_client: Client, owner: Actor) -> None:
    s = CustomerFactory(workspace=owner.workspace, first_name="สมหญิง", last_name="ใจดี")
    m = CustomerFactory(
        workspace=owner.workspace, first_name="หญิง", last_name="ใจดี", birthday=dt.date(1990, 4, 13)
    )
    ContactPointFactory(customer=m, kind="phone", value="+66813596920")
    OrderFactory(workspace=owner.workspace, customer=m)
    url = reverse("customers:merge", kwargs={"survivor_id": s.pk, "merged_id": m.pk})
    page = owner_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="keep_first_name"' in body and 'name="keep_birthday"' in body
    assert "081-359-6920" in body
    assert 'name="keep_last_name"' not in body  # the same on both: nothing to choose

    response = owner_client.post(url, {"keep_first_name": "merged", "keep_birthday": "merged"})
    assert response.status_code == 302 and response["Location"] == f"/customers/{s.pk}/"
    s.refresh_from_db()
    assert s.first_name == "หญิง" and s.birthday == dt.date(1990, 4, 13)
    assert Order.objects.get().customer_id == s.pk

    log = MergeLog.objects.get()
    listing = owner_client.get(reverse("customers:merge_log"))
    assert listing.status_code == 200
    undo_url = reverse("customers:merge_undo", kwargs={"merge_id": log.pk})
    assert undo_url in listing.content.decode()
    assert owner_client.get(undo_url).status_code == 200  # the confirmation page
    response = owner_client.post(undo_url)
    assert response.status_code == 302
    assert Order.objects.get().customer_id == m.pk
    owner.user.language = "en"  # type: ignore[union-attr]
    owner.user.save()  # type: ignore[union-attr]
    again = owner_client.post(undo_url)
    assert again.status_code == 409
    assert "This merge was already undone." in again.content.decode()


def test_merge_page_for_an_already_merged_customer(owner_client: Client, owner: Actor) -> None:
    a, b, c = (CustomerFactory(workspace=owner.workspace) for _ in range(3))
    customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    response = owner_client.get(reverse("customers:merge", args=[c.pk, b.pk]))
    assert response.status_code == 409


def test_marketer_cannot_open_the_merge_page(client: Client, owner: Actor) -> None:
    membership = MembershipFactory(workspace=owner.workspace, role="marketer")
    client.force_login(membership.user)
    a, b = CustomerFactory(workspace=owner.workspace), CustomerFactory(workspace=owner.workspace)
    assert client.get(reverse("customers:merge", args=[a.pk, b.pk])).status_code == 403
    assert client.get(reverse("customers:merge_log")).status_code == 200  # reading is fine


# --- property: merging never loses an order ------------------------------------------------------

customers_st = st.integers(min_value=2, max_value=6)
orders_st = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # customer index (mod n), or no customer
        st.integers(min_value=0, max_value=500_000),  # total in satang
        st.sampled_from(["paid", "paid", "cancelled", "refunded"]),
        st.booleans(),  # without a customer (a walk-in sale)
    ),
    max_size=12,
)
merges_st = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=8)


class _Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    n=customers_st, orders=orders_st, merges=merges_st, phones=st.lists(st.booleans(), max_size=6)
)
def test_merging_never_loses_an_order(
    owner: Actor,
    n: int,
    orders: list[tuple[int, int, str, bool]],
    merges: list[tuple[int, int]],
    phones: list[bool],
) -> None:
    try:
        with transaction.atomic():
            _merge_property(owner, n, orders, merges, phones)
            raise _Rollback  # each example starts from an empty workspace
    except _Rollback:
        pass


def _merge_property(
    owner: Actor,
    n: int,
    orders: list[tuple[int, int, str, bool]],
    merges: list[tuple[int, int]],
    phones: list[bool],
) -> None:
    ws = owner.workspace
    people = [CustomerFactory(workspace=ws) for _ in range(n)]
    for i, has_phone in enumerate(phones[:n]):
        if has_phone:
            ContactPointFactory(customer=people[i], kind="phone", value=f"+6681{i:07d}")
    channel = SalesChannelFactory(workspace=ws)
    for index, total, status, walk_in in orders:
        OrderFactory(
            workspace=ws, channel=channel, total_satang=total, status=status,
            customer=None if walk_in else people[index % n],
        )  # fmt: skip
    customer_summaries_refresh(workspace=ws)

    def snapshot() -> tuple[int, int, dict[int, Any]]:
        rows = Order.objects.filter(workspace=ws)
        return (
            rows.count(),
            sum(rows.values_list("total_satang", flat=True)),
            dict(rows.values_list("pk", "customer_id")),
        )

    original_count, original_total, original = snapshot()
    original_contacts = dict(ContactPoint.objects.values_list("pk", "customer_id"))
    logs = []
    for x, y in merges:
        live = list(Customer.objects.filter(workspace=ws, merged_into__isnull=True).order_by("pk"))
        survivor, merged = live[x % len(live)], live[y % len(live)]
        if survivor.pk == merged.pk:
            continue
        logs.append(customer_merge(actor=owner, survivor_id=survivor.pk, merged_id=merged.pk))

        count, total, assignment = snapshot()
        assert (count, total) == (original_count, original_total)
        owners = {cid for cid in assignment.values() if cid is not None}
        assert not Customer.objects.filter(pk__in=owners, merged_into__isnull=False).exists()
        # Orders without a customer stay without one; the others never lose theirs.
        assert {k for k, v in assignment.items() if v is None} == {
            k for k, v in original.items() if v is None
        }
        paid = Order.objects.filter(workspace=ws, status="paid", customer__isnull=False)
        summary = Customer.objects.filter(workspace=ws).values_list(
            "orders_count", "total_spent_satang"
        )
        assert sum(c for c, _t in summary) == paid.count()
        assert sum(t for _c, t in summary) == sum(paid.values_list("total_satang", flat=True))

    for log in reversed(logs):
        merge_undo(actor=owner, merge_id=log.pk)
    assert snapshot() == (original_count, original_total, original)
    assert dict(ContactPoint.objects.values_list("pk", "customer_id")) == original_contacts
    assert Customer.objects.filter(workspace=ws, merged_into__isnull=False).count() == 0
