"""Quick sale at the counter: find the customer by phone, add items, save.

Works with htmx (live customer lookup, product search, item rows, running total) and without
it: every htmx action has a plain form button that posts the whole form and re-renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.commerce import selectors as commerce_selectors
from samphan.commerce.models import ChannelKind, Product
from samphan.commerce.services import LineInput, order_create
from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.money import baht_to_satang, format_baht, satang_to_baht
from samphan.core.roles import Perm
from samphan.core.selectors import branch_list
from samphan.core.thai.names import split_full_name
from samphan.core.thai.phone import InvalidPhone, normalize_phone, thai_digits_to_arabic
from samphan.core.web import current_actor, member_required
from samphan.customers import selectors as customer_selectors
from samphan.customers.models import AcquisitionSource, ContactKind, Customer
from samphan.customers.services import customer_create

PAYMENT_METHODS = [
    ("cash", gettext_lazy("Cash")),
    ("promptpay", gettext_lazy("PromptPay / transfer")),
    ("card", gettext_lazy("Card")),
    ("ewallet", gettext_lazy("E-wallet")),
    ("other", gettext_lazy("Other")),
]
# What imports and the API record besides the sale's own choices, in plain words too.
PAYMENT_LABELS = {
    **dict(PAYMENT_METHODS),
    "transfer": gettext_lazy("PromptPay / transfer"),
    "credit_card": gettext_lazy("Card"),
    "truemoney": gettext_lazy("TrueMoney Wallet"),
    "cod": gettext_lazy("Cash on delivery"),
}


@dataclass
class Row:
    """One item row as typed (strings, so a wrong entry is shown back as it was)."""

    name: str = ""
    quantity: str = "1"
    price: str = ""
    product_id: str = ""
    sku: str = ""
    error: str = ""  # the item's name
    quantity_error: str = ""
    price_error: str = ""

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.price.strip() or self.product_id)

    @property
    def invalid(self) -> bool:
        return bool(self.error or self.quantity_error or self.price_error)

    def check(self) -> tuple[int, int] | None:
        """(quantity, unit price in satang) when both are valid, else None with the reason
        put on the field that is wrong (all of them at once)."""
        quantity: int | None = None
        price: int | None = None
        try:
            quantity = int(thai_digits_to_arabic(self.quantity or "1").strip())
        except ValueError:
            self.quantity_error = _("Quantity must be a whole number.")
        else:
            if quantity < 1:
                self.quantity_error = _("Quantity must be 1 or more.")
                quantity = None
        try:
            price = _money(self.price)
        except ValueError:
            self.price_error = _("Enter the price in baht, e.g. 65 or 65.50.")
        else:
            if price < 0:
                self.price_error = _("A price cannot be negative. Record a discount instead.")
                price = None
        if quantity is None or price is None:
            return None
        return quantity, price


def _product_search(actor: Actor, q: str, limit: int = 8) -> QuerySet[Product]:
    q = q.strip()
    qs = Product.objects.filter(workspace=actor.workspace, is_active=True)
    if not q:
        return qs.none()
    return qs.filter(
        Q(sku__icontains=q) | Q(name_th__icontains=q) | Q(name_en__icontains=q)
    ).order_by("name_th", "id")[:limit]


def _product_row(actor: Actor, product_id: str) -> Row:
    product = (
        Product.objects.filter(workspace=actor.workspace, pk=product_id).first()
        if product_id.isdigit()
        else None
    )
    if product is None:
        return Row()
    return Row(
        name=product.name_th,
        quantity="1",
        price=f"{satang_to_baht(product.price_satang)}",
        product_id=str(product.pk),
        sku=product.sku,
    )


def _rows(data: QueryDict) -> list[Row]:
    names = data.getlist("item_name")
    quantities = data.getlist("item_qty")
    prices = data.getlist("item_price")
    products = data.getlist("item_product")
    skus = data.getlist("item_sku")

    def at(values: list[str], i: int, default: str = "") -> str:
        return values[i] if i < len(values) else default

    return [
        Row(
            name=at(names, i),
            quantity=at(quantities, i, "1"),
            price=at(prices, i),
            product_id=at(products, i),
            sku=at(skus, i),
        )
        for i in range(len(names))
    ]


def _money(text: str) -> int:
    """Baht as typed (``65``, ``1,250.50``, Thai digits) → satang; ValueError if not money."""
    cleaned = thai_digits_to_arabic(text).replace(",", "").replace("฿", "").strip()
    try:
        amount = Decimal(cleaned or "0")
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not amount.is_finite():
        raise ValueError(text)
    return baht_to_satang(amount)


def _lines(rows: list[Row]) -> list[LineInput]:
    """The rows as order lines; marks each bad row with its error (rows left blank are
    skipped)."""
    lines = []
    for row in rows:
        if row.blank:
            continue
        checked = row.check()
        if not row.name.strip():
            row.error = _("Each item needs a name.")
        if checked is None or row.error:
            continue
        quantity, price = checked
        lines.append(
            LineInput(
                name=row.name.strip(),
                quantity=quantity,
                unit_price_satang=price,
                sku=row.sku.strip(),
                product_id=int(row.product_id) if row.product_id.isdigit() else None,
            )
        )
    return lines


@dataclass
class Totals:
    items: int
    subtotal_satang: int
    discount_satang: int
    total_satang: int
    skipped: int = 0  # rows not counted: a negative price, no quantity, not a number


def _totals(rows: list[Row], discount: str) -> Totals:
    subtotal, items, skipped = 0, 0, 0
    for row in rows:
        if row.blank:
            continue
        # A row that would be refused (negative price, no quantity) counts for nothing.
        checked = Row(quantity=row.quantity, price=row.price).check()
        if checked is None:
            skipped += 1
            continue
        quantity, price = checked
        subtotal += quantity * price
        items += quantity
    try:
        off = max(0, _money(discount))
    except ValueError:
        off = 0
    return Totals(items, subtotal, off, subtotal - off, skipped)


@dataclass
class CustomerState:
    """Who the sale is for: a chosen customer, matches to pick from, or a new one to create."""

    customer: Customer | None = None
    query: str = ""
    matches: list[Customer] | None = None
    new_phone: str = ""  # E.164 of a phone no customer has yet
    new_name: str = ""
    message: str = ""


def _lookup(actor: Actor, query: str) -> CustomerState:
    state = CustomerState(query=query.strip())
    if not state.query:
        return state
    hits = customer_selectors.customer_search(actor=actor, q=state.query, limit=8)
    state.matches = [_with_phone(h.customer) for h in hits]
    try:
        e164 = normalize_phone(state.query)
    except InvalidPhone:
        e164 = ""
    exact = [h.customer for h in hits if h.matched_field == "phone"]
    if len(exact) == 1:
        return CustomerState(customer=_with_phone(exact[0]), query=state.query)
    if e164 and not exact:
        state.new_phone = e164
    if not state.matches and not e164:
        state.message = _(
            "No customer found. Type the whole phone number to add a new customer, "
            "or sell without one."
        )
    return state


def _with_phone(customer: Customer) -> Customer:
    phones = [c.value for c in customer.contacts.all() if c.kind == ContactKind.PHONE]
    customer.sale_phone = phones[0] if phones else ""  # type: ignore[attr-defined]
    return customer


def _chosen(actor: Actor, customer_id: str) -> Customer | None:
    if not customer_id.isdigit():
        return None
    customer = customer_selectors.customer_get(actor=actor, customer_id=int(customer_id))
    return _with_phone(customer)


def _channels(actor: Actor) -> list[Any]:
    return list(commerce_selectors.channel_list(actor=actor).filter(is_active=True))


def _default_channel(channels: list[Any]) -> int | None:
    store = [c for c in channels if c.kind == ChannelKind.STORE]
    chosen = store[0] if store else (channels[0] if channels else None)
    return chosen.pk if chosen is not None else None


def _render(
    request: HttpRequest,
    *,
    state: CustomerState,
    rows: list[Row],
    form: dict[str, str],
    products: list[Product] | None = None,
    error: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = current_actor(request)
    channels = _channels(actor)
    branches = list(branch_list(actor=actor, active_only=True))
    if not form.get("channel_id"):
        form["channel_id"] = str(_default_channel(channels) or "")
    if not form.get("branch_id") and len(branches) == 1:
        form["branch_id"] = str(branches[0].pk)
    return render(
        request,
        "commerce/sale/new.html",
        {
            "state": state,
            "rows": rows or [Row()],
            "form": form,
            "products": products,
            "channels": channels,
            "branches": branches,
            "payment_methods": PAYMENT_METHODS,
            "totals": _totals(rows, form.get("discount", "")),
            "error": error,
            "errors": errors or {},
            "can_manage_channels": actor.can(Perm.CHANNEL_MANAGE),
            "can_add_customer": actor.can(Perm.CUSTOMER_EDIT),
        },
        status=status,
    )


def _form_values(data: QueryDict) -> dict[str, str]:
    return {
        key: data.get(key, "")
        for key in ("channel_id", "branch_id", "payment_method", "discount", "product_q")
    }


@member_required(Perm.ORDER_CREATE)
def sale_new(request: HttpRequest, customer_id: int | None = None) -> HttpResponse:
    actor = current_actor(request)
    preset = (
        customer_selectors.customer_get(actor=actor, customer_id=customer_id)
        if customer_id is not None
        else None
    )
    if request.method != "POST":
        state = CustomerState(customer=_with_phone(preset)) if preset else CustomerState()
        return _render(request, state=state, rows=[Row()], form={"payment_method": "cash"})

    data = request.POST
    rows = _rows(data)
    form = _form_values(data)
    action = data.get("action", "save")
    chosen = _chosen(actor, data.get("customer_id", ""))
    state = CustomerState(
        customer=chosen,
        new_phone=data.get("new_phone", ""),
        new_name=data.get("new_name", ""),
    )
    # The plain-form fallbacks for what htmx does in place.
    if action == "find_customer":
        return _render(request, state=_lookup(actor, data.get("phone", "")), rows=rows, form=form)
    if action.startswith("pick_customer:"):
        picked = _chosen(actor, action.split(":", 1)[1])
        return _render(request, state=CustomerState(customer=picked), rows=rows, form=form)
    if action == "clear_customer":
        return _render(request, state=CustomerState(), rows=rows, form=form)
    if action == "find_product":
        products = list(_product_search(actor, form.get("product_q", "")))
        return _render(request, state=state, rows=rows, form=form, products=products)
    if action.startswith("add_product:"):
        rows = [r for r in rows if not r.blank] + [_product_row(actor, action.split(":", 1)[1])]
        return _render(request, state=state, rows=rows, form=form)
    if action == "add_row":
        return _render(request, state=state, rows=[*rows, Row()], form=form)

    lines = _lines(rows)
    discount_error = ""
    try:
        discount = _money(form.get("discount", ""))
    except ValueError:
        discount, discount_error = 0, _("Enter the discount in baht, e.g. 20.")
    if discount < 0:
        discount_error = _("A discount cannot be negative.")
    if any(r.invalid for r in rows) or discount_error:
        # Every problem at once, each beside its field; what was typed stays.
        return _render(
            request,
            state=state,
            rows=rows,
            form=form,
            error=_("Check the fields marked below."),
            errors={"discount": discount_error} if discount_error else {},
            status=422,
        )
    try:
        with transaction.atomic():
            customer = state.customer
            if customer is None and state.new_phone:
                title, first, last = split_full_name(state.new_name)
                customer = customer_create(
                    actor=actor,
                    title=title,
                    first_name=first,
                    last_name=last,
                    contacts=[(ContactKind.PHONE, state.new_phone)],
                    acquisition_source=AcquisitionSource.WALK_IN,
                ).customer
            result = order_create(
                actor=actor,
                channel_id=int(form["channel_id"]) if form.get("channel_id", "").isdigit() else 0,
                branch_id=int(form["branch_id"]) if form.get("branch_id", "").isdigit() else None,
                customer_id=customer.pk if customer else None,
                lines=lines,
                discount_satang=discount,
                payment_method=form.get("payment_method", ""),
            )
    except ApplicationError as exc:
        return _render(request, state=state, rows=rows, form=form, error=exc.message, status=422)
    order = result.order
    messages.success(
        request,
        _("Sale %(number)s saved: %(total)s.")
        % {"number": order.number, "total": format_baht(order.total_satang)},
    )
    if customer is not None:
        return redirect("customers:detail", customer_id=customer.pk)
    return redirect("commerce:sale_new")


@member_required(Perm.ORDER_CREATE)
def sale_customer_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: ``phone`` → matches to pick (or a new-customer form); ``customer_id`` → that
    customer chosen; neither → the empty lookup box again."""
    actor = current_actor(request)
    customer_id = request.GET.get("customer_id", "")
    if customer_id:
        state = CustomerState(customer=_chosen(actor, customer_id))
        return render(request, "commerce/sale/_customer.html", {"state": state})
    if "phone" in request.GET:
        state = _lookup(actor, request.GET.get("phone", ""))
        if state.customer is not None:
            # One customer has exactly this phone: choose them (replace the whole lookup box).
            response = render(request, "commerce/sale/_customer.html", {"state": state})
            response["HX-Retarget"] = "#sale-customer"
            response["HX-Reswap"] = "outerHTML"
            return response
        return render(
            request,
            "commerce/sale/_customer_results.html",
            {"state": state, "can_add_customer": actor.can(Perm.CUSTOMER_EDIT)},
        )
    return render(request, "commerce/sale/_customer.html", {"state": CustomerState()})


