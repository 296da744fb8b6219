"""The analytics page's forms: marketing spend for CAC."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.commerce.models import SalesChannel
from samphan.core.forms import ReaderMonthField
from samphan.core.models import Workspace


class MarketingSpendForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=SalesChannel.objects.none())
    month = ReaderMonthField(
        label=_("Month"), help_text=_("The month the money was spent (month/year).")
    )
    amount = forms.DecimalField(
        label=_("Amount (baht)"), min_value=0, max_digits=14, decimal_places=2
    )
    campaign = forms.CharField(label=_("Campaign (optional)"), max_length=120, required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ModelChoiceField)
        channel_field.queryset = SalesChannel.objects.filter(workspace=workspace).order_by("id")
