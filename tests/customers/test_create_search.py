import pytest

from samphan.core.errors import ApplicationError
from samphan.core.thai.names import clean_text, split_full_name, split_title
from samphan.customers.models import ContactPoint, Customer
from samphan.customers.selectors import customer_search
from samphan.customers.services import customer_create
from samphan.timeline.models import TimelineEvent
from tests.factories import OrderFactory


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("นางสาวสมหญิง ใจดี", ("นางสาว", "สมหญิง ใจดี")),
        ("นางสมศรี มีสุข", ("นาง", "สมศรี มีสุข")),
        ("นายสม\u200bชาย", ("นาย", "สมชาย")),
        ("คุณต้น", ("คุณ", "ต้น")),
        ("Mr. John Smith", ("Mr.", "John Smith")),
        ("สมชาย", ("", "สมชาย")),
    ],
)
def test_titles_are_split_and_invisible_characters_removed(raw: str, expected: tuple) -> None:  # type: ignore[type-arg]
    assert split_title(raw) == expected


def test_full_name_split() -> None:
    assert split_full_name("น.ส. มาลี  ศรีสุข") == ("น.ส.", "มาลี", "ศรีสุข")
    assert clean_text("\ufeffมาลี\u200b ") == "มาลี"


def test_create_then_match_by_phone_in_another_format(owner) -> None:  # type: ignore[no-untyped-def]
    first = customer_create(
        actor=owner, first_name="นางสาวสมหญิง", last_name="ใจดี", contacts=[("phone", "081-359-6920")]
    )
    assert first.created and first.customer.title == "นางสาว"
    assert first.customer.first_name == "สมหญิง"
    again = customer_create(
        actor=owner,
        first_name="หญิง",
        contacts=[("phone", "+66 81 359 6920"), ("email", "Ying@Example.com")],
    )
    assert not again.created
    assert again.customer == first.customer and again.matched_by == "phone:+66813596920"
    assert Customer.objects.filter(workspace=owner.workspace).count() == 1
    assert set(ContactPoint.objects.values_list("kind", "value")) == {
        ("phone", "+66813596920"),
        ("email", "ying@example.com"),
    }
    assert (
        TimelineEvent.objects.filter(customer=first.customer, type="customer.created").count() == 1
    )


def test_bad_phone_names_the_field_and_formats(owner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as err:
        customer_create(actor=owner, first_name="ต้น", contacts=[("phone", "08*****920")])
    assert err.value.status == 422
    assert err.value.details["field"] == "contacts[0].value"
    assert "081-359-6920" in err.value.message
    assert not Customer.objects.exists()


def test_same_phone_in_another_workspace_is_another_customer(owner, db) -> None:  # type: ignore[no-untyped-def]
    from samphan.core.access import actor_for_membership
    from tests.factories import MembershipFactory

    other = actor_for_membership(MembershipFactory())
    a = customer_create(actor=owner, first_name="เอ", contacts=[("phone", "0813596920")])
    b = customer_create(actor=other, first_name="บี", contacts=[("phone", "0813596920")])
    assert a.created and b.created and a.customer != b.customer


@pytest.fixture
def people(owner):  # type: ignore[no-untyped-def]
    somying = customer_create(
        actor=owner,
        first_name="สมหญิง",
        last_name="ใจดีมาก",
        nickname="หญิง",
        contacts=[("phone", "0813596920"), ("email", "ying@example.com")],
    ).customer
    somchai = customer_create(
        actor=owner, first_name="สมชาย", last_name="รักไทย", contacts=[("phone", "0891234567")]
    ).customer
    return somying, somchai


@pytest.mark.parametrize(
    "q,field",
    [
        ("081-359-6920", "phone"),
        ("๐๘๑๓๕๙๖๙๒๐", "phone"),
        ("6920", "phone_suffix"),
        ("ying@example.com", "email"),
        ("ใจดี", "name"),
        ("หญิง", "nickname"),
    ],
)
def test_search_finds_by_any_identity(owner, people, q: str, field: str) -> None:  # type: ignore[no-untyped-def]
    somying, _ = people
    hits = customer_search(actor=owner, q=q)
    assert hits and hits[0].customer == somying and hits[0].matched_field == field


def test_search_by_order_number_and_scoped_to_workspace(owner, people) -> None:  # type: ignore[no-untyped-def]
    _, somchai = people
    OrderFactory(workspace=owner.workspace, customer=somchai, number="SP-0001")
    OrderFactory(number="SP-0002")  # another workspace's order
    assert [h.customer for h in customer_search(actor=owner, q="SP-0001")] == [somchai]
    assert customer_search(actor=owner, q="SP-0002") == []
    assert [h.customer for h in customer_search(actor=owner, q="สม")] != []
