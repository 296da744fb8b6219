"""Possible duplicates: realistic Thai cases are found, different people are not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor, actor_for_membership
from samphan.customers.merge import (
    DuplicatePair,
    customer_merge,
    duplicate_candidates,
    name_parts,
    reason_text,
)
from samphan.customers.models import Address, Customer
from tests.factories import ContactPointFactory, CustomerFactory, MembershipFactory, OrderFactory


def _customer(
    actor: Actor, first: str, last: str = "", *, phone: str = "", **kw: object
) -> Customer:
    customer = CustomerFactory(workspace=actor.workspace, first_name=first, last_name=last, **kw)
    if phone:
        ContactPointFactory(customer=customer, kind="phone", value=phone)
    return customer


def _pair(pairs: list[DuplicatePair], a: Customer, b: Customer) -> DuplicatePair | None:
    for pair in pairs:
        if {pair.survivor.pk, pair.merged.pk} == {a.pk, b.pk}:
            return pair
    return None


def _codes(pair: DuplicatePair | None) -> set[str]:
    assert pair is not None, "pair not found"
    return {r.code for r in pair.reasons}


def test_name_parts_drop_titles_and_split_a_full_name() -> None:
    assert name_parts("นางสาวสมหญิง", "ใจดี") == ("สมหญิง", "ใจดี")
    assert name_parts("สมหญิง ใจดี") == ("สมหญิง", "ใจดี")
    assert name_parts("Mr. John", "SMITH") == ("john", "smith")
    assert name_parts("", "") == ("", "")


def test_same_phone_suffix_and_the_same_name_with_a_title(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    pair = _pair(duplicate_candidates(actor=owner), a, b)
    assert _codes(pair) >= {"same_name", "phone_suffix"}
    assert pair is not None and pair.score >= 80
    assert "6920" in " ".join(reason_text(r) for r in pair.reasons)


def test_swapped_first_and_last_name(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "ใจดี", "สมหญิง", phone="+66861116920")
    assert _codes(_pair(duplicate_candidates(actor=owner), a, b)) >= {
        "swapped_name",
        "phone_suffix",
    }


def test_same_name_and_birthday(owner: Actor) -> None:
    born = dt.date(1990, 4, 13)
    a = _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=born)
    b = _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=born)
    pair = _pair(duplicate_candidates(actor=owner), a, b)
    assert _codes(pair) >= {"same_name", "same_birthday"}


def test_nickname_only_record_with_the_same_phone_suffix(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", nickname="หญิง", phone="+66813596920")
    b = CustomerFactory(workspace=owner.workspace, first_name="", last_name="", nickname="หญิง")
    ContactPointFactory(customer=b, kind="phone", value="+66823596920")
    pair = _pair(duplicate_candidates(actor=owner), a, b)
    assert _codes(pair) >= {"same_nickname"}
    assert _codes(pair) & {"phone_suffix", "phone_digits"}


def test_same_username_on_two_marketplaces_and_similar_name(owner: Actor) -> None:
    a = _customer(owner, "ปิยะนุช", "แสงทอง")
    b = _customer(owner, "ปิยะนุช", "แสงทอง.")  # a stray full stop from an export
    ContactPointFactory(customer=a, kind="shopee", value="piyanuch99")
    ContactPointFactory(customer=b, kind="email", value="piyanuch99@gmail.com")
    pair = _pair(duplicate_candidates(actor=owner), a, b)
    assert _codes(pair) >= {"same_username", "similar_name"}


def test_same_address_and_similar_name(owner: Actor) -> None:
    a = _customer(owner, "ธนพล", "ศรีสวัสดิ์")
    b = _customer(owner, "ธนพล", "ศรีสวัสดิ")  # the last vowel mark dropped
    for customer, line in ((a, "99/1 ซอยสุขุมวิท 31"), (b, "99/1  ซอยสุขุมวิท31")):
        Address.objects.create(
            workspace=owner.workspace, customer=customer, line=line, postcode="10110"
        )
    pair = _pair(duplicate_candidates(actor=owner), a, b)
    assert _codes(pair) >= {"same_address", "similar_name"}


def test_different_people_are_not_duplicates(owner: Actor) -> None:
    # Same last 4 digits, different names.
    a = _customer(owner, "สมชาย", "ใจดี", phone="+66813596920")
    b = _customer(owner, "ประยุทธ", "มั่นคง", phone="+66891116920")
    # Same first name and birthday, different families (Thai surnames differ).
    born = dt.date(1985, 1, 1)
    c = _customer(owner, "สมศรี", "มีสุข", birthday=born)
    d = _customer(owner, "สมศรี", "ทองดี", birthday=born)
    # Family members at one address.
    e = _customer(owner, "สมชาย", "รักไทย")
    f = _customer(owner, "มาลี", "รักไทย")
    for customer in (e, f):
        Address.objects.create(
            workspace=owner.workspace, customer=customer, line="12 ถนนพระราม 4", postcode="10500"
        )
    pairs = duplicate_candidates(actor=owner)
    for x, y in ((a, b), (c, d), (e, f)):
        assert _pair(pairs, x, y) is None, (x, y)


def test_suggested_survivor_is_the_customer_with_more_orders(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    OrderFactory(workspace=owner.workspace, customer=b)
    Customer.objects.filter(pk=b.pk).update(orders_count=1)
    pair = _pair(duplicate_candidates(actor=owner), a, b)
    assert pair is not None and pair.survivor.pk == b.pk and pair.merged.pk == a.pk


def test_merged_customers_and_other_workspaces_are_not_candidates(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    other = actor_for_membership(MembershipFactory())
    _customer(other, "สมหญิง", "ใจดี", phone="+66873596920")
    pairs = duplicate_candidates(actor=owner)
    assert len(pairs) == 1 and _pair(pairs, a, b) is not None
    customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    assert duplicate_candidates(actor=owner) == []


def test_very_common_keys_are_skipped_not_compared_pairwise(owner: Actor) -> None:
    # 30 records share one full name and nothing else: a block this large says little.
    for _ in range(30):
        _customer(owner, "สมชาย", "ใจดี")
    assert duplicate_candidates(actor=owner) == []


def test_limit_and_order(owner: Actor) -> None:
    born = dt.date(1990, 4, 13)
    strong = (
        _customer(owner, "กานดา", "ศรีสุข", phone="+66813590001", birthday=born),
        _customer(owner, "กานดา", "ศรีสุข", phone="+66823590001", birthday=born),
    )
    _customer(owner, "อรุณี", "วงศ์ใหญ่")
    _customer(owner, "อรุณี", "วงศ์ใหญ่")
    pairs = duplicate_candidates(actor=owner)
    assert len(pairs) == 2 and pairs[0].score > pairs[1].score
    assert {pairs[0].survivor.pk, pairs[0].merged.pk} == {c.pk for c in strong}
    assert len(duplicate_candidates(actor=owner, limit=1)) == 1


@pytest.mark.parametrize("language", ["th", "en"])
def test_duplicates_page(owner_client: Client, owner: Actor, language: str) -> None:
    owner.user.language = language  # type: ignore[union-attr]
    owner.user.save()  # type: ignore[union-attr]
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    response = owner_client.get(reverse("customers:duplicates"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}"' in body
    assert "สมหญิง" in body
    if language == "en":
        assert "Possible duplicates" in body and "Same last 4 phone digits (6920)" in body
    assert (
        reverse("customers:merge", args=[a.pk, b.pk]) in body
        or reverse("customers:merge", args=[b.pk, a.pk]) in body
    )


def test_duplicates_page_empty_state(owner_client: Client) -> None:
    response = owner_client.get(reverse("customers:duplicates"))
    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()