@member_required(Perm.ORDER_CREATE)
def sale_products(request: HttpRequest) -> HttpResponse:
    products = list(_product_search(current_actor(request), request.GET.get("product_q", "")))
    return render(
        request,
        "commerce/sale/_products.html",
        {"products": products, "q": request.GET.get("product_q", "")},
    )


@member_required(Perm.ORDER_CREATE)
def sale_row(request: HttpRequest) -> HttpResponse:
    row = _product_row(current_actor(request), request.GET.get("product_id", ""))
    return render(request, "commerce/sale/_row.html", {"row": row})


@member_required(Perm.ORDER_CREATE)
def sale_total(request: HttpRequest) -> HttpResponse:
    totals = _totals(_rows(request.POST), request.POST.get("discount", ""))
    return render(request, "commerce/sale/_total.html", {"totals": totals})


urlpatterns: list[URLPattern] = [
    path("sale/new/", sale_new, name="sale_new"),
    path("customers/<int:customer_id>/sale/", sale_new, name="sale_customer"),
    path("sale/customer/", sale_customer_lookup, name="sale_customer_lookup"),
    path("sale/products/", sale_products, name="sale_products"),
    path("sale/row/", sale_row, name="sale_row"),
    path("sale/total/", sale_total, name="sale_total"),
]
