"""The campaign form: amounts in baht, the percentage as typed (12.5), dates in the reader's
years (a whole day: from the start of the first to the end of the last, Bangkok time)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samphan.core.forms import ReaderDateField
from samphan.core.limits import MAX_SATANG
from samphan.core.money import baht_to_satang
from samphan.loyalty.coupons.models import CodeMode, CouponKind, Targeting
from samphan.loyalty.coupons.services import CODES_PER_REQUEST_MAX, LIMIT_MAX

_BAHT_MAX = Decimal(MAX_SATANG) / 100


def _baht(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=_BAHT_MAX,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _uses(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=LIMIT_MAX,
        help_text=_("Empty: no limit."),
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Discount"), choices=CouponKind.choices, widget=forms.RadioSelect, initial="value"
    )
    value_baht = _baht(_("Amount off (baht)"))
    percent = forms.DecimalField(
        label=_("Percent off"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    max_discount_baht = _baht(
        _("Largest discount (baht)"), help_text=_("For a percentage: a cap. Empty: no cap.")
    )
    min_spend_baht = _baht(_("Minimum spend (baht)"), help_text=_("Empty: any basket."))
    starts_on = ReaderDateField(label=_("First day"), required=False)
    ends_on = ReaderDateField(label=_("Last day"), required=False)
    total_limit = _uses(_("Uses in total"))
    per_customer_limit = _uses(_("Uses per customer"))
    code_mode = forms.ChoiceField(
        label=_("Codes"), choices=CodeMode.choices, widget=forms.RadioSelect, initial="shared"
    )
    code = forms.CharField(
        label=_("Shared code"),
        max_length=64,
        required=False,
        help_text=_("3 to 32 letters A–Z, digits, “-” or “_”, e.g. SONGKRAN10."),
    )
    code_count = forms.IntegerField(
        label=_("Unique codes to make now"),
        required=False,
        min_value=0,
        max_value=CODES_PER_REQUEST_MAX,
        help_text=_("Each can be used once. You can make more later."),
    )
    targeting = forms.ChoiceField(
        label=_("For"), choices=Targeting.choices, widget=forms.RadioSelect, initial="none"
    )
    segment = forms.TypedChoiceField(
        label=_("Segment"), required=False, coerce=int, empty_value=None
    )
    tier_code = forms.CharField(label=_("Tier code"), max_length=32, required=False)

    def __init__(self, *args: Any, segments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["segment"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *segments]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        tz = timezone.get_current_timezone()

        def day_start(day: dt.date | None, plus: int = 0) -> dt.datetime | None:
            if day is None:
                return None
            return dt.datetime.combine(day + dt.timedelta(days=plus), dt.time(), tzinfo=tz)

        def satang(value: Decimal | None) -> int | None:
            return None if value is None else baht_to_satang(value)

        percent = d.get("percent")
        return {
            "name": d["name"],
            "kind": d["kind"],
            "value_satang": satang(d.get("value_baht")) or 0,
            "percent_bp": int(percent * 100) if percent is not None else 0,
            "max_discount_satang": satang(d.get("max_discount_baht")),
            "min_spend_satang": satang(d.get("min_spend_baht")) or 0,
            "starts_at": day_start(d.get("starts_on")),
            "ends_at": day_start(d.get("ends_on"), plus=1),
            "total_limit": d.get("total_limit"),
            "per_customer_limit": d.get("per_customer_limit"),
            "code_mode": d["code_mode"],
            "code": d.get("code") or "",
            "code_count": d.get("code_count") or 0,
            "targeting": d["targeting"],
            "segment_id": d.get("segment"),
            "tier_code": d.get("tier_code") or "",
        }


# The service names the field it refuses; the form shows it there.
SERVICE_FIELDS = {
    "value_satang": "value_baht",
    "percent_bp": "percent",
    "max_discount_satang": "max_discount_baht",
    "min_spend_satang": "min_spend_baht",
    "starts_at": "starts_on",
    "ends_at": "ends_on",
    "segment_id": "segment",
    "count": "code_count",
}


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many codes"), min_value=1, max_value=CODES_PER_REQUEST_MAX, initial=100
    )
