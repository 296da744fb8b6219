"""A customer's addresses: add, edit, remove, and the Thai address lookup."""

from __future__ import annotations

import geothai
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.thai.address import (
    GEOTHAI_CREDIT,
    GEOTHAI_URL,
    AddressParts,
    area_search,
    format_address,
    postcode_lookup,
    subdistrict_parts,
)
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers import address_services, selectors
from samphan.customers.models import Address, Customer
from samphan.customers.views.merged import follow_merges


class AddressForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Label"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Home, office, …")}),
    )
    line = forms.CharField(
        label=gettext_lazy("House no., building, street"), max_length=255, required=False
    )
    subdistrict = forms.CharField(
        label=gettext_lazy("Subdistrict (tambon / khwaeng)"), max_length=100, required=False
    )
    district = forms.CharField(
        label=gettext_lazy("District (amphoe / khet)"), max_length=100, required=False
    )
    province = forms.CharField(label=gettext_lazy("Province"), max_length=100, required=False)
    postcode = forms.CharField(
        label=gettext_lazy("Postcode"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    is_primary = forms.BooleanField(label=gettext_lazy("Main address"), required=False)


def _address_parts(a: Address) -> dict[str, str]:
    return {
        "line": a.line,
        "subdistrict": a.subdistrict,
        "district": a.district,
        "province": a.province,
        "postcode": a.postcode,
    }


# --- addresses ---------------------------------------------------------------------------------


def _address_save(
    request: HttpRequest, customer: Customer, address: Address | None
) -> HttpResponse:
    actor = current_actor(request)
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            try:
                if address is None:
                    address_services.address_add(
                        actor=actor, customer_id=customer.pk, **form.cleaned_data
                    )
                else:
                    address_services.address_update(
                        actor=actor,
                        customer_id=customer.pk,
                        address_id=address.pk,
                        **form.cleaned_data,
                    )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, _("Address saved."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#addresses")
    elif address is not None:
        form = AddressForm(
            initial={
                "label": address.label,
                "is_primary": address.is_primary,
                **_address_parts(address),
            }
        )
    else:
        form = AddressForm()
    return render(
        request,
        "customers/address_form.html",
        {
            "customer": customer,
            "address": address,
            "form": form,
            "geothai_credit": GEOTHAI_CREDIT,
            "geothai_url": GEOTHAI_URL,
        },
    )


@member_required(Perm.CUSTOMER_EDIT)
@follow_merges
def address_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get(actor=current_actor(request), customer_id=customer_id)
    return _address_save(request, customer, None)


@member_required(Perm.CUSTOMER_EDIT)
@follow_merges
def address_edit(request: HttpRequest, customer_id: int, address_id: int) -> HttpResponse:
    actor = current_actor(request)
    address = selectors.address_get(actor=actor, customer_id=customer_id, address_id=address_id)
    return _address_save(request, address.customer, address)


@member_required(Perm.CUSTOMER_EDIT)
def address_remove(request: HttpRequest, customer_id: int, address_id: int) -> HttpResponse:
    actor = current_actor(request)
    address = selectors.address_get(actor=actor, customer_id=customer_id, address_id=address_id)
    if request.method == "POST":
        address_services.address_remove(actor=actor, customer_id=customer_id, address_id=address.pk)
        messages.success(request, _("Address removed."))
        return redirect(reverse("customers:detail", args=[customer_id]) + "#addresses")
    return render(
        request,
        "customers/address_remove.html",
        {
            "customer": address.customer,
            "address": address,
            "text": format_address(**_address_parts(address)),
        },
    )


@member_required(Perm.CUSTOMER_VIEW)
def address_lookup(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the address form (GeoThai data): ``q`` is a postcode or a subdistrict
    name and answers candidate buttons; ``pick`` is a subdistrict code and answers the address
    fields filled in (the house number and label typed so far are kept)."""
    pick = request.GET.get("pick", "").strip()
    if pick:
        parts = subdistrict_parts(pick)
        data = {
            "label": request.GET.get("label", ""),
            "line": request.GET.get("line", ""),
            "is_primary": request.GET.get("is_primary", ""),
        }
        if parts is not None:
            # Keep the postcode typed when this subdistrict uses it (some use two).
            typed = request.GET.get("postcode", "").strip()
            sub = geothai.subdistrict(pick)
            data.update(
                subdistrict=parts.subdistrict,
                district=parts.district,
                province=parts.province,
                postcode=typed if sub and typed in sub.postal_codes else parts.postcode,
            )
        form = AddressForm(initial=data)
        return render(request, "customers/_address_fields.html", {"form": form})
    q = request.GET.get("q", "").strip()
    candidates: list[AddressParts] = []
    if q.isdigit() or (q and q[0] in "๐๑๒๓๔๕๖๗๘๙"):
        candidates = postcode_lookup(q)
    elif len(q) >= 2:
        found = area_search(q, level="subdistrict", limit=12)
        candidates = [p for a in found if (p := subdistrict_parts(a.code)) is not None]
    return render(request, "customers/_address_candidates.html", {"candidates": candidates, "q": q})


urlpatterns: list[URLPattern] = [
    path("customers/<int:customer_id>/addresses/new/", address_new, name="address_new"),
    path(
        "customers/<int:customer_id>/addresses/<int:address_id>/edit/",
        address_edit,
        name="address_edit",
    ),
    path(
        "customers/<int:customer_id>/addresses/<int:address_id>/remove/",
        address_remove,
        name="address_remove",
    ),
    path("address/lookup/", address_lookup, name="address_lookup"),
]
