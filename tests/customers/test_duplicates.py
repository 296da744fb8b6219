"""Possible duplicates: realistic Thai cases are found, different people are not; the stored
list (full and incremental scans) equals the on-the-fly computation; dismissing and restoring a
pair; merges remove stale pairs; the duplicates pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import AuditLog, Membership
from samphan.customers import duplicates
from samphan.customers import subscribers as customer_subscribers
from samphan.customers.contact_services import contact_add
from samphan.customers.duplicates import (
    THRESHOLD,
    DuplicatePair,
    duplicate_candidates,
    duplicate_dismiss,
    duplicate_list,
    duplicate_pairs,
    duplicate_restore,
    duplicate_scan_status,
    duplicates_scan,
    duplicates_scan_request,
    name_parts,
    reason_text,
)
from samphan.customers.merge import customer_merge, merge_undo
from samphan.customers.models import (
    Address,
    Customer,
    DuplicateCandidate,
    DuplicateDismissal,
    DuplicateScan,
)
from samphan.customers.services import customer_create, customer_update
from samphan.customers.tasks import duplicates_scan_all_task
from tests.factories import ContactPointFactory, CustomerFactory, MembershipFactory, OrderFactory

Finder = Callable[..., list[DuplicatePair]]


def _stored(actor: Actor, limit: int = 50) -> list[DuplicatePair]:
    duplicates_scan(workspace=actor.workspace)
    return duplicate_pairs(duplicate_list(actor=actor)[:limit])


@pytest.fixture(params=["computed", "stored"])
def find(request: pytest.FixtureRequest) -> Finder:
    """Each detection case runs against the on-the-fly computation and the stored list."""
    return duplicate_candidates if request.param == "computed" else _stored


def _customer(
    actor: Actor, first: str, last: str = "", *, phone: str = "", **kw: object
) -> Customer:
    customer = cast(
        Customer,
        CustomerFactory(workspace=actor.workspace, first_name=first, last_name=last, **kw),
    )
    if phone:
        ContactPointFactory(customer=customer, kind="phone", value=phone)
    return customer


def _member(**kw: Any) -> Membership:
    return cast(Membership, MembershipFactory(**kw))


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


def test_same_phone_suffix_and_the_same_name_with_a_title(owner: Actor, find: Finder) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    pair = _pair(find(actor=owner), a, b)
    assert _codes(pair) >= {"same_name", "phone_suffix"}
    # The same last 4 digits is a hint (1 in 10,000 by chance), not proof: listed, not certain.
    assert pair is not None and THRESHOLD <= pair.score < 80
    assert "6920" in " ".join(reason_text(r) for r in pair.reasons)


def test_swapped_first_and_last_name(owner: Actor, find: Finder) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "ใจดี", "สมหญิง", phone="+66861116920")
    assert _codes(_pair(find(actor=owner), a, b)) >= {
        "swapped_name",
        "phone_suffix",
    }


def test_same_name_and_birthday(owner: Actor, find: Finder) -> None:
    born = dt.date(1990, 4, 13)
    a = _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=born)
    b = _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=born)
    pair = _pair(find(actor=owner), a, b)
    assert _codes(pair) >= {"same_name", "same_birthday"}


def test_nickname_only_record_with_the_same_phone_suffix(owner: Actor, find: Finder) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", nickname="หญิง", phone="+66813596920")
    b = _customer(owner, "", "", nickname="หญิง")
    ContactPointFactory(customer=b, kind="phone", value="+66823596920")
    pair = _pair(find(actor=owner), a, b)
    assert _codes(pair) >= {"same_nickname"}
    assert _codes(pair) & {"phone_suffix", "phone_typo"}


def test_same_username_on_two_marketplaces_and_similar_name(owner: Actor, find: Finder) -> None:
    a = _customer(owner, "ปิยะนุช", "แสงทอง")
    b = _customer(owner, "ปิยะนุช", "แสงทอง.")  # a stray full stop from an export
    ContactPointFactory(customer=a, kind="shopee", value="piyanuch99")
    ContactPointFactory(customer=b, kind="email", value="piyanuch99@gmail.com")
    pair = _pair(find(actor=owner), a, b)
    assert _codes(pair) >= {"same_username", "similar_name"}


def test_same_address_and_similar_name(owner: Actor, find: Finder) -> None:
    a = _customer(owner, "ธนพล", "ศรีสวัสดิ์")
    b = _customer(owner, "ธนพล", "ศรีสวัสดิ")  # the last vowel mark dropped
    for customer, line in ((a, "99/1 ซอยสุขุมวิท 31"), (b, "99/1  ซอยสุขุมวิท31")):
        Address.objects.create(
            workspace=owner.workspace, customer=customer, line=line, postcode="10110"
        )
    pair = _pair(find(actor=owner), a, b)
    assert _codes(pair) >= {"same_address", "marks_name"}


def test_different_people_are_not_duplicates(owner: Actor, find: Finder) -> None:
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
    pairs = find(actor=owner)
    for x, y in ((a, b), (c, d), (e, f)):
        assert _pair(pairs, x, y) is None, (x, y)


def test_suggested_survivor_is_the_customer_with_more_orders(owner: Actor, find: Finder) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    OrderFactory(workspace=owner.workspace, customer=b)
    Customer.objects.filter(pk=b.pk).update(orders_count=1)
    pair = _pair(find(actor=owner), a, b)
    assert pair is not None and pair.survivor.pk == b.pk and pair.merged.pk == a.pk


def test_merged_customers_and_other_workspaces_are_not_candidates(
    owner: Actor, find: Finder
) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    other = actor_for_membership(_member())
    _customer(other, "สมหญิง", "ใจดี", phone="+66873596920")
    pairs = find(actor=owner)
    assert len(pairs) == 1 and _pair(pairs, a, b) is not None
    customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)
    assert find(actor=owner) == []


def test_very_common_keys_are_skipped_not_compared_pairwise(owner: Actor, find: Finder) -> None:
    # 30 records share one full name and nothing else: a block this large says little.
    for _ in range(30):
        _customer(owner, "สมชาย", "ใจดี")
    assert find(actor=owner) == []


def test_limit_and_order(owner: Actor, find: Finder) -> None:
    born = dt.date(1990, 4, 13)
    strong = (
        _customer(owner, "กานดา", "ศรีสุข", phone="+66813590001", birthday=born),
        _customer(owner, "กานดา", "ศรีสุข", phone="+66823590001", birthday=born),
    )
    # A name alone is never enough: this pair also shares a birthday.
    _customer(owner, "อรุณี", "วงศ์ใหญ่", birthday=dt.date(1970, 1, 2))
    _customer(owner, "อรุณี", "วงศ์ใหญ่", birthday=dt.date(1970, 1, 2))
    pairs = find(actor=owner)
    assert len(pairs) == 2 and pairs[0].score > pairs[1].score
    assert {pairs[0].survivor.pk, pairs[0].merged.pk} == {c.pk for c in strong}
    assert len(find(actor=owner, limit=1)) == 1


# --- the stored list --------------------------------------------------------------------------


def _mixed_shop(actor: Actor) -> dict[str, Customer]:
    """Every kind of case above in one workspace, plus strangers, a big common-name block and a
    merged customer."""
    born = dt.date(1990, 4, 13)
    made = {
        "ying": _customer(actor, "สมหญิง", "ใจดี", phone="+66813596920", nickname="หญิง"),
        "ying_title": _customer(actor, "นางสาวสมหญิง", "ใจดี", phone="+66899996920"),
        "ying_swapped": _customer(actor, "ใจดี", "สมหญิง", phone="+66861116920"),
        "ying_nick": _customer(actor, "", "", nickname="หญิง", phone="+66823596920"),
        "wipa": _customer(actor, "วิภาวดี", "รุ่งเรือง", birthday=born),
        "wipa2": _customer(actor, "วิภาวดี", "รุ่งเรือง", birthday=born),
        "piya": _customer(actor, "ปิยะนุช", "แสงทอง"),
        "piya2": _customer(actor, "ปิยะนุช", "แสงทอง."),
        "manee": _customer(actor, "มานี", "มีนา", birthday=dt.date(1975, 5, 5)),
        "manee_short": _customer(actor, "มานี", "", birthday=dt.date(1975, 5, 5)),
        "thanapol": _customer(actor, "ธนพล", "ศรีสวัสดิ์"),
        "thanapol2": _customer(actor, "ธนพล", "ศรีสวัสดิ"),
        "arunee": _customer(actor, "อรุณี", "วงศ์ใหญ่"),
        "arunee_swapped": _customer(actor, "วงศ์ใหญ่", "อรุณี"),
        "stranger": _customer(actor, "ประยุทธ", "มั่นคง", phone="+66891116920"),
        "gone": _customer(actor, "กานดา", "ศรีสุข", phone="+66813590001"),
        "kanda": _customer(actor, "กานดา", "ศรีสุข", phone="+66823590001"),
    }
    ContactPointFactory(customer=made["piya"], kind="shopee", value="piyanuch99")
    ContactPointFactory(customer=made["piya2"], kind="email", value="piyanuch99@gmail.com")
    for key, line in (("thanapol", "99/1 ซอยสุขุมวิท 31"), ("thanapol2", "99/1  ซอยสุขุมวิท31")):
        Address.objects.create(
            workspace=actor.workspace, customer=made[key], line=line, postcode="10110"
        )
    OrderFactory(workspace=actor.workspace, customer=made["ying_title"])
    Customer.objects.filter(pk=made["ying_title"].pk).update(orders_count=1)
    for _ in range(25):  # a block too large to say anything
        _customer(actor, "สมชาย", "รักไทย")
    customer_merge(actor=actor, survivor_id=made["kanda"].pk, merged_id=made["gone"].pk)
    return made


def _comparable(pairs: list[DuplicatePair]) -> list[tuple[Any, ...]]:
    """Ties in score come in either order; everything else must match exactly."""
    return sorted(
        (
            -p.score,
            min(p.survivor.pk, p.merged.pk),
            max(p.survivor.pk, p.merged.pk),
            p.survivor.pk,
            p.reasons,
        )
        for p in pairs
    )


def test_stored_list_equals_the_on_the_fly_computation(owner: Actor) -> None:
    _mixed_shop(owner)
    computed = duplicate_candidates(actor=owner, limit=500)
    assert duplicates_scan(workspace=owner.workspace) == len(computed) >= 5
    stored = duplicate_pairs(duplicate_list(actor=owner))
    assert _comparable(stored) == _comparable(computed)
    assert [p.score for p in stored] == sorted((p.score for p in stored), reverse=True)
    scan = DuplicateScan.objects.get(workspace=owner.workspace)
    assert scan.finished_at is not None and scan.candidates == len(computed)


def _stored_rows(actor: Actor) -> set[tuple[int, int, int, str]]:
    return {
        (row.customer_a_id, row.customer_b_id, row.score, str(row.reasons))
        for row in DuplicateCandidate.objects.filter(workspace=actor.workspace)
    }


def test_an_incremental_scan_stores_what_a_full_scan_would(owner: Actor) -> None:
    made = _mixed_shop(owner)
    duplicates_scan(workspace=owner.workspace)
    full = _stored_rows(owner)
    DuplicateCandidate.objects.all().delete()
    for customer in made.values():
        duplicates_scan(workspace=owner.workspace, customer_ids=[customer.pk])
    # The 25 namesakes' block is too large in both: counted in full by the incremental scan.
    namesake = Customer.objects.filter(workspace=owner.workspace, first_name="สมชาย").first()
    assert namesake is not None
    duplicates_scan(workspace=owner.workspace, customer_ids=[namesake.pk])
    assert _stored_rows(owner) == full


def test_pairs_found_beyond_the_full_scans_limit_are_kept_while_they_qualify(
    owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large shop in miniature: the full scan stops after the first block.
    monkeypatch.setattr(duplicates.scan, "MAX_PAIRS", 1)
    strong = (
        _customer(owner, "กานดา", "ศรีสุข", phone="+66813590001"),
        _customer(owner, "กานดา", "ศรีสุข", phone="+66823590001"),
    )
    born = dt.date(1990, 4, 13)
    late = (
        _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=born),
        _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=born),
    )

    def stored() -> set[tuple[int, int]]:
        return set(duplicate_list(actor=owner).values_list("customer_a_id", "customer_b_id"))

    assert duplicates_scan(workspace=owner.workspace) == 1
    assert stored() == {(strong[0].pk, strong[1].pk)}  # phone + name first: the strongest
    duplicates_scan(workspace=owner.workspace, customer_ids=[late[1].pk])
    assert stored() == {(strong[0].pk, strong[1].pk), (late[0].pk, late[1].pk)}
    duplicates_scan(workspace=owner.workspace)  # the nightly scan keeps it
    assert (late[0].pk, late[1].pk) in stored()
    # Renamed without a rescan (as a bulk import writes): the next full scan drops it.
    Customer.objects.filter(pk=late[1].pk).update(first_name="มาลี", last_name="ทองดี")
    duplicates_scan(workspace=owner.workspace)
    assert stored() == {(strong[0].pk, strong[1].pk)}


def test_a_new_or_edited_customer_is_scanned_after_commit(
    owner: Actor, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    duplicates_scan(workspace=owner.workspace)  # an empty shop: nothing stored
    first = customer_create(
        actor=owner, first_name="สมหญิง", last_name="ใจดี", contacts=[("phone", "0813596920")]
    ).customer
    with django_capture_on_commit_callbacks(execute=True):
        second = customer_create(
            actor=owner,
            first_name="นางสาวสมหญิง",
            last_name="ใจดี",
            contacts=[("phone", "0899996920")],
        ).customer
    [pair] = duplicate_pairs(duplicate_list(actor=owner))
    assert {pair.survivor.pk, pair.merged.pk} == {first.pk, second.pk}
    # A name change that breaks the pair removes it; a notes change does not rescan.
    scans: list[Any] = []
    with monkeypatch.context() as patch:
        patch.setattr(customer_subscribers, "duplicates_scan", lambda **kw: scans.append(kw))
        with django_capture_on_commit_callbacks(execute=True):
            customer_update(actor=owner, customer_id=second.pk, data={"notes": "VIP"})
    assert scans == []
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(
            actor=owner, customer_id=second.pk, data={"first_name": "มานี", "last_name": "มีนา"}
        )
    assert not duplicate_list(actor=owner).exists()
    # A birthday in common with a namesake makes a new pair.
    born = dt.date(1988, 2, 29)
    third = _customer(owner, "มานี", "มีนา", birthday=born)
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(actor=owner, customer_id=second.pk, data={"birthday": "1988-02-29"})
    [pair] = duplicate_pairs(duplicate_list(actor=owner))
    assert {pair.survivor.pk, pair.merged.pk} == {second.pk, third.pk}
    assert "same_birthday" in _codes(pair)


def test_a_new_phone_rescans_the_customer(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    a = _customer(owner, "กานดา", "ศรีสุข", phone="+66813590001")
    b = _customer(owner, "", "", nickname="กานดา")
    duplicates_scan(workspace=owner.workspace)
    assert not duplicate_list(actor=owner).exists()
    with django_capture_on_commit_callbacks(execute=True):
        contact_add(actor=owner, customer_id=b.pk, kind="phone", value="0823590001")
    [pair] = duplicate_pairs(duplicate_list(actor=owner))
    assert {pair.survivor.pk, pair.merged.pk} == {a.pk, b.pk}


def test_the_list_is_paged_best_first(owner: Actor) -> None:
    _mixed_shop(owner)
    duplicates_scan(workspace=owner.workspace)
    everything = list(duplicate_list(actor=owner))
    assert [r.pk for r in duplicate_list(actor=owner)[2:4]] == [r.pk for r in everything[2:4]]
    assert [r.score for r in everything] == sorted((r.score for r in everything), reverse=True)


def test_nightly_task_scans_every_workspace(owner: Actor) -> None:
    a = _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=dt.date(1990, 4, 13))
    b = _customer(owner, "วิภาวดี", "รุ่งเรือง", birthday=dt.date(1990, 4, 13))
    other = actor_for_membership(_member())
    _customer(other, "วิภาวดี", "รุ่งเรือง", birthday=dt.date(1990, 4, 13))
    assert duplicates_scan_all_task.delay().get() >= 2
    [pair] = duplicate_pairs(duplicate_list(actor=owner))
    assert {pair.survivor.pk, pair.merged.pk} == {a.pk, b.pk}
    assert not duplicate_list(actor=other).exists()  # one customer: no pair
    assert duplicate_scan_status(actor=other).scanned_at is not None


def test_scan_request_refused_while_one_runs(owner: Actor) -> None:
    DuplicateScan.objects.create(workspace=owner.workspace, started_at=timezone.now())
    with pytest.raises(ApplicationError) as info:
        duplicates_scan_request(actor=owner)
    assert info.value.code == "duplicate_scan_running" and info.value.status == 409
    assert duplicate_scan_status(actor=owner).running_since is not None


# --- merging removes stale pairs ---------------------------------------------------------------


def test_merge_removes_the_merged_customers_pairs_and_undo_brings_them_back(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    c = _customer(owner, "สมหญิง", "ใจดี", phone="+66823596920")  # one digit off theirs
    duplicates_scan(workspace=owner.workspace)
    assert duplicate_list(actor=owner).count() == 3
    log = customer_merge(actor=owner, survivor_id=a.pk, merged_id=b.pk)  # no rescan yet
    stored = DuplicateCandidate.objects.filter(workspace=owner.workspace)
    assert not stored.filter(Q(customer_a=b) | Q(customer_b=b)).exists()
    assert {(r.customer_a_id, r.customer_b_id) for r in duplicate_list(actor=owner)} == {
        (min(a.pk, c.pk), max(a.pk, c.pk))
    }
    with django_capture_on_commit_callbacks(execute=True):
        merge_undo(actor=owner, merge_id=log.pk)
    assert duplicate_list(actor=owner).count() == 3


def test_a_merge_during_a_scan_never_lists_the_merged_customer(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    duplicates_scan(workspace=owner.workspace)
    # A stale row, as a scan that read the data before the merge would have written it:
    Customer.objects.filter(pk=b.pk).update(merged_into=a)
    assert duplicate_list(actor=owner).count() == 1
    assert duplicate_pairs(duplicate_list(actor=owner)) == []


def test_a_pair_dismissed_during_a_scan_is_never_listed(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    duplicates_scan(workspace=owner.workspace)
    # Dismissed after the scan read the dismissals, before it wrote its rows:
    DuplicateDismissal.objects.create(
        workspace=owner.workspace, customer_a=a, customer_b=b, dismissed_at=timezone.now()
    )
    assert duplicate_list(actor=owner).count() == 1
    assert duplicate_pairs(duplicate_list(actor=owner)) == []


# --- "not the same person" ---------------------------------------------------------------------


def test_dismiss_hides_the_pair_and_survives_rescans(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    c = _customer(owner, "สมหญิง", "ใจดี", phone="+66823596920")  # one digit off theirs
    duplicates_scan(workspace=owner.workspace)
    result = duplicate_dismiss(actor=owner, customer_id=b.pk, other_id=a.pk)
    assert result.created
    assert (result.dismissal.customer_a_id, result.dismissal.customer_b_id) == (a.pk, b.pk)
    assert result.dismissal.dismissed_by == owner.user

    def listed() -> set[frozenset[int]]:
        return {frozenset((r.customer_a_id, r.customer_b_id)) for r in duplicate_list(actor=owner)}

    assert listed() == {frozenset((a.pk, c.pk)), frozenset((b.pk, c.pk))}
    duplicates_scan(workspace=owner.workspace)
    duplicates_scan(workspace=owner.workspace, customer_ids=[a.pk, b.pk])
    assert listed() == {frozenset((a.pk, c.pk)), frozenset((b.pk, c.pk))}
    assert not DuplicateCandidate.objects.filter(customer_a=a, customer_b=b).exists()
    again = duplicate_dismiss(actor=owner, customer_id=a.pk, other_id=b.pk)
    assert not again.created and DuplicateDismissal.objects.count() == 1
    audit = AuditLog.objects.get(action="customers.duplicate_dismissed")
    assert audit.workspace == owner.workspace and audit.data == {"customer_ids": [a.pk, b.pk]}


def test_restore_lets_the_pair_be_suggested_again(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "สมหญิง", "ใจดี", phone="+66893596920")
    duplicates_scan(workspace=owner.workspace)
    duplicate_dismiss(actor=owner, customer_id=a.pk, other_id=b.pk)
    assert not duplicate_list(actor=owner).exists()
    with django_capture_on_commit_callbacks(execute=True):
        duplicate_restore(actor=owner, customer_id=b.pk, other_id=a.pk)
    assert not DuplicateDismissal.objects.exists()
    assert duplicate_list(actor=owner).count() == 1
    assert AuditLog.objects.filter(action="customers.duplicate_restored").count() == 1
    with pytest.raises(NotFound):
        duplicate_restore(actor=owner, customer_id=a.pk, other_id=b.pk)


def test_dismiss_refusals(owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี")
    b = _customer(owner, "สมหญิง", "ใจดี")
    with pytest.raises(ApplicationError) as info:
        duplicate_dismiss(actor=owner, customer_id=a.pk, other_id=a.pk)
    assert info.value.code == "duplicate_same_customer"
    other = actor_for_membership(_member())
    theirs = _customer(other, "สมหญิง", "ใจดี")
    with pytest.raises(NotFound):
        duplicate_dismiss(actor=owner, customer_id=a.pk, other_id=theirs.pk)
    with pytest.raises(NotFound):  # another workspace's pair, seen from there
        duplicate_dismiss(actor=other, customer_id=a.pk, other_id=b.pk)
    marketer = actor_for_membership(_member(workspace=owner.workspace, role="marketer"))
    with pytest.raises(PermissionDenied):
        duplicate_dismiss(actor=marketer, customer_id=a.pk, other_id=b.pk)
    with pytest.raises(PermissionDenied):
        duplicates_scan_request(actor=marketer)
    assert not DuplicateDismissal.objects.exists()


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["th", "en"])
def test_duplicates_page(owner_client: Client, owner: Actor, language: str) -> None:
    owner.user.language = language  # type: ignore[union-attr]
    owner.user.save()  # type: ignore[union-attr]
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    duplicates_scan(workspace=owner.workspace)
    response = owner_client.get(reverse("customers:duplicates"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}"' in body
    assert "สมหญิง" in body
    if language == "en":
        assert "Possible duplicates" in body and "Same last 4 phone digits (6920)" in body
        assert "Last scanned" in body and "Not the same person" in body
    assert (
        reverse("customers:merge", args=[a.pk, b.pk]) in body
        or reverse("customers:merge", args=[b.pk, a.pk]) in body
    )
    assert 'id="not-scanned"' not in body


def test_duplicates_page_before_the_first_scan_and_scan_now(
    owner_client: Client, owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    body = owner_client.get(reverse("customers:duplicates")).content.decode()
    assert 'id="not-scanned"' in body and reverse("customers:duplicates_scan") in body
    assert 'class="empty-state"' not in body
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("customers:duplicates_scan"))
    assert response.status_code == 302
    body = owner_client.get(reverse("customers:duplicates")).content.decode()
    assert 'id="not-scanned"' not in body and 'class="dup-card"' in body


def test_duplicates_page_empty_state(owner_client: Client, owner: Actor) -> None:
    duplicates_scan(workspace=owner.workspace)
    response = owner_client.get(reverse("customers:duplicates"))
    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()


def test_duplicates_page_pages(owner_client: Client, owner: Actor) -> None:
    for i in range(23):
        born = dt.date(1980, 1, 1) + dt.timedelta(days=i)
        _customer(owner, f"ชื่อ{i}", f"สกุล{i}", birthday=born)
        _customer(owner, f"ชื่อ{i}", f"สกุล{i}", birthday=born)
    duplicates_scan(workspace=owner.workspace)
    first = owner_client.get(reverse("customers:duplicates")).content.decode()
    second = owner_client.get(reverse("customers:duplicates") + "?page=2").content.decode()
    assert first.count('class="dup-card"') == 20 and second.count('class="dup-card"') == 3


def test_not_the_same_person_button_and_restore(owner_client: Client, owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    duplicates_scan(workspace=owner.workspace)
    url = reverse("customers:duplicate_dismiss", args=[a.pk, b.pk])
    assert url in owner_client.get(reverse("customers:duplicates")).content.decode()
    assert owner_client.get(url).status_code == 302  # only a POST changes anything
    assert not DuplicateDismissal.objects.exists()
    response = owner_client.post(url, {"page": "1"}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="dup-card"' not in body and "สมหญิง" in body  # named in the message
    assert DuplicateDismissal.objects.filter(customer_a=a, customer_b=b).exists()
    listing = owner_client.get(reverse("customers:duplicates_dismissed")).content.decode()
    restore = reverse("customers:duplicate_restore", args=[a.pk, b.pk])
    assert restore in listing and "ใจดี" in listing
    assert owner_client.post(restore).status_code == 302
    assert not DuplicateDismissal.objects.exists()
    assert owner_client.post(restore).status_code == 404  # nothing left to restore


def test_marketer_sees_the_list_but_no_buttons(client: Client, owner: Actor) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    duplicates_scan(workspace=owner.workspace)
    client.force_login(_member(workspace=owner.workspace, role="marketer").user)
    body = client.get(reverse("customers:duplicates")).content.decode()
    assert 'class="dup-card"' in body
    assert reverse("customers:duplicate_dismiss", args=[a.pk, b.pk]) not in body
    assert reverse("customers:duplicates_scan") not in body
    assert client.post(reverse("customers:duplicate_dismiss", args=[a.pk, b.pk])).status_code == 403
    assert client.post(reverse("customers:duplicates_scan")).status_code == 403
    assert not DuplicateDismissal.objects.exists()


def test_pages_of_another_workspace(
    client: Client, owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    a = _customer(owner, "สมหญิง", "ใจดี", phone="+66813596920")
    b = _customer(owner, "นางสาวสมหญิง", "ใจดี", phone="+66899996920")
    _customer(owner, "สมหญิง", "ใจดี", phone="+66823596920")
    duplicates_scan(workspace=owner.workspace)
    duplicate_dismiss(actor=owner, customer_id=a.pk, other_id=b.pk)
    ours = _stored_rows(owner)
    assert len(ours) == 2
    client.force_login(_member().user)  # the owner of another shop
    assert client.post(reverse("customers:duplicate_dismiss", args=[a.pk, b.pk])).status_code == 404
    assert client.post(reverse("customers:duplicate_restore", args=[a.pk, b.pk])).status_code == 404
    assert "ใจดี" not in client.get(reverse("customers:duplicates_dismissed")).content.decode()
    assert "ใจดี" not in client.get(reverse("customers:duplicates")).content.decode()
    assert DuplicateDismissal.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post(reverse("customers:duplicates_scan")).status_code == 302
    assert len(callbacks) == 1
    assert _stored_rows(owner) == ours  # their scan leaves this shop's pairs alone
