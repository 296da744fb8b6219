"""The customer list with search, filters, sorting and export; adding a customer."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers.forms import CustomerCreateForm, CustomerFilterForm
from samphan.customers.listing import customer_filter, customer_page
from samphan.customers.selectors import SearchHit, customer_search
from samphan.customers.services import customer_create


@member_required(Perm.CUSTOMER_VIEW)
def customer_list_view(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = CustomerFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else CustomerFilterForm().filters()
    sort = form.sort_key() if form.is_bound else "newest"
    page = customer_page(
        actor=actor, filters=filters, sort=sort, cursor=request.GET.get("cursor", "")
    )
    rows = [(c, _hit_label(page.hits.get(c.pk))) for c in page.rows]
    params = request.GET.copy()
    params.pop("cursor", None)
    template = (
        "customers/_list_results.html" if request.htmx else "customers/list.html"  # type: ignore[attr-defined]
    )
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filters": filters,
            "query_string": params.urlencode(),
            "first_page": not request.GET.get("cursor"),
            "can_export": actor.can(Perm.CUSTOMER_EXPORT),
            "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        },
    )


MATCHED_LABELS = {
    "phone": gettext_lazy("Phone"),
    "phone_suffix": gettext_lazy("Phone ends with"),
    "email": gettext_lazy("Email"),
    "line": gettext_lazy("LINE"),
    "order": gettext_lazy("Order"),
    "nickname": gettext_lazy("Nickname"),
    "name": gettext_lazy("Name"),
}


def _hit_label(hit: SearchHit | None) -> dict[str, str] | None:
    if hit is None:
        return None
    return {"label": str(MATCHED_LABELS.get(hit.matched_field, "")), "value": hit.matched_value}


@member_required(Perm.CUSTOMER_EDIT)
def customer_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = CustomerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = customer_create(
                actor=actor,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                nickname=form.cleaned_data["nickname"],
                acquisition_source=form.cleaned_data["acquisition_source"],
                contacts=form.contacts(),
            )
        except ApplicationError as exc:
            exc.details["field"] = form.field_of(str(exc.details.get("field", "")))
            add_application_error(form, exc)
        else:
            if not result.created:
                messages.info(
                    request,
                    _("This customer already exists (same %(what)s): the new details were added.")
                    % {"what": result.matched_by.split(":")[0]},
                )
            return redirect(f"/customers/{result.customer.pk}/")
    return render(request, "customers/new.html", {"form": form})


@member_required(Perm.CUSTOMER_EXPORT)
def customer_export(request: HttpRequest) -> HttpResponse:
    """The list as it is filtered on screen, as CSV or Excel (audit-logged by the service)."""
    from samphan.customers.exports import customers_export  # the export service

    actor = current_actor(request)
    form = CustomerFilterForm(request.GET)
    filters = form.filters()
    queryset = customer_filter(actor=actor, filters=filters)
    if filters.q:  # export what the search shows
        hits = customer_search(actor=actor, q=filters.q, limit=1000)
        queryset = queryset.filter(pk__in=[h.customer.pk for h in hits])
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    response = customers_export(
        actor=actor,
        queryset=queryset,
        format=fmt,
        filters=filters.as_dict(),
        ip=client_ip(request),
    )
    return cast(HttpResponse, response)  # a streaming response for CSV: same interface here


urlpatterns: list[URLPattern] = [
    path("customers/export/", customer_export, name="export"),
    path("customers/", customer_list_view, name="list"),
    path("customers/new/", customer_new, name="new"),
]
