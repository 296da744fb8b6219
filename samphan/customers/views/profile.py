"""The customer page (Customer 360) and what staff do on it: edit the profile, contacts and
tags; notes. Addresses, PDPA consents, the timeline, interactions and follow-up tasks have
their own modules."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.errors import ApplicationError
from samphan.core.forms import ReaderDateField
from samphan.core.models import Branch
from samphan.core.roles import Perm
from samphan.core.selectors import branch_list
from samphan.core.thai.address import GEOTHAI_CREDIT, GEOTHAI_URL, format_address
from samphan.core.thai.dates import format_date
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers import contact_services, interaction_services, selectors, services
from samphan.customers.models import (
    AcquisitionSource,
    BehaviourType,
    ContactKind,
    Customer,
    CustomFieldDefinition,
    Gender,
    LifecycleStage,
)
from samphan.customers.panels import panels_render
from samphan.customers.views.addresses import _address_parts
from samphan.customers.views.consent import _consent_rows
from samphan.customers.views.merged import follow_merges
from samphan.customers.views.timeline import timeline_context

# --- forms (input shapes only; the rules live in the services) ---------------------------------


def _with_blank(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *((k, v) for k, v in choices if k)]


class ProfileForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=32, required=False)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    nickname = forms.CharField(label=gettext_lazy("Nickname"), max_length=80, required=False)
    gender = forms.ChoiceField(label=gettext_lazy("Gender"), choices=Gender.choices, required=False)
    birthday = ReaderDateField(label=gettext_lazy("Birthday"), required=False)
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"),
        required=False,
        choices=_with_blank(services.PREFERRED_LANGUAGES, gettext_lazy("Not given")),
    )
    preferred_channel = forms.ChoiceField(
        label=gettext_lazy("Preferred channel"),
        required=False,
        choices=_with_blank(services.PREFERRED_CHANNELS, gettext_lazy("Not given")),
    )
    acquisition_source = forms.ChoiceField(
        label=gettext_lazy("How they found us"),
        required=False,
        choices=_with_blank(AcquisitionSource.choices, gettext_lazy("Unknown")),
    )
    referred_by = forms.CharField(
        label=gettext_lazy("Referred by"),
        required=False,
        help_text=gettext_lazy(
            "For a friend referral: the friend's phone number, or their customer number as #123."
        ),
    )
    behaviour_type = forms.ChoiceField(
        label=gettext_lazy("Behaviour type"),
        required=False,
        widget=forms.RadioSelect,
        choices=_with_blank(BehaviourType.choices, gettext_lazy("Not set")),
    )
    lifecycle_stage = forms.ChoiceField(
        label=gettext_lazy("Lifecycle stage"),
        required=False,
        choices=_with_blank(LifecycleStage.choices, gettext_lazy("Automatic, from purchases")),
        help_text=gettext_lazy("A stage you choose is kept until you set it back to automatic."),
    )
    lifecycle_stage_reason = forms.CharField(
        label=gettext_lazy("Why this stage"),
        required=False,
        max_length=500,
    )
    home_branch = forms.ChoiceField(label=gettext_lazy("Home branch"), required=False)
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        help_text=gettext_lazy("Separate tags with commas, e.g. VIP, wholesale."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Pinned note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown at the top of the customer page."),
    )

    def __init__(
        self,
        *args: Any,
        branches: list[Branch] | None = None,
        definitions: list[CustomFieldDefinition] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        home = self.fields["home_branch"]
        assert isinstance(home, forms.ChoiceField)
        home.choices = [("", _("None")), *((str(b.pk), b.name) for b in branches or [])]
        self.definitions = definitions or []
        for d in self.definitions:
            self.fields[f"cf_{d.key}"] = _custom_form_field(d)

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[f"cf_{d.key}"] for d in self.definitions]

    def data_for_service(self) -> dict[str, Any]:
        cd = self.cleaned_data
        data: dict[str, Any] = {
            k: cd[k]
            for k in (
                "title", "first_name", "last_name", "nickname", "gender", "birthday",
                "preferred_language", "preferred_channel", "acquisition_source",
                "behaviour_type", "lifecycle_stage", "lifecycle_stage_reason", "notes", "tags",
            )
        }  # fmt: skip
        data["home_branch_id"] = int(cd["home_branch"]) if cd.get("home_branch") else None
        data["custom_fields"] = {
            d.key: _custom_to_service(cd.get(f"cf_{d.key}")) for d in self.definitions
        }
        return data


def _custom_form_field(d: CustomFieldDefinition) -> forms.Field:
    kind = CustomFieldDefinition.FieldType
    if d.type == kind.NUMBER:
        return forms.DecimalField(label=d.label, required=False)
    if d.type == kind.DATE:
        return ReaderDateField(label=d.label, required=False)
    if d.type == kind.CHOICE:
        values = [
            (str(c.get("value", "")), str(c.get("label", c.get("value", ""))))
            if isinstance(c, dict)
            else (str(c), str(c))
            for c in d.choices or []
        ]
        return forms.ChoiceField(label=d.label, required=False, choices=[("", "–"), *values])
    return forms.CharField(label=d.label, required=False, max_length=500)


def _custom_to_service(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ContactKind.choices)
    value = forms.CharField(label=gettext_lazy("Phone, email, LINE ID or username"), max_length=254)
    make_primary = forms.BooleanField(label=gettext_lazy("Make it the main one"), required=False)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    pin = forms.BooleanField(label=gettext_lazy("Pin to the top of the page"), required=False)


def _error_field(exc: ApplicationError, mapping: dict[str, str]) -> ApplicationError:
    """Point a service error at the form field that holds the value."""
    name = str(exc.details.get("field", ""))
    if name.startswith("custom_fields."):
        exc.details["field"] = "cf_" + name.split(".", 1)[1]
    elif name in mapping:
        exc.details["field"] = mapping[name]
    return exc


# --- the customer page --------------------------------------------------------------------------


def _custom_field_rows(
    customer: Customer, definitions: Sequence[CustomFieldDefinition]
) -> list[tuple[str, str]]:
    rows = []
    language = translation.get_language() or "th"
    for d in definitions:
        value = (customer.custom_fields or {}).get(d.key)
        if value in (None, ""):
            continue
        if d.type == CustomFieldDefinition.FieldType.DATE:
            with contextlib.suppress(ValueError):
                value = format_date(dt.date.fromisoformat(str(value)), language=language)
        rows.append((d.label, str(value)))
    return rows


@member_required(Perm.CUSTOMER_VIEW)
@follow_merges
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_profile_get(actor=actor, customer_id=customer_id)
    definitions = list(selectors.custom_field_definitions(actor=actor))
    language = translation.get_language() or "th"
    contacts = sorted(customer.contacts.all(), key=lambda c: (c.kind, not c.is_primary, c.pk))
    addresses = sorted(customer.addresses.all(), key=lambda a: (not a.is_primary, a.pk))
    context = {
        "customer": customer,
        "numbers": selectors.customer_key_numbers(customer=customer),
        "tip": selectors.behaviour_tip(customer.behaviour_type, language=language),
        "tags": sorted(customer.tags.all(), key=lambda t: t.name.casefold()),
        "contacts": contacts,
        "addresses": [(a, format_address(**_address_parts(a))) for a in addresses],
        "consents": _consent_rows(customer),
        "tasks": list(
            selectors.followup_list(actor=actor, customer_id=customer.pk, customer=customer)[:10]
        ),
        "now": timezone.now(),
        "custom_rows": _custom_field_rows(customer, definitions),
        "preferred_language": dict(services.PREFERRED_LANGUAGES).get(
            customer.preferred_language, ""
        ),
        "preferred_channel": dict(services.PREFERRED_CHANNELS).get(customer.preferred_channel, ""),
        "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        "can_sell": actor.can(Perm.ORDER_CREATE),
        "note_form": NoteForm(),
        "contact_form": ContactForm(),
        "geothai_credit": GEOTHAI_CREDIT,
        "geothai_url": GEOTHAI_URL,
        "panels": panels_render(request=request, actor=actor, customer=customer),
        **timeline_context(actor, customer, [], definitions=definitions),
    }
    return render(request, "customers/detail.html", context)


@member_required(Perm.CUSTOMER_EDIT)
@follow_merges
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_profile_get(actor=actor, customer_id=customer_id)
    definitions = list(selectors.custom_field_definitions(actor=actor))
    branches = list(branch_list(actor=actor))
    kwargs = {"branches": branches, "definitions": definitions}
    if request.method == "POST":
        form = ProfileForm(request.POST, **kwargs)  # type: ignore[arg-type]
        if form.is_valid():
            data = form.data_for_service()
            try:
                reference = form.cleaned_data["referred_by"].strip()
                referrer = selectors.customer_by_reference(actor=actor, reference=reference)
                if reference and referrer is None:
                    raise ApplicationError(
                        "referrer_not_found",
                        _("No customer has this phone number or customer number."),
                        {"field": "referred_by"},
                    )
                data["referred_by_id"] = referrer.pk if referrer else None
                if referrer is None and customer.referred_by_id is None:
                    del data["referred_by_id"]
                services.customer_update(actor=actor, customer_id=customer.pk, data=data)
            except ApplicationError as exc:
                add_application_error(
                    form,
                    _error_field(
                        exc, {"referred_by_id": "referred_by", "home_branch_id": "home_branch"}
                    ),
                )
            else:
                messages.success(request, _("Profile saved."))
                return redirect("customers:detail", customer_id=customer.pk)
    else:
        initial: dict[str, Any] = {
            f: getattr(customer, f)
            for f in (
                "title", "first_name", "last_name", "nickname", "gender", "birthday",
                "preferred_language", "preferred_channel", "acquisition_source",
                "behaviour_type", "notes",
            )
        }  # fmt: skip
        # Automatic unless a person set it; then the stage they chose and why.
        initial["lifecycle_stage"] = (
            customer.lifecycle_stage if customer.lifecycle_stage_by_hand else ""
        )
        initial["lifecycle_stage_reason"] = customer.lifecycle_stage_reason
        initial["home_branch"] = str(customer.home_branch_id or "")
        initial["tags"] = ", ".join(sorted(t.name for t in customer.tags.all()))
        initial["referred_by"] = f"#{customer.referred_by_id}" if customer.referred_by_id else ""
        for d in definitions:
            initial[f"cf_{d.key}"] = (customer.custom_fields or {}).get(d.key, "")
        form = ProfileForm(initial=initial, **kwargs)  # type: ignore[arg-type]
    language = translation.get_language() or "th"
    tips = {value: selectors.behaviour_tip(value, language=language) for value in BehaviourType}
    return render(
        request,
        "customers/edit.html",
        {
            "customer": customer,
            "form": form,
            "tips": tips,
            "known_tags": selectors.tag_names(actor=actor),
        },
    )


# --- contacts ------------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_EDIT)
def contact_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    form = ContactForm(request.POST or None)
    taken: int | None = None
    if request.method == "POST" and form.is_valid():
        try:
            result = contact_services.contact_add(
                actor=actor,
                customer_id=customer.pk,
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                make_primary=form.cleaned_data["make_primary"],
            )
        except ApplicationError as exc:
            taken = exc.details.get("customer_id") if exc.code == "contact_taken" else None
            add_application_error(form, exc)
        else:
            if result.created:
                messages.success(request, _("Contact added."))
            else:
                messages.info(request, _("This customer already has that contact."))
            return redirect("customers:detail", customer_id=customer.pk)
    return render(
        request, "customers/contact_form.html", {"customer": customer, "form": form, "taken": taken}
    )


@member_required(Perm.CUSTOMER_EDIT)
def contact_remove(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    actor = current_actor(request)
    contact = selectors.contact_get(actor=actor, customer_id=customer_id, contact_id=contact_id)
    if request.method == "POST":
        contact_services.contact_remove(actor=actor, customer_id=customer_id, contact_id=contact.pk)
        messages.success(request, _("Contact removed."))
        return redirect("customers:detail", customer_id=customer_id)
    return render(
        request,
        "customers/contact_remove.html",
        {"customer": contact.customer, "contact": contact},
    )


# --- notes -------------------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_EDIT)
def note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            interaction_services.note_add(
                actor=actor,
                customer_id=customer.pk,
                text=form.cleaned_data["text"],
                pin=form.cleaned_data["pin"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Note saved."))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#timeline")
    return render(request, "customers/note_form.html", {"customer": customer, "form": form})


urlpatterns: list[URLPattern] = [
    path("customers/<int:customer_id>/", customer_detail, name="detail"),
    path("customers/<int:customer_id>/edit/", customer_edit, name="edit"),
    path("customers/<int:customer_id>/notes/", note_add, name="note_add"),
    path("customers/<int:customer_id>/contacts/add/", contact_add, name="contact_add"),
    path(
        "customers/<int:customer_id>/contacts/<int:contact_id>/remove/",
        contact_remove,
        name="contact_remove",
    ),
]
