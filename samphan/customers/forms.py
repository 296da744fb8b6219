"""Forms parse input only; the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.core.errors import ApplicationError
from samphan.customers.contacts import contact_normalize
from samphan.customers.listing import SORTS, CustomerFilters
from samphan.customers.models import AcquisitionSource, BehaviourType, LifecycleStage


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("Any")), *[(k, v) for k, v in choices if k]]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, nickname, phone or its last 4 digits, email, order no."),
                "autocomplete": "off",
            }
        ),
    )
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"), required=False, choices=_blank(LifecycleStage.choices)
    )
    behaviour_type = forms.ChoiceField(
        label=_("Behaviour type"), required=False, choices=_blank(BehaviourType.choices)
    )
    acquisition_source = forms.ChoiceField(
        label=_("Acquisition source"), required=False, choices=_blank(AcquisitionSource.choices)
    )
    province = forms.CharField(label=_("Province"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False)
    min_orders = forms.IntegerField(label=_("At least N orders"), required=False, min_value=0)
    purchased_within_days = forms.IntegerField(
        label=_("Bought in the last N days"), required=False, min_value=1
    )
    not_purchased_for_days = forms.IntegerField(
        label=_("No purchase for N days"), required=False, min_value=1
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("newest", _("Newest customers")),
            ("last_order", _("Last purchase")),
            ("spend", _("Total spend")),
            ("orders", _("Number of orders")),
            ("name", _("Name")),
        ],
    )

    def filters(self) -> CustomerFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CustomerFilters(
            q=data.get("q") or "",
            province=data.get("province") or "",
            lifecycle_stage=data.get("lifecycle_stage") or "",
            behaviour_type=data.get("behaviour_type") or "",
            acquisition_source=data.get("acquisition_source") or "",
            tag=data.get("tag") or "",
            min_orders=data.get("min_orders"),
            purchased_within_days=data.get("purchased_within_days"),
            not_purchased_for_days=data.get("not_purchased_for_days"),
        )

    def sort_key(self) -> str:
        sort = (self.cleaned_data.get("sort") if self.is_valid() else "") or "newest"
        return sort if sort in SORTS else "newest"


class CustomerCreateForm(forms.Form):
    first_name = forms.CharField(
        label=_("Name"),
        required=False,
        help_text=_("A title such as นาย / นาง / นางสาว / คุณ is recognised and kept separately."),
    )
    last_name = forms.CharField(label=_("Last name"), required=False)
    nickname = forms.CharField(label=_("Nickname"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "081-234-5678"}),
    )
    email = forms.CharField(label=_("Email"), required=False)
    line_id = forms.CharField(label=_("LINE user ID"), required=False)
    acquisition_source = forms.ChoiceField(
        label=_("How did they find us?"),
        required=False,
        choices=[("", _("Unknown")), *[(k, v) for k, v in AcquisitionSource.choices if k]],
    )

    _CONTACT_FIELDS = (("phone", "phone"), ("email", "email"), ("line_id", "line"))

    def clean(self) -> dict[str, Any]:
        """Check every contact's shape before the service runs, so that a wrong phone and a
        wrong email are both shown at once, each beside its field (the service stops at the
        first)."""
        data = super().clean() or {}
        for name, kind in self._CONTACT_FIELDS:
            value = (data.get(name) or "").strip()
            if not value:
                continue
            try:
                contact_normalize(kind, value, field=name)
            except ApplicationError as exc:
                self.add_error(name, exc.message)
        return data

    def _given(self) -> list[tuple[str, str, str]]:
        """(form field, contact kind, value) for each contact typed in."""
        data = self.cleaned_data
        return [(f, kind, data[f]) for f, kind in self._CONTACT_FIELDS if data[f].strip()]

    def contacts(self) -> list[tuple[str, str]]:
        return [(kind, value) for _f, kind, value in self._given()]

    def field_of(self, error_field: str) -> str:
        """``contacts[1].value`` (the service's name for it) → the form field, e.g. ``email``."""
        if not error_field.startswith("contacts["):
            return error_field
        index = int(error_field[len("contacts[") :].split("]")[0])
        given = self._given()
        return given[index][0] if index < len(given) else ""
