"""A customer's PDPA consents: the current state per purpose and recording a change."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.access import require
from samphan.core.errors import ApplicationError
from samphan.core.forms import ReaderDateTimeField
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers import consent_services, selectors
from samphan.customers.consent_services import CONSENT_FORM_SOURCES, consent_source_label
from samphan.customers.models import ConsentEvent, ConsentPurpose, Customer
from samphan.customers.views.merged import follow_merges


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Gives consent")), ("0", gettext_lazy("Withdraws consent"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    source = forms.ChoiceField(
        label=gettext_lazy("How it was given"),
        required=False,
        choices=CONSENT_FORM_SOURCES,
    )
    notice_version = forms.CharField(
        label=gettext_lazy("Privacy notice version"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Which privacy notice they saw, e.g. 2026-01."),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What they said or signed, and where the record is kept."),
    )
    recorded_at = ReaderDateTimeField(
        label=gettext_lazy("When"),
        required=False,
        help_text=gettext_lazy("Leave empty for now; fill in for a paper form signed earlier."),
    )


@dataclass(frozen=True)
class ConsentRow:
    purpose: str
    label: str
    current: ConsentEvent | None


def _consent_rows(customer: Customer) -> list[ConsentRow]:
    labels = dict(ConsentPurpose.choices)
    return [
        ConsentRow(purpose=purpose, label=str(labels[purpose]), current=row)
        for purpose, row in selectors.consent_state(customer=customer).items()
    ]


# --- consent (PDPA) ---------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_VIEW)
@follow_merges
def consents(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The consent ledger and a form to record consent given or withdrawn. The customer page
    posts here too: one tap to grant, one tap to withdraw (htmx swaps the consent card)."""
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    if request.method == "POST":
        require(actor, Perm.CUSTOMER_EDIT)  # viewing is for all; recording needs edit rights
    form = ConsentForm(request.POST or None, initial={"source": "counter"})
    htmx = bool(request.htmx)  # type: ignore[attr-defined]
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            consent_services.consent_record(
                actor=actor,
                customer_id=customer.pk,
                purpose=form.cleaned_data["purpose"],
                granted=form.cleaned_data["granted"],
                source=form.cleaned_data["source"] or "counter",
                notice_version=form.cleaned_data["notice_version"],
                evidence=form.cleaned_data["evidence"],
                recorded_at=form.cleaned_data.get("recorded_at"),
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            saved = True
            if not htmx:
                messages.success(request, _("Consent recorded."))
                if request.POST.get("next") == "detail":
                    return redirect(reverse("customers:detail", args=[customer.pk]) + "#consents")
                return redirect("customers:consents", customer_id=customer.pk)
    if htmx and request.method == "POST":
        # The one-tap buttons on the customer page: answer the consent card again.
        return render(
            request,
            "customers/_consents.html",
            {
                "customer": customer,
                "consents": _consent_rows(customer),
                "can_edit": actor.can(Perm.CUSTOMER_EDIT),
                "saved": saved,
                "errors": [] if saved else [e for errs in form.errors.values() for e in errs],
            },
        )
    history = list(selectors.consent_history(actor=actor, customer_id=customer.pk))
    for row in history:
        row.source_label = consent_source_label(row.source)  # type: ignore[attr-defined]
    return render(
        request,
        "customers/consents.html",
        {
            "customer": customer,
            "form": form,
            "consents": _consent_rows(customer),
            "history": history,
            "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        },
    )


urlpatterns: list[URLPattern] = [
    path("customers/<int:customer_id>/consents/", consents, name="consents"),
]
