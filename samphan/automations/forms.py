from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.automations import services
from samphan.automations.models import Journey, Trigger
from samphan.commerce.models import ProductCategory
from samphan.core.models import Workspace
from samphan.loyalty.coupons.models import CouponCampaign


class JourneyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=services.NAME_MAX)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=ProductCategory.objects.none(),
        required=False,
        help_text=_("For a purchase in a category."),
    )
    days = forms.IntegerField(
        label=_("Days"),
        min_value=0,
        max_value=services.DAYS_MAX,
        required=False,
        help_text=_("Days without a purchase; or days before a birthday (0 = on the day)."),
    )
    threshold = forms.FloatField(
        label=_("P(alive) below"),
        min_value=0.01,
        max_value=0.99,
        required=False,
        help_text=_("The chance the customer is still active, e.g. 0.3."),
    )
    match = forms.CharField(
        label=_("Only when it is"),
        max_length=100,
        required=False,
        help_text=_("The new tier, or the postback data; empty = any."),
    )
    after = forms.ModelChoiceField(
        label=_("After the journey"),
        queryset=Journey.objects.none(),
        required=False,
        help_text=_("For the next step of a series: starts when that journey is done."),
    )
    wait_minutes = forms.IntegerField(
        label=_("Wait (minutes)"),
        min_value=0,
        max_value=services.WAIT_MAX,
        initial=0,
        help_text=_("1 day = 1440. A message waits past the shop's quiet hours."),
    )
    stop_if_purchased = forms.BooleanField(
        label=_("Stop if they buy during the wait"), required=False
    )
    coupon_campaign = forms.ModelChoiceField(
        label=_("Issue a coupon"),
        queryset=CouponCampaign.objects.none(),
        required=False,
        help_text=_("Its code is {{ coupon_code }} in the message."),
    )
    message = forms.CharField(
        label=_("LINE message"),
        max_length=services.MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Personal fields as in campaigns, e.g. {{ first_name }}, {{ shop_name }}."),
    )
    tag = forms.CharField(label=_("Add the tag"), max_length=50, required=False)
    untag = forms.CharField(label=_("Remove the tag"), max_length=50, required=False)
    follow_up = forms.CharField(label=_("Follow-up task for staff"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("On"), required=False, initial=True)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.queryset = ProductCategory.objects.filter(workspace=workspace).order_by("name")
        coupon: Any = self.fields["coupon_campaign"]
        coupon.queryset = CouponCampaign.objects.filter(workspace=workspace).order_by("-pk")
        after: Any = self.fields["after"]
        after.queryset = Journey.objects.filter(workspace=workspace).order_by("name")

    def journey_fields(self) -> dict[str, object]:
        """The cleaned data as the services take it (ids for the choices)."""
        data = dict(self.cleaned_data)
        category = data.pop("category", None)
        coupon = data.pop("coupon_campaign", None)
        after = data.pop("after", None)
        data["after_id"] = after.pk if after is not None else None
        data["category_id"] = category.pk if category is not None else None
        data["coupon_campaign_id"] = coupon.pk if coupon is not None else None
        return data
