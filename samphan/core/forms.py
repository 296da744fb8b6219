"""Form fields shared by every app's pages: a date (and time) typed in the reader's years.

A browser's date picker always counts in Common Era, so a Thai reader who counts in Buddhist
Era (``core.display``) would see 2026 beside 2569 everywhere else. ``ReaderDateField`` is a
text box that shows ``23/11/2569`` or ``23/11/2026`` as the reader counts, and reads either
era back (a year past 2400 is Buddhist Era), or the ISO date an API client or a picker sends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

from django import forms
from django.forms.utils import from_current_timezone
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samphan.core.display import uses_buddhist_era
from samphan.core.thai.dates import format_numeric_date, parse_numeric_date


def date_placeholder() -> str:
    """The hint in a date box: the format, and the era the reader counts in."""
    if uses_buddhist_era():
        return str(_("dd/mm/yyyy (B.E., e.g. 23/11/2569)"))
    return str(_("dd/mm/yyyy (e.g. 23/11/2026)"))


def to_iso_date(text: str) -> str:
    """A date typed either way → ``2026-11-23``; anything else is left for validation."""
    parsed = parse_numeric_date(text or "")
    return parsed.isoformat() if parsed else text


def to_reader_date(text: str) -> str:
    """``2026-11-23`` → ``23/11/2569`` (or ``23/11/2026``), as the reader counts."""
    try:
        return format_numeric_date(dt.date.fromisoformat(str(text)))
    except ValueError:
        return text


class ReaderDateInput(forms.TextInput):
    """``dd/mm/yyyy`` in the reader's years, with the era said in the placeholder."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
            with contextlib.suppress(ValueError):  # a stored ISO date (custom fields' text)
                value = dt.date.fromisoformat(value)
        if isinstance(value, dt.date):
            return format_numeric_date(value)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", date_placeholder())
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


_DAY_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ ,T]+(\d{1,2})[:.](\d{2}))?$")


class ReaderDateTimeInput(forms.TextInput):
    """``23/11/2569 14:30`` (Bangkok time) in the reader's years."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return f"{format_numeric_date(value.date())} {value:%H:%M}"
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if uses_buddhist_era():
            placeholder = _("dd/mm/yyyy hh:mm (B.E., e.g. 23/11/2569 14:30)")
        else:
            placeholder = _("dd/mm/yyyy hh:mm (e.g. 23/11/2026 14:30)")
        context["widget"]["attrs"].setdefault("placeholder", str(placeholder))
        return context


class ReaderDateTimeField(forms.DateTimeField):
    """A date and time typed as the reader counts years (either era read back), or the ISO
    form a browser's picker or a script sends; in the shop's time zone."""

    widget = ReaderDateTimeInput
    default_error_messages = {
        "invalid": _(
            "Write the date and time as day/month/year hour:minute, e.g. 23/11/2569 14:30."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        text = str(value or "").strip()
        match = _DAY_TIME.match(text)
        if match is None:
            return super().to_python(value)
        day, month, year, hour, minute = match.groups()
        on = parse_numeric_date(f"{day}/{month}/{year}")
        try:
            at = dt.time(int(hour or 0), int(minute or 0))
        except ValueError:
            on = None
        if on is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return from_current_timezone(dt.datetime.combine(on, at))


_MONTH = re.compile(r"^(?:(\d{1,2})[/.-](\d{4})|(\d{4})-(\d{1,2}))$")


class ReaderMonthField(forms.CharField):
    """A month typed as ``10/2569`` or ``10/2026`` (a year past 2400 is Buddhist Era), or the
    ``2026-10`` a month picker sends; cleaned to ``2026-10``."""

    default_error_messages = {
        "invalid": _("Write the month as month/year, e.g. 10/2569 or 10/2026."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs["placeholder"] = "10/2569" if uses_buddhist_era() else "10/2026"
        return attrs

    def to_python(self, value: Any) -> str:
        text = (super().to_python(value) or "").strip()
        if not text:
            return text
        match = _MONTH.match(text)
        if match is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        month_text, year_text, iso_year, iso_month = match.groups()
        year = int(year_text or iso_year)
        month = int(month_text or iso_month)
        if year > 2400:
            year -= 543
        if not 1 <= month <= 12:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return f"{year:04d}-{month:02d}"
