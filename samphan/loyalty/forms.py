"""The programme settings, adjustment and reward forms (they parse input; the services decide)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.commerce.models import ProductCategory
from samphan.core.models import Workspace
from samphan.loyalty.models import ExpiryRule, Programme, Reward, RewardKind, Rounding


class ProgrammeForm(forms.Form):
    is_active = forms.BooleanField(label=_("Points programme on"), required=False)
    points_per_unit = forms.IntegerField(
        label=_("Points"), min_value=0, max_value=10_000, help_text=_("earned for every …")
    )
    unit_baht = forms.DecimalField(
        label=_("Spend (baht)"),
        min_value=Decimal("1"),
        max_value=Decimal("1000000"),
        decimal_places=2,
        help_text=_("e.g. 1 point for every ฿25"),
    )
    rounding = forms.ChoiceField(label=_("Rounding"), choices=Rounding.choices)
    pending_days = forms.IntegerField(
        label=_("Days points stay pending"),
        min_value=0,
        max_value=365,
        help_text=_("Until the return window closes; 0 makes points available at once."),
    )
    point_value_baht = forms.DecimalField(
        label=_("Value of one point (baht)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("10000"),
        decimal_places=2,
        help_text=_("The discount one point gives when redeemed."),
    )
    expiry_rule = forms.ChoiceField(label=_("Points expire"), choices=ExpiryRule.choices)
    expiry_months = forms.IntegerField(label=_("Months"), min_value=1, max_value=120)
    welcome_bonus = forms.IntegerField(
        label=_("Welcome bonus (points)"), min_value=0, max_value=1_000_000
    )
    birthday_bonus = forms.IntegerField(
        label=_("Birthday bonus (points)"), min_value=0, max_value=1_000_000
    )
    excluded_categories = forms.MultipleChoiceField(
        label=_("Categories that earn nothing"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("e.g. gift cards. Shipping and discounts never earn points."),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = ProductCategory.objects.filter(workspace=workspace).order_by("name")[:200]
        self.fields["excluded_categories"].choices = [  # type: ignore[attr-defined]
            (str(c.pk), c.name) for c in categories
        ]

    @staticmethod
    def initial_for(programme: Programme) -> dict[str, Any]:
        return {
            "is_active": programme.is_active,
            "points_per_unit": programme.points_per_unit,
            "unit_baht": Decimal(programme.unit_satang) / 100,
            "rounding": programme.rounding,
            "pending_days": programme.pending_days,
            "point_value_baht": Decimal(programme.redeem_satang_per_point) / 100,
            "expiry_rule": programme.expiry_rule,
            "expiry_months": programme.expiry_months,
            "welcome_bonus": programme.welcome_bonus,
            "birthday_bonus": programme.birthday_bonus,
            "excluded_categories": [str(pk) for pk in programme.excluded_category_ids or []],
        }

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "is_active": bool(data["is_active"]),
            "points_per_unit": data["points_per_unit"],
            "unit_satang": int(data["unit_baht"] * 100),
            "rounding": data["rounding"],
            "pending_days": data["pending_days"],
            "redeem_satang_per_point": int(data["point_value_baht"] * 100),
            "expiry_rule": data["expiry_rule"],
            "expiry_months": data["expiry_months"],
            "welcome_bonus": data["welcome_bonus"],
            "birthday_bonus": data["birthday_bonus"],
            "excluded_category_ids": [int(pk) for pk in data["excluded_categories"]],
        }


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-1_000_000_000,
        max_value=1_000_000_000,
        help_text=_("Positive adds, negative takes off."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RewardForm(forms.Form):
    """A reward in the catalogue (``loyalty.rewards`` checks the limits again and decides)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RewardKind.choices)
    points_cost = forms.IntegerField(label=_("Points"), min_value=1, max_value=10_000_000)
    value_baht = forms.DecimalField(
        label=_("Worth (baht)"),
        min_value=Decimal("0"),
        max_value=Decimal("100000000"),
        decimal_places=2,
        required=False,
        help_text=_("A voucher's amount, or the item's price (for reports)."),
    )
    stock = forms.IntegerField(
        label=_("Stock"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Leave empty for unlimited."),
    )
    per_customer_limit = forms.IntegerField(
        label=_("Limit per member"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Leave empty for no limit."),
    )
    is_active = forms.BooleanField(label=_("Members can claim it"), required=False, initial=True)

    @staticmethod
    def initial_for(reward: Reward) -> dict[str, Any]:
        return {
            "name": reward.name,
            "description": reward.description,
            "kind": reward.kind,
            "points_cost": reward.points_cost,
            "value_baht": Decimal(reward.value_satang) / 100,
            "stock": reward.stock,
            "per_customer_limit": reward.per_customer_limit,
            "is_active": reward.is_active,
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "kind": data["kind"],
            "points_cost": data["points_cost"],
            "value_satang": int((data["value_baht"] or 0) * 100),
            "stock": data["stock"],
            "per_customer_limit": data["per_customer_limit"],
            "is_active": bool(data["is_active"]),
        }
