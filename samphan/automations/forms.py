from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.automations import services
from samphan.automations.models import Trigger


class JourneyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=services.NAME_MAX)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    wait_minutes = forms.IntegerField(
        label=_("Wait (minutes)"),
        min_value=0,
        max_value=services.WAIT_MAX,
        initial=0,
        help_text=_("1 day = 1440. A message waits past the shop's quiet hours."),
    )
    message = forms.CharField(
        label=_("LINE message"),
        max_length=services.MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Personal fields as in campaigns, e.g. {{ first_name }}, {{ shop_name }}."),
    )
    tag = forms.CharField(label=_("Add the tag"), max_length=50, required=False)
    follow_up = forms.CharField(label=_("Follow-up task for staff"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("On"), required=False, initial=True)
