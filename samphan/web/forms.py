"""Forms parse and validate input shapes only; the business rules stay in the services."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samphan.commerce.models import ChannelKind
from samphan.core.models import ApiKey, Branch
from samphan.core.roles import LOWEST_ROLE, MfaPolicy, Role

CURRENCIES = [("THB", _("Thai baht (THB)"))]


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"Asia/Bangkok"})
    return [("Asia/Bangkok", "Asia/Bangkok"), *((n, n) for n in names if "/" in n)]


class WorkspaceProfileForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=200)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    money_decimals = forms.TypedChoiceField(
        label=_("Money"),
        choices=[("1", "฿1,050.00"), ("0", "฿1,050")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        help_text=_(
            "How amounts are shown on every page and in exports. Years (พ.ศ. or ค.ศ.) are "
            "each member's own choice, in the account menu."
        ),
    )


class BranchForm(forms.Form):
    name = forms.CharField(label=_("Branch name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=32, required=False)
    province = forms.CharField(label=_("Province"), max_length=100, required=False)


class BranchEditForm(BranchForm):
    is_active = forms.BooleanField(label=pgettext_lazy("on or off", "Active"), required=False)


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)


class BranchChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Branch) -> str:
        inactive = _("inactive")
        return obj.name if obj.is_active else f"{obj.name} ({inactive})"


class _MemberRoleFields(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    branches = BranchChoiceField(
        label=_("Limit to branches"),
        queryset=Branch.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "For counter staff: they will see only these branches' data. "
            "Leave all unticked for every branch."
        ),
    )

    def __init__(self, *args: Any, branches: QuerySet[Branch] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["branches"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = branches if branches is not None else Branch.objects.none()

    def branch_ids(self) -> list[int]:
        return [b.pk for b in self.cleaned_data.get("branches") or []]


class MemberAddForm(_MemberRoleFields):
    email = forms.EmailField(label=_("Email"))
    # Fits the user's first and last name columns (150 each), split at the first space.
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        help_text=_("First and last name, shown in the members list and on the timeline."),
    )
    field_order = ["email", "name", "role", "branches"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The role that can do least, not the first in the list (Owner): raising it is a choice.
        self.fields["role"].initial = LOWEST_ROLE


class MemberRoleForm(_MemberRoleFields):
    pass


class MfaPolicyForm(forms.Form):
    policy = forms.ChoiceField(
        label=_("Two-step sign-in"),
        choices=MfaPolicy.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Members it is required of are asked to set it up (an authenticator app) the next "
            "time they open Samphan, before anything else, and cannot turn it off."
        ),
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses this key, e.g. “POS front counter”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiKey.Scope.choices,
        initial=ApiKey.Scope.READ,
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=[("th", "ไทย"), ("en", "English")])
    next = forms.CharField(required=False)


class YearStyleForm(forms.Form):
    years = forms.ChoiceField(choices=[("be", "พ.ศ."), ("ce", "ค.ศ."), ("auto", "auto")])
    next = forms.CharField(required=False)


class WorkspaceSwitchForm(forms.Form):
    workspace = forms.IntegerField()
    next = forms.CharField(required=False)
