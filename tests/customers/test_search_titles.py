"""Search as staff type names: with a title in front (นางสมศรี, คุณ สมชาย, Mrs Somsri), and
"first last" in either order; the title helper that makes it possible."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from samphan.core.access import Actor
from samphan.core.thai.names import split_title
from samphan.customers.models import Customer
from samphan.customers.selectors import customer_search
from samphan.customers.services import customer_create
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("นางสมศรี", ("นาง", "สมศรี")),
        ("คุณ สมชาย", ("คุณ", "สมชาย")),
        ("ด.ช.ต้น", ("ด.ช.", "ต้น")),
        ("ด.ญ. มาลี", ("ด.ญ.", "มาลี")),
        ("เด็กชายต้น", ("เด็กชาย", "ต้น")),
        ("เด็กหญิงมาลี", ("เด็กหญิง", "มาลี")),
        ("Mrs Somsri", ("Mrs", "Somsri")),
        ("mrs. somsri", ("Mrs.", "somsri")),
        ("Ms Lee", ("Ms", "Lee")),
        ("Miss Lee", ("Miss", "Lee")),
        ("Dr Somchai", ("Dr", "Somchai")),
        ("Khun Somchai", ("Khun", "Somchai")),
        # names that only begin like a title
        ("Missy Lee", ("", "Missy Lee")),
        ("Drew", ("", "Drew")),
        ("Khunakorn", ("", "Khunakorn")),
        ("คุณากร", ("", "คุณากร")),  # a Thai word cannot begin with the vowel า
        ("ดรุณี", ("", "ดรุณี")),
        ("นาง", ("", "นาง")),  # a title alone is not split off
    ],
)
def test_split_title(raw: str, expected: tuple[str, str]) -> None:
    assert split_title(raw) == expected


@pytest.fixture
def somsri(owner: Actor) -> Customer:
    customer = customer_create(actor=owner, first_name="นางสมศรี", last_name="มีสุข").customer
    assert customer.title == "นาง" and customer.first_name == "สมศรี"
    customer_create(actor=owner, first_name="สมศรี", last_name="ใจงาม")  # same first name
    customer_create(actor=owner, first_name="มีสุข", last_name="ทองดี")  # her surname as a name
    customer_create(actor=owner, first_name="สมชาย", last_name="มีสุข")  # same surname
    return customer


@pytest.mark.parametrize(
    "q",
    [
        "นางสมศรี มีสุข",
        "นาง สมศรี มีสุข",
        "คุณสมศรี มีสุข",  # any title, not only hers
        "Mrs สมศรี มีสุข",
        "mrs. สมศรี มีสุข",
        "สมศรี มีสุข",
        "มีสุข สมศรี",  # last first
        "คุณมีสุข สมศรี",
    ],
)
def test_full_name_with_or_without_title_finds_her_first(
    owner: Actor, somsri: Customer, q: str
) -> None:
    hits = customer_search(actor=owner, q=q)
    assert hits and hits[0].customer == somsri, [h.customer.display_name for h in hits]
    assert hits[0].matched_field == "name"


@pytest.mark.parametrize("q", ["นางสมศรี", "นาง สมศรี", "คุณสมศรี", "Mrs สมศรี", "ด.ญ.สมศรี"])
def test_first_name_with_title_finds_every_somsri(owner: Actor, somsri: Customer, q: str) -> None:
    found = {h.customer.first_name for h in customer_search(actor=owner, q=q)}
    assert found == {"สมศรี"}
    assert len(customer_search(actor=owner, q=q)) == 2


def test_fragments_in_any_order_with_a_title(owner: Actor, somsri: Customer) -> None:
    hits = customer_search(actor=owner, q="คุณ สุข สมศ")
    assert [h.customer for h in hits] == [somsri]


def test_a_name_that_begins_like_a_title_is_still_found(owner: Actor) -> None:
    nuan = customer_create(actor=owner, first_name="ณัฐ", nickname="นางนวล").customer
    khunakorn = customer_create(actor=owner, first_name="คุณากร", last_name="ศรีสุข").customer
    missy = customer_create(actor=owner, first_name="Missy", last_name="Lee").customer
    assert customer_search(actor=owner, q="นางนวล")[0].customer == nuan
    assert customer_search(actor=owner, q="คุณากร")[0].customer == khunakorn
    assert customer_search(actor=owner, q="คุณากร ศรีสุข")[0].customer == khunakorn
    assert customer_search(actor=owner, q="Missy")[0].customer == missy
    assert customer_search(actor=owner, q="Miss Lee")[0].customer == missy


def test_list_page_and_api_find_her_by_title_and_name(
    owner_client: Client, api_rw: ApiClient, somsri: Customer
) -> None:
    body = owner_client.get("/customers/", {"q": "นางสมศรี"}).content.decode()
    assert "มีสุข" in body and "ใจงาม" in body and "ทองดี" not in body
    query = urlencode({"q": "คุณ มีสุข สมศรี"})
    hits = api_rw.get(f"/api/v1/search/customers?{query}").json()
    assert hits[0]["customer"]["id"] == somsri.pk
