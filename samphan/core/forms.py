"""Form fields shared by every app's pages: a date typed in the reader's years.

A browser's date picker always counts in Common Era, so a Thai reader who counts in Buddhist
Era (``core.display``) would see 2026 beside 2569 everywhere else. ``ReaderDateField`` is a
text box that shows ``23/11/2569`` or ``23/11/2026`` as the reader counts, and reads either
era back (a year past 2400 is Buddhist Era), or the ISO date an API client or a picker sends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.core.display import uses_buddhist_era
from samphan.core.thai.dates import format_numeric_date, parse_numeric_date


class ReaderDateInput(forms.TextInput):
    """``dd/mm/yyyy`` in the reader's years, with the era said in the placeholder."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
            try:  # a stored ISO date (custom fields keep dates as text)
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, dt.date):
            return format_numeric_date(value)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if uses_buddhist_era():
            placeholder = _("dd/mm/yyyy (B.E., e.g. 23/11/2569)")
        else:
            placeholder = _("dd/mm/yyyy (e.g. 23/11/2026)")
        context["widget"]["attrs"].setdefault("placeholder", str(placeholder))
        return context


class ReaderDateField(forms.DateField):
    widget = ReaderDateInput
    default_error_messages = {
        "invalid": _("Write the date as day/month/year, e.g. 23/11/2569 or 23/11/2026."),
    }

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = parse_numeric_date(str(value))
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed
