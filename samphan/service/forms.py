"""Forms of the service-desk pages: they parse and bound input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.service.models import (
    BODY_MAX,
    CANNED_BODY_MAX,
    REASON_MAX,
    SUBJECT_MAX,
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("What the customer said"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    ticket_type = forms.ChoiceField(
        label=_("Type"), choices=TicketType.choices, initial=TicketType.QUESTION
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=TicketChannel.choices, initial=TicketChannel.PHONE
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL
    )
    category_id = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    customer_id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    name = forms.CharField(label=_("Customer's name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [("", _("No category")), *categories]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    MODES = (
        ("reply", _("Reply to the customer")),
        ("note", _("Internal note")),
        ("customer", _("The customer's reply (phone, LINE)")),
    )
    body = forms.CharField(
        label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    mode = forms.ChoiceField(
        label=_("Kind"), choices=MODES, initial="reply", widget=forms.RadioSelect
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)
    reason = forms.CharField(label=_("Why"), max_length=REASON_MAX, required=False)


class AssignForm(forms.Form):
    assignee_id = forms.TypedChoiceField(
        label=_("Assignee"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee_id"].choices = [("", _("Nobody")), *members]  # type: ignore[attr-defined]


class DetailsForm(forms.Form):
    ticket_type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=TicketPriority.choices)
    category_id = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    team_id = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[int, str]],
        teams: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [("", _("No category")), *categories]  # type: ignore[attr-defined]
        self.fields["team_id"].choices = [("", _("No team")), *teams]  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (JPEG, PNG, PDF or text, up to 5 MB)"))


class CannedForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text"),
        max_length=CANNED_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Fields: {{ name }}, {{ first_name }}, {{ shop }}, {{ ticket_number }}, "
            "{{ subject }}, {{ agent }}"
        ),
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("New category"), max_length=100)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("New team"), max_length=100)


class RecoveryForm(forms.Form):
    campaign_id = forms.TypedChoiceField(label=_("Coupon campaign"), coerce=int)

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign_id"].choices = campaigns  # type: ignore[attr-defined]


class HelpForm(forms.Form):
    """The public form. ``website`` is a honeypot (hidden from people, filled by bots);
    ``started`` is the signed time the form was shown (too fast is a bot)."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    ticket_type = forms.ChoiceField(
        label=_("About"),
        choices=[
            (TicketType.QUESTION, _("A question")),
            (TicketType.PROBLEM, _("A problem with a product or order")),
            (TicketType.COMPLAINT, _("A complaint")),
            (TicketType.RETURN_REFUND, _("A return or refund")),
            (TicketType.REQUEST, _("A request")),
            (TicketType.COMPLIMENT, _("A compliment")),
        ],
        initial=TicketType.QUESTION,
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Tell us more"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    website = forms.CharField(required=False, max_length=200)
    started = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone") or data.get("email")):
            raise forms.ValidationError(_("Give a phone number or an email so we can answer."))
        return data
