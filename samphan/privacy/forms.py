"""Forms of the privacy pages (they parse input; the services decide)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samphan.core.forms import ReaderDateField, ReaderDateTimeField
from samphan.privacy.models import (
    Breach,
    BreachCategory,
    BreachRisk,
    PrivacySettings,
    RequestKind,
    RequestStatus,
)
from samphan.privacy.services import REASON_MAX


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the date as the record of the erasure. Don't write the name."),
    )
    request = forms.TypedChoiceField(
        label=_("Answers the request"), coerce=int, required=False, empty_value=None
    )
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone."), required=True)

    def __init__(self, *args: object, requests: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["request"].choices = [("", _("(none)")), *requests]  # type: ignore[attr-defined]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=RequestKind.choices)
    received_on = ReaderDateField(label=_("Received on"), initial=timezone.localdate)
    customer_id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    requester_name = forms.CharField(label=_("Requester's name"), max_length=200, required=False)
    requester_contact = forms.CharField(
        label=_("Requester's contact"), max_length=200, required=False
    )
    details = forms.CharField(
        label=_("What was asked"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class RequestUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RequestStatus.choices)
    note = forms.CharField(
        label=_("Note for the trail"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    outcome = forms.CharField(
        label=_("Answer / outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Needed to close the request: what was done, or why it was refused."),
    )


class BreachForm(forms.ModelForm):
    # Dates and times typed in the reader's years (or a picker's ISO form), in the shop's zone.
    found_at = ReaderDateTimeField(label=_("found at"))
    occurred_at = ReaderDateTimeField(label=_("happened at (if known)"), required=False)
    regulator_notified_at = ReaderDateTimeField(label=_("regulator notified at"), required=False)
    people_notified_at = ReaderDateTimeField(label=_("people notified at"), required=False)
    categories = forms.MultipleChoiceField(
        label=_("Categories of data"),
        choices=BreachCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Breach
        fields = (
            "title", "found_at", "occurred_at", "description", "categories", "people_affected",
            "risk", "risk_assessment", "measures", "regulator_notified_at", "regulator_reference",
            "people_notified_at", "people_notification",
        )  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "risk_assessment": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "people_notification": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["risk"].choices = BreachRisk.choices  # type: ignore[attr-defined]
        if self.instance.pk is None:
            for name in ("regulator_notified_at", "regulator_reference", "people_notified_at",
                         "people_notification"):  # fmt: skip
                del self.fields[name]


class PolicyForm(forms.ModelForm):
    class Meta:
        model = PrivacySettings
        fields = ("inactive_action", "inactive_years", "import_files_days", "tax_record_years")
        widgets = {"inactive_action": forms.RadioSelect}
        help_texts = {
            "tax_record_years": _(
                "Customers with orders in this period cannot be erased (0: no hold)."
            ),
            "import_files_days": _("Empty: keep the uploaded files."),
        }


class RecordForm(forms.ModelForm):
    class Meta:
        model = PrivacySettings
        fields = (
            "controller_contact", "dpo_contact", "recipients", "transfers_abroad",
            "security_measures",
        )  # fmt: skip
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "controller_contact",
                "recipients",
                "transfers_abroad",
                "security_measures",
            )
        }
