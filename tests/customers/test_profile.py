"""The customer's profile: services (update, tags, contacts, notes, addresses) and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.customers import (
    address_services,
    consent_services,
    contact_services,
    interaction_services,
    services,
)
from samphan.customers.models import (
    Address,
    ContactPoint,
    Customer,
    CustomFieldDefinition,
    Tag,
)
from samphan.timeline.models import TimelineEvent
from tests.factories import (
    BranchFactory,
    ContactPointFactory,
    CustomerFactory,
    MembershipFactory,
)


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return ContactPointFactory(customer__workspace=owner.workspace, value="+66813596920").customer


def _member_client(owner_membership: Membership, role: str, language: str = "th") -> Client:
    membership = MembershipFactory(
        workspace=owner_membership.workspace, role=role, user__language=language
    )
    client = Client()
    client.force_login(membership.user)
    return client


def _events(customer: Customer, type: str) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(customer=customer, type=type).order_by("id"))


# --- customer_update -----------------------------------------------------------------------------


def test_update_changes_fields_and_writes_one_event_with_the_changes(
    owner: Actor, customer: Customer
) -> None:
    services.customer_update(
        actor=owner,
        customer_id=customer.pk,
        data={
            "first_name": "นางสาวมาลี",
            "nickname": " มะลิ ",
            "gender": "female",
            "birthday": "1990-04-13",
            "preferred_language": "th",
            "preferred_channel": "line",
            "behaviour_type": "promotion_driven",
            "lifecycle_stage": "active",
            "tags": ["VIP", "ชาไทย"],
        },
    )
    customer.refresh_from_db()
    assert (customer.title, customer.first_name, customer.nickname) == ("นางสาว", "มาลี", "มะลิ")
    assert customer.birthday.isoformat() == "1990-04-13"
    assert customer.behaviour_type == "promotion_driven"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "ชาไทย"]
    [event] = _events(customer, "customer.updated")
    changes = event.payload["changes"]
    assert changes["behaviour_type"] == {"from": "", "to": "promotion_driven"}
    assert changes["birthday"] == {"from": None, "to": "1990-04-13"}
    assert changes["tags"] == {"from": [], "to": ["VIP", "ชาไทย"]}


def test_update_without_a_change_writes_no_event(owner: Actor, customer: Customer) -> None:
    services.customer_update(
        actor=owner, customer_id=customer.pk, data={"first_name": customer.first_name}
    )
    assert _events(customer, "customer.updated") == []


@pytest.mark.parametrize(
    "data,field",
    [
        ({"gender": "robot"}, "gender"),
        ({"behaviour_type": "grumpy"}, "behaviour_type"),
        ({"lifecycle_stage": "vip"}, "lifecycle_stage"),
        ({"preferred_channel": "fax"}, "preferred_channel"),
        ({"preferred_language": "xx"}, "preferred_language"),
        ({"acquisition_source": "tv"}, "acquisition_source"),
        ({"birthday": "13/04/1990"}, "birthday"),
        ({"birthday": "2999-01-01"}, "birthday"),
        ({"favourite_colour": "green"}, "favourite_colour"),
    ],
)
def test_update_rejects_bad_values_naming_the_field(
    owner: Actor, customer: Customer, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.customer_update(actor=owner, customer_id=customer.pk, data=data)
    assert exc.value.status == 422
    assert exc.value.details["field"] == field


def test_referral_must_be_a_customer_of_the_same_shop(owner: Actor, customer: Customer) -> None:
    friend = CustomerFactory(workspace=owner.workspace)
    stranger = CustomerFactory()  # another workspace
    with pytest.raises(ApplicationError) as exc:
        services.customer_update(
            actor=owner, customer_id=customer.pk, data={"referred_by_id": stranger.pk}
        )
    assert exc.value.code == "referrer_not_found"
    with pytest.raises(ApplicationError) as exc:
        services.customer_update(
            actor=owner, customer_id=customer.pk, data={"referred_by_id": customer.pk}
        )
    assert exc.value.code == "referral_self"
    # A referrer without a source makes the source "friend referral".
    services.customer_update(
        actor=owner, customer_id=customer.pk, data={"referred_by_id": friend.pk}
    )
    customer.refresh_from_db()
    assert (customer.acquisition_source, customer.referred_by_id) == ("referral", friend.pk)
    # Another source and a referrer do not go together; changing the source drops the referrer.
    with pytest.raises(ApplicationError) as exc:
        services.customer_update(
            actor=owner,
            customer_id=customer.pk,
            data={"acquisition_source": "ad", "referred_by_id": friend.pk},
        )
    assert exc.value.code == "referral_needs_source"
    services.customer_update(
        actor=owner, customer_id=customer.pk, data={"acquisition_source": "walk_in"}
    )
    customer.refresh_from_db()
    assert customer.referred_by_id is None


def test_custom_fields_are_checked_against_the_definitions(
    owner: Actor, customer: Customer
) -> None:
    ws = owner.workspace
    CustomFieldDefinition.objects.create(
        workspace=ws, key="shoe_size", label="Shoe size", type="number"
    )
    CustomFieldDefinition.objects.create(
        workspace=ws, key="member_since", label="Member since", type="date"
    )
    CustomFieldDefinition.objects.create(
        workspace=ws, key="skin", label="Skin type", type="choice", choices=["dry", "oily"]
    )
    CustomFieldDefinition.objects.create(workspace=ws, key="company", label="Company")

    services.customer_update(
        actor=owner,
        customer_id=customer.pk,
        data={
            "custom_fields": {
                "shoe_size": "38.5",
                "member_since": "2024-02-29",
                "skin": "dry",
                "company": " บริษัท ก ",
            }
        },
    )
    customer.refresh_from_db()
    assert customer.custom_fields == {
        "shoe_size": 38.5,
        "member_since": "2024-02-29",
        "skin": "dry",
        "company": "บริษัท ก",
    }
    # Merged key by key; an empty value clears one.
    services.customer_update(
        actor=owner, customer_id=customer.pk, data={"custom_fields": {"skin": "", "shoe_size": 39}}
    )
    customer.refresh_from_db()
    assert customer.custom_fields == {
        "shoe_size": 39,
        "member_since": "2024-02-29",
        "company": "บริษัท ก",
    }
    for bad, code in (
        ({"unknown": "x"}, "unknown_custom_field"),
        ({"shoe_size": "big"}, "invalid_number"),
        ({"member_since": "yesterday"}, "invalid_date"),
        ({"skin": "normal"}, "invalid_choice"),
    ):
        with pytest.raises(ApplicationError) as exc:
            services.customer_update(
                actor=owner, customer_id=customer.pk, data={"custom_fields": bad}
            )
        assert exc.value.code == code
        assert exc.value.details["field"] == f"custom_fields.{next(iter(bad))}"


def test_tags_are_created_per_workspace_and_reused_regardless_of_case(
    owner: Actor, customer: Customer
) -> None:
    other_shop_tag = Tag.objects.create(workspace=CustomerFactory().workspace, name="VIP")
    services.tag_set(actor=owner, customer_id=customer.pk, names="VIP, ขายส่ง, vip, ,#ขายส่ง")
    mine = Tag.objects.filter(workspace=owner.workspace)
    assert sorted(mine.values_list("name", flat=True)) == ["VIP", "ขายส่ง"]
    assert other_shop_tag.pk not in customer.tags.values_list("pk", flat=True)
    other = CustomerFactory(workspace=owner.workspace)
    services.tag_set(actor=owner, customer_id=other.pk, names=["vip"])
    assert list(other.tags.values_list("name", flat=True)) == ["VIP"]
    assert mine.count() == 2
    [event] = _events(customer, "customer.updated")
    assert event.payload["section"] == "tags"


def test_only_roles_that_edit_customers_may_update(
    owner_membership: Membership, customer: Customer
) -> None:
    marketer = actor_for_membership(
        MembershipFactory(workspace=owner_membership.workspace, role=Role.MARKETER)
    )
    staff = actor_for_membership(
        MembershipFactory(workspace=owner_membership.workspace, role=Role.STAFF)
    )
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=marketer, customer_id=customer.pk, data={"nickname": "x"})
    services.customer_update(actor=staff, customer_id=customer.pk, data={"nickname": "x"})


def test_another_workspace_or_merged_customer_is_not_found(owner: Actor) -> None:
    stranger = CustomerFactory()
    survivor = CustomerFactory(workspace=owner.workspace)
    merged = CustomerFactory(workspace=owner.workspace, merged_into=survivor)
    for target in (stranger, merged):
        with pytest.raises(NotFound):
            services.customer_update(actor=owner, customer_id=target.pk, data={"nickname": "x"})


# --- contacts ---------------------------------------------------------------------------------


def test_contact_add_normalises_and_is_idempotent(owner: Actor, customer: Customer) -> None:
    first = contact_services.contact_add(
        actor=owner, customer_id=customer.pk, kind="phone", value="๐๘๙-๑๒๓-๔๕๖๗"
    )
    assert first.created and first.contact.value == "+66891234567"
    assert not first.contact.is_primary  # the customer already had a primary phone
    again = contact_services.contact_add(
        actor=owner, customer_id=customer.pk, kind="phone", value="+66 89 123 4567"
    )
    assert not again.created and again.contact.pk == first.contact.pk
    [event] = _events(customer, "contact.added")
    assert event.payload == {"kind": "phone", "value": "+66891234567"}


def test_contact_of_another_customer_is_a_clear_error_suggesting_a_merge(
    owner: Actor, customer: Customer
) -> None:
    other = CustomerFactory(workspace=owner.workspace, first_name="สมศรี")
    with pytest.raises(ApplicationError) as exc:
        contact_services.contact_add(
            actor=owner, customer_id=other.pk, kind="phone", value="0813596920"
        )
    assert exc.value.code == "contact_taken" and exc.value.status == 409
    assert exc.value.details["customer_id"] == customer.pk
    assert exc.value.details["merge_suggested"] is True
    assert customer.display_name in exc.value.message and "081-359-6920" in exc.value.message
    # The same phone in another shop is fine: uniqueness is per workspace.
    elsewhere = CustomerFactory()
    ContactPointFactory(customer=elsewhere, value="+66891110000")
    result = contact_services.contact_add(
        actor=owner, customer_id=customer.pk, kind="phone", value="0891110000"
    )
    assert result.created


def test_contact_remove_keeps_a_primary_and_records_it(owner: Actor, customer: Customer) -> None:
    primary = ContactPoint.objects.get(customer=customer)
    primary.is_primary = True
    primary.save()
    second = contact_services.contact_add(
        actor=owner, customer_id=customer.pk, kind="phone", value="0891234567"
    ).contact
    contact_services.contact_remove(actor=owner, customer_id=customer.pk, contact_id=primary.pk)
    second.refresh_from_db()
    assert second.is_primary
    [event] = _events(customer, "customer.updated")
    # The removal is recorded; the removed number no longer shows on the timeline (PDPA: the
    # privacy app's subscriber masks it, here and on the event that added it).
    assert event.payload["changes"] == {"contact.phone": {"from": "•••", "to": None}}
    assert "+66813596920" not in str(list(customer.timeline.values_list("payload", flat=True)))
    with pytest.raises(NotFound):
        contact_services.contact_remove(actor=owner, customer_id=customer.pk, contact_id=primary.pk)


def test_bad_contact_values_name_the_field(owner: Actor, customer: Customer) -> None:
    for kind, value, code in (
        ("phone", "12345", "invalid_phone"),
        ("email", "not-an-email", "invalid_email"),
        ("line", "somchai", "invalid_line_id"),
        ("fax", "1", "invalid_contact_kind"),
    ):
        with pytest.raises(ApplicationError) as exc:
            contact_services.contact_add(
                actor=owner, customer_id=customer.pk, kind=kind, value=value
            )
        assert exc.value.code == code and exc.value.details["field"] == "value"


# --- notes -------------------------------------------------------------------------------------


def test_note_goes_on_the_timeline_and_a_pinned_one_on_top(
    owner: Actor, customer: Customer
) -> None:
    interaction_services.note_add(actor=owner, customer_id=customer.pk, text="ชอบหวานน้อย")
    customer.refresh_from_db()
    assert customer.notes == ""
    interaction_services.note_add(actor=owner, customer_id=customer.pk, text="แพ้ถั่ว", pin=True)
    customer.refresh_from_db()
    assert customer.notes == "แพ้ถั่ว"
    texts = [e.payload["text"] for e in _events(customer, "note.added")]
    assert texts == ["ชอบหวานน้อย", "แพ้ถั่ว"]
    with pytest.raises(ApplicationError) as exc:
        interaction_services.note_add(actor=owner, customer_id=customer.pk, text="   ")
    assert exc.value.code == "note_empty"


# --- addresses ---------------------------------------------------------------------------------


def test_address_is_checked_against_geothai_and_stored_canonical(
    owner: Actor, customer: Customer
) -> None:
    address = address_services.address_add(
        actor=owner,
        customer_id=customer.pk,
        line="99/1",
        subdistrict="แขวงลาดยาว",
        district="เขตจตุจักร",
        province="กทม",
        postcode="๑๐๙๐๐",
    )
    assert (address.subdistrict, address.district, address.province, address.postcode) == (
        "ลาดยาว",
        "จตุจักร",
        "กรุงเทพมหานคร",
        "10900",
    )
    assert address.is_primary
    customer.refresh_from_db()
    assert customer.province == "กรุงเทพมหานคร"
    [event] = _events(customer, "customer.updated")
    assert event.payload["changes"]["address"]["to"] == (
        "99/1 แขวงลาดยาว เขตจตุจักร กรุงเทพมหานคร 10900"
    )


@pytest.mark.parametrize(
    "parts,code,field",
    [
        ({"subdistrict": "ลาดยาว", "postcode": "10110"}, "postcode_mismatch", "postcode"),
        ({"subdistrict": "ไม่มีจริง"}, "unknown_subdistrict", "subdistrict"),
        ({"subdistrict": "ตลาด"}, "address_ambiguous", "district"),
        ({"province": "แอตแลนติส"}, "unknown_province", "province"),
        ({"subdistrict": "ลาดยาว", "province": "เชียงใหม่"}, "address_mismatch", "province"),
        ({"postcode": "1011"}, "invalid_postcode", "postcode"),
        ({"line": ""}, "address_empty", "province"),
    ],
)
def test_address_errors_name_the_field(
    owner: Actor, customer: Customer, parts: dict[str, str], code: str, field: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        address_services.address_add(actor=owner, customer_id=customer.pk, **parts)
    assert (exc.value.code, exc.value.details["field"]) == (code, field)
    assert not Address.objects.exists()


def test_address_update_and_remove_move_the_primary(owner: Actor, customer: Customer) -> None:
    home = address_services.address_add(actor=owner, customer_id=customer.pk, province="เชียงใหม่")
    office = address_services.address_add(
        actor=owner, customer_id=customer.pk, subdistrict="สีลม", postcode="10500"
    )
    assert not office.is_primary
    office = address_services.address_update(
        actor=owner,
        customer_id=customer.pk,
        address_id=office.pk,
        label="ที่ทำงาน",
        subdistrict="สีลม",
        district="บางรัก",
        postcode="10500",
        is_primary=True,
    )
    home.refresh_from_db()
    customer.refresh_from_db()
    assert office.is_primary and not home.is_primary
    assert customer.province == "กรุงเทพมหานคร"
    address_services.address_remove(actor=owner, customer_id=customer.pk, address_id=office.pk)
    home.refresh_from_db()
    customer.refresh_from_db()
    assert home.is_primary and customer.province == "เชียงใหม่"


# --- pages ---------------------------------------------------------------------------------------


def test_customer_page_renders_in_thai_with_the_360_header(
    owner: Actor, owner_client: Client, customer: Customer
) -> None:
    services.customer_update(
        actor=owner,
        customer_id=customer.pk,
        data={"behaviour_type": "impatient", "lifecycle_stage": "loyal", "tags": ["VIP"]},
    )
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="marketing_sms", granted=False
    )
    response = owner_client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th"' in html
    assert "ตอบให้ตรงประเด็นและรวดเร็ว" in html  # the Thai service tip
    assert "#VIP" in html
    assert "081-359-6920" in html
    assert 'class="badge loyalty"' in html
    assert 'data-type="consent.changed"' in html
    assert reverse("customers:edit", args=[customer.pk]) in html


def test_customer_page_in_english_after_switching(
    owner: Actor, owner_membership: Membership, customer: Customer
) -> None:
    services.customer_update(
        actor=owner, customer_id=customer.pk, data={"behaviour_type": "impatient"}
    )
    client = Client()
    client.force_login(owner_membership.user)
    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Be quick and to the point" in html
    assert "Loyalty: coming" in html
    assert "ตอบให้ตรงประเด็น" not in html


def test_marketer_sees_the_page_but_cannot_edit(
    owner_membership: Membership, customer: Customer
) -> None:
    client = _member_client(owner_membership, Role.MARKETER)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    assert reverse("customers:edit", args=[customer.pk]) not in response.content.decode()
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    response = client.post(reverse("customers:note_add", args=[customer.pk]), {"text": "x"})
    assert response.status_code == 403
    assert not TimelineEvent.objects.filter(type="note.added").exists()


def test_edit_form_saves_the_profile(
    owner: Actor, owner_membership: Membership, customer: Customer
) -> None:
    friend = ContactPointFactory(customer__workspace=owner.workspace, value="+66891112222").customer
    branch = BranchFactory(workspace=owner.workspace)
    CustomFieldDefinition.objects.create(
        workspace=owner.workspace, key="shoe_size", label="เบอร์รองเท้า", type="number"
    )
    client = _member_client(owner_membership, Role.STAFF)
    url = reverse("customers:edit", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "เบอร์รองเท้า" in page.content.decode()
    response = client.post(
        url,
        {
            "title": "",
            "first_name": "คุณมาลี",
            "last_name": "ศรีสุข",
            "nickname": "มะลิ",
            "gender": "female",
            "birthday": "1992-12-05",
            "preferred_language": "th",
            "preferred_channel": "line",
            "acquisition_source": "referral",
            "referred_by": "089-111-2222",
            "behaviour_type": "regular",
            "lifecycle_stage": "repeat",
            "home_branch": str(branch.pk),
            "tags": "VIP, ขายส่ง",
            "notes": "ชอบนมโอ๊ต",
            "cf_shoe_size": "38",
        },
    )
    assert response.status_code == 302, response.content.decode()
    customer.refresh_from_db()
    assert (customer.title, customer.first_name) == ("คุณ", "มาลี")
    assert customer.referred_by_id == friend.pk
    assert customer.home_branch_id == branch.pk
    assert customer.custom_fields == {"shoe_size": 38}
    assert customer.notes == "ชอบนมโอ๊ต"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "ขายส่ง"]


def test_edit_form_shows_service_errors_on_the_field(
    owner_client: Client, customer: Customer
) -> None:
    response = owner_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"first_name": "มาลี", "acquisition_source": "referral", "referred_by": "0899999999"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["referred_by"]


def test_contact_page_shows_the_other_customer_when_taken(
    owner: Actor, owner_client: Client, customer: Customer
) -> None:
    other = CustomerFactory(workspace=owner.workspace)
    url = reverse("customers:contact_add", args=[other.pk])
    response = owner_client.post(url, {"kind": "phone", "value": "081 359 6920"})
    assert response.status_code == 200
    assert reverse("customers:detail", args=[customer.pk]) in response.content.decode()
    ok = owner_client.post(url, {"kind": "email", "value": "Malee@Example.com"})
    assert ok.status_code == 302
    assert ContactPoint.objects.filter(customer=other, value="malee@example.com").exists()


def test_contact_remove_asks_first(owner_client: Client, customer: Customer) -> None:
    contact = ContactPoint.objects.get(customer=customer)
    url = reverse("customers:contact_remove", args=[customer.pk, contact.pk])
    assert owner_client.get(url).status_code == 200
    assert ContactPoint.objects.filter(pk=contact.pk).exists()
    assert owner_client.post(url).status_code == 302
    assert not ContactPoint.objects.filter(pk=contact.pk).exists()


def test_note_page_saves(owner_client: Client, customer: Customer) -> None:
    url = reverse("customers:note_add", args=[customer.pk])
    response = owner_client.post(url, {"text": "ลูกค้าขอใบกำกับภาษี", "pin": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.notes == "ลูกค้าขอใบกำกับภาษี"


def test_address_pages_save_and_show_errors(owner_client: Client, customer: Customer) -> None:
    url = reverse("customers:address_new", args=[customer.pk])
    assert owner_client.get(url).status_code == 200
    bad = owner_client.post(url, {"subdistrict": "ลาดยาว", "postcode": "10110"})
    assert bad.status_code == 200 and bad.context["form"].errors["postcode"]
    ok = owner_client.post(url, {"line": "1", "subdistrict": "ลาดยาว", "province": "กทม"})
    assert ok.status_code == 302
    address = Address.objects.get(customer=customer)
    edit = reverse("customers:address_edit", args=[customer.pk, address.pk])
    assert owner_client.get(edit).status_code == 200
    owner_client.post(edit, {"line": "2", "subdistrict": "ลาดยาว", "district": "จตุจักร"})
    address.refresh_from_db()
    assert address.line == "2"
    remove = reverse("customers:address_remove", args=[customer.pk, address.pk])
    assert owner_client.get(remove).status_code == 200
    owner_client.post(remove)
    assert not Address.objects.filter(pk=address.pk).exists()


def test_address_lookup_answers_candidates_and_fills_the_fields(owner_client: Client) -> None:
    url = reverse("customers:address_lookup")
    by_postcode = owner_client.get(url, {"q": "50200"}).content.decode()
    assert "pick=500101" in by_postcode  # ศรีภูมิ, เมืองเชียงใหม่
    by_name = owner_client.get(url, {"q": "ลาดยาว"}).content.decode()
    assert "pick=103001" in by_name
    filled = owner_client.get(url, {"pick": "103001", "line": "99/1"}).content.decode()
    assert 'value="ลาดยาว"' in filled and 'value="จตุจักร"' in filled
    assert 'value="กรุงเทพมหานคร"' in filled and 'value="10900"' in filled
    assert 'value="99/1"' in filled
