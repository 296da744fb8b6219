"""Quick sale at the counter, products, and orders through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from samphan.commerce.models import ChannelKind, Order, Product, SalesChannel
from samphan.commerce.services import product_create
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, PermissionDenied
from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.customers.models import ContactPoint, Customer
from samphan.timeline.models import TimelineEvent
from tests.factories import (
    ContactPointFactory,
    MembershipFactory,
    ProductFactory,
    SalesChannelFactory,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def store(owner: Actor) -> SalesChannel:
    SalesChannelFactory(workspace=owner.workspace, kind=ChannelKind.LINE, name="LINE")
    return SalesChannelFactory(workspace=owner.workspace, kind=ChannelKind.STORE, name="หน้าร้าน")


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return ContactPointFactory(
        customer__workspace=owner.workspace, customer__first_name="มาลี", value="+66813596920"
    ).customer


def _staff_client(owner_membership: Membership, role: str = Role.STAFF) -> Client:
    membership = MembershipFactory(workspace=owner_membership.workspace, role=role)
    client = Client()
    client.force_login(membership.user)
    return client


def test_sale_page_renders_with_the_store_channel_chosen(
    owner_client: Client, store: SalesChannel
) -> None:
    response = owner_client.get(reverse("commerce:sale_new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th"' in html
    assert f'<option value="{store.pk}" selected>' in html


def test_sale_page_for_a_customer_is_prefilled(
    owner_client: Client, store: SalesChannel, customer: Customer
) -> None:
    response = owner_client.get(reverse("commerce:sale_customer", args=[customer.pk]))
    assert f'name="customer_id" value="{customer.pk}"' in response.content.decode()


def test_phone_lookup_chooses_an_exact_match(
    owner_client: Client, store: SalesChannel, customer: Customer
) -> None:
    url = reverse("commerce:sale_customer_lookup")
    exact = owner_client.get(url, {"phone": "081 359 6920"}, headers=HTMX)
    assert exact["HX-Retarget"] == "#sale-customer"
    assert f'name="customer_id" value="{customer.pk}"' in exact.content.decode()
    suffix = owner_client.get(url, {"phone": "6920"}, headers=HTMX).content.decode()
    assert f"customer_id={customer.pk}" in suffix  # a match to choose
    new = owner_client.get(url, {"phone": "0891234567"}, headers=HTMX).content.decode()
    assert 'name="new_phone" value="+66891234567"' in new


def test_product_search_and_rows(owner: Actor, owner_client: Client, store: SalesChannel) -> None:
    tea = ProductFactory(
        workspace=owner.workspace, sku="TEA-1", name_th="ชาไทยเย็น", price_satang=6500
    )
    ProductFactory(name_th="ชาไทยเย็น")  # another shop's product
    found = owner_client.get(
        reverse("commerce:sale_products"), {"product_q": "ชาไทย"}, headers=HTMX
    )
    assert found.content.decode().count("product_id=") == 1
    row = owner_client.get(reverse("commerce:sale_row"), {"product_id": tea.pk}, headers=HTMX)
    html = row.content.decode()
    assert 'value="ชาไทยเย็น"' in html and 'value="65.00"' in html
    total = owner_client.post(
        reverse("commerce:sale_total"),
        {
            "item_name": ["ชา", "ขนม"],
            "item_qty": ["2", "1"],
            "item_price": ["65", "40.50"],
            "discount": "10",
        },
    )
    assert "฿160.50" in total.content.decode()


def test_save_a_sale_for_a_known_customer(
    owner: Actor, store: SalesChannel, customer: Customer, owner_membership: Membership
) -> None:
    tea = ProductFactory(workspace=owner.workspace, sku="TEA-1", price_satang=6500)
    client = _staff_client(owner_membership)
    response = client.post(
        reverse("commerce:sale_new"),
        {
            "customer_id": str(customer.pk),
            "item_product": [str(tea.pk), ""],
            "item_sku": ["TEA-1", ""],
            "item_name": ["ชาไทยเย็น", "ขนมปังสังขยา"],
            "item_qty": ["2", "1"],
            "item_price": ["65", "45"],
            "discount": "5",
            "payment_method": "promptpay",
            "channel_id": str(store.pk),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    order = Order.objects.get(customer=customer)
    assert (order.subtotal_satang, order.discount_satang, order.total_satang) == (17500, 500, 17000)
    assert order.payment_method == "promptpay" and order.channel == store
    assert sorted(order.lines.values_list("product_id", flat=True), key=str) == sorted(
        [tea.pk, None], key=str
    )
    customer.refresh_from_db()
    assert customer.orders_count == 1 and customer.total_spent_satang == 17000
    assert TimelineEvent.objects.filter(customer=customer, type="order.placed").exists()


def test_save_a_sale_for_a_new_customer_by_phone(
    owner_client: Client, owner: Actor, store: SalesChannel
) -> None:
    response = owner_client.post(
        reverse("commerce:sale_new"),
        {
            "new_phone": "+66891234567",
            "new_name": "นายต้น กล้าหาญ",
            "item_name": ["กาแฟ"],
            "item_qty": ["1"],
            "item_price": ["55"],
            "channel_id": str(store.pk),
        },
    )
    assert response.status_code == 302
    contact = ContactPoint.objects.get(value="+66891234567")
    customer = contact.customer
    assert (customer.title, customer.first_name, customer.last_name) == ("นาย", "ต้น", "กล้าหาญ")
    assert customer.acquisition_source == "walk_in"
    assert Order.objects.get(customer=customer).total_satang == 5500


def test_sale_without_a_customer_returns_to_the_sale_page(
    owner_client: Client, store: SalesChannel
) -> None:
    response = owner_client.post(
        reverse("commerce:sale_new"),
        {"item_name": ["น้ำเปล่า", ""], "item_qty": ["3", "1"], "item_price": ["10", ""],
         "channel_id": str(store.pk)},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("commerce:sale_new")
    assert Order.objects.get().total_satang == 3000


def test_bad_rows_are_shown_and_nothing_is_saved(
    owner_client: Client, store: SalesChannel, customer: Customer
) -> None:
    response = owner_client.post(
        reverse("commerce:sale_new"),
        {"customer_id": str(customer.pk), "item_name": ["ชา"], "item_qty": ["1"],
         "item_price": ["หกสิบ"], "channel_id": str(store.pk)},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.context["rows"][0].price_error
    empty = owner_client.post(reverse("commerce:sale_new"), {"channel_id": str(store.pk)})
    assert empty.status_code == 422
    assert not Order.objects.exists()


def test_without_javascript_the_buttons_post_the_whole_form(
    owner: Actor, owner_client: Client, store: SalesChannel, customer: Customer
) -> None:
    tea = ProductFactory(workspace=owner.workspace, name_th="ชาเขียว", price_satang=5000)
    url = reverse("commerce:sale_new")
    found = owner_client.post(url, {"action": "find_customer", "phone": "6920"})
    assert found.context["state"].matches == [customer]
    picked = owner_client.post(url, {"action": f"pick_customer:{customer.pk}"})
    assert picked.context["state"].customer == customer
    products = owner_client.post(url, {"action": "find_product", "product_q": "เขียว"})
    assert list(products.context["products"]) == [tea]
    added = owner_client.post(
        url,
        {
            "action": f"add_product:{tea.pk}",
            "item_name": ["ขนม"],
            "item_qty": ["1"],
            "item_price": ["20"],
        },
    )
    assert [r.name for r in added.context["rows"]] == ["ขนม", "ชาเขียว"]


def test_roles_without_order_create_cannot_sell(
    owner_membership: Membership, store: SalesChannel
) -> None:
    marketer = _staff_client(owner_membership, Role.MARKETER)
    assert marketer.get(reverse("commerce:sale_new")).status_code == 403
    support = _staff_client(owner_membership, Role.SUPPORT)
    assert support.post(reverse("commerce:sale_new"), {"item_name": ["x"]}).status_code == 403


# --- products and orders through the API --------------------------------------------------------


def test_product_create_checks_sku_and_role(owner: Actor, owner_membership: Membership) -> None:
    product = product_create(actor=owner, sku=" TEA-1 ", name_th="ชาไทย", price_satang=6500)
    assert product.sku == "TEA-1"
    with pytest.raises(ApplicationError) as exc:
        product_create(actor=owner, sku="TEA-1", name_th="ซ้ำ")
    assert exc.value.code == "sku_exists" and exc.value.status == 409
    with pytest.raises(ApplicationError) as exc:
        product_create(actor=owner, sku="X", name_th="x", price_satang=-1)
    assert exc.value.details["field"] == "price_satang"
    staff = actor_for_membership(
        MembershipFactory(workspace=owner_membership.workspace, role=Role.STAFF)
    )
    with pytest.raises(PermissionDenied):
        product_create(actor=staff, sku="Y", name_th="y")


def test_products_api(api_rw: Any, owner: Actor) -> None:
    created = api_rw.post(
        "/api/v1/products", {"sku": "TEA-001", "name_th": "ชาไทยเย็น", "price_satang": 6500}
    )
    assert created.status_code == 201
    assert api_rw.post("/api/v1/products", {"sku": "TEA-001", "name_th": "x"}).status_code == 409
    ProductFactory(name_th="ชาไทยร้านอื่น")
    listed = api_rw.get("/api/v1/products", data={"q": "ชาไทย"}).json()
    assert [p["sku"] for p in listed["items"]] == ["TEA-001"]
    assert Product.objects.filter(workspace=owner.workspace).count() == 1


def test_orders_api_is_idempotent_on_external_id(
    api_rw: Any, store: SalesChannel, customer: Customer
) -> None:
    body = {
        "channel_id": store.pk,
        "customer_id": customer.pk,
        "external_id": "POS-0001",
        "payment_method": "cash",
        "lines": [
            {"name": "ชาไทยเย็น", "quantity": 2, "unit_price_satang": 6500},
            {"name": "ขนม", "quantity": 1, "unit_price_satang": 4500},
        ],
    }
    first = api_rw.post("/api/v1/orders", body)
    assert first.status_code == 201, first.content
    assert first.json()["total_satang"] == 17500 and len(first.json()["lines"]) == 2
    again = api_rw.post("/api/v1/orders", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    bad = api_rw.post("/api/v1/orders", {**body, "external_id": "POS-2", "lines": []})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "order_empty"
    other_shop = SalesChannelFactory()
    foreign = api_rw.post("/api/v1/orders", {**body, "channel_id": other_shop.pk})
    assert foreign.status_code == 422 and foreign.json()["error"]["code"] == "channel_not_found"


def test_read_only_key_cannot_post_orders(api_ro: Any, store: SalesChannel) -> None:
    response = api_ro.post(
        "/api/v1/orders",
        {"channel_id": store.pk, "lines": [{"name": "x", "quantity": 1, "unit_price_satang": 1}]},
    )
    assert response.status_code == 403


def test_negative_price_or_quantity_is_refused_at_the_field(
    owner_client: Client, store: SalesChannel, customer: Customer
) -> None:
    response = owner_client.post(
        reverse("commerce:sale_new"),
        {
            "customer_id": str(customer.pk),
            "item_name": ["ชา", "กาแฟ", ""],
            "item_qty": ["-2", "1", "1"],
            "item_price": ["65", "-40", ""],
            "discount": "-5",
            "channel_id": str(store.pk),
        },
    )
    assert response.status_code == 422
    tea, coffee = response.context["rows"][:2]
    # Every problem at once, each on its own field, with what was typed kept.
    assert tea.quantity_error and not tea.price_error
    assert coffee.price_error and not coffee.quantity_error
    assert response.context["errors"]["discount"]
    html = response.content.decode()
    assert html.count('aria-invalid="true"') == 3
    assert 'value="-40"' in html and 'value="-2"' in html and 'value="-5"' in html
    assert "ติดลบ" in html or "negative" in html
    assert not Order.objects.exists()


def test_running_total_leaves_out_a_negative_row(owner_client: Client) -> None:
    total = owner_client.post(
        reverse("commerce:sale_total"),
        {"item_name": ["ชา", "คืนเงิน"], "item_qty": ["2", "1"], "item_price": ["65", "-500"]},
    )
    body = total.content.decode()
    assert "฿130.00" in body and "฿-" not in body and "−฿" not in body
    assert 'class="field-error"' in body  # one item not counted, and why


def test_lines_stay_in_entry_order(
    owner_client: Client, store: SalesChannel, customer: Customer
) -> None:
    names = ["ข้าวเหนียว", "กาแฟ", "ชาไทย", "ขนมครก", "น้ำส้ม"]
    owner_client.post(
        reverse("commerce:sale_new"),
        {
            "customer_id": str(customer.pk),
            "item_name": names,
            "item_qty": ["1"] * 5,
            "item_price": ["10", "20", "30", "40", "50"],
            "channel_id": str(store.pk),
        },
    )
    order = Order.objects.get(customer=customer)
    html = owner_client.get(reverse("commerce:order_detail", args=[order.pk])).content.decode()
    positions = [html.index(name) for name in names]
    assert positions == sorted(positions)
