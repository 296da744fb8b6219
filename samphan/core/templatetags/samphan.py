"""Template helpers: dates in the reader's years, relative times, baht, counts, phones.

Years follow the reader's choice and money the workspace's (``core.display``, activated per
request), so a template never decides either by itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samphan.core.display import uses_buddhist_era
from samphan.core.money import format_baht, format_baht_range
from samphan.core.thai.dates import format_date, format_month, format_numeric_date, shown_year
from samphan.core.thai.phone import format_phone_display

register = template.Library()


def _language() -> str:
    return translation.get_language() or "th"


@register.simple_tag
def thaidate(value: dt.date | dt.datetime | None, with_time: bool = False) -> str:
    """``23 พ.ย. 2569`` (``23 Nov 2026``), in the reader's years; with the time if asked."""
    return format_date(value, language=_language(), with_time=with_time)


@register.filter
def numericdate(value: dt.date | None) -> str:
    """``23/11/2569`` or ``23/11/2026``: the value of a date input, in the reader's years."""
    return format_numeric_date(value)


@register.filter
def monthyear(value: dt.date | None) -> str:
    """``เม.ย. 69`` / ``Apr 26``: a month, in the reader's years."""
    if value is None or value == "":
        return ""
    return format_month(value.year, value.month, language=_language())


@register.filter
def year(value: int | dt.date | None) -> str:
    """A year (or a date's year) as the reader counts it."""
    if value is None or value == "":
        return ""
    number = value.year if isinstance(value, dt.date) else int(value)
    return str(shown_year(number, language=_language()))


def relative_time(value: dt.datetime | dt.date, now: dt.datetime | None = None) -> str:
    """``3 ชั่วโมงที่แล้ว`` / ``3 hours ago``; a date (no time) counts in days."""
    now = now or timezone.now()
    if not isinstance(value, dt.datetime):
        days = (timezone.localdate(now) - value).days
        if days == 0:
            return _("today")
        if days == 1:
            return _("yesterday")
        if days < 0:
            return ngettext("in %(n)d day", "in %(n)d days", -days) % {"n": -days}
        return _ago_days(days)
    seconds = int((now - value).total_seconds())
    if seconds < 0:
        minutes = max(1, -seconds // 60)
        if minutes < 60:
            return ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
        hours = minutes // 60
        if hours < 24:
            return ngettext("in %(n)d hour", "in %(n)d hours", hours) % {"n": hours}
        return ngettext("in %(n)d day", "in %(n)d days", hours // 24) % {"n": hours // 24}
    if seconds < 60:
        return _("just now")
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    return _ago_days(hours // 24)


def _ago_days(days: int) -> str:
    if days < 31:
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    if days < 365:
        months = days // 30
        return ngettext("%(n)d month ago", "%(n)d months ago", months) % {"n": months}
    years = days // 365
    return ngettext("%(n)d year ago", "%(n)d years ago", years) % {"n": years}


@register.simple_tag
def reltime(value: dt.datetime | dt.date | None) -> SafeString | str:
    """``<time datetime="…" title="6 ธ.ค. 2569 08:32">3 ชั่วโมงที่แล้ว</time>``: how long ago,
    with the full date and time (Asia/Bangkok, the reader's years) on hover."""
    if value is None:
        return ""
    with_time = isinstance(value, dt.datetime)
    full = format_date(value, language=_language(), with_time=with_time)
    machine = (
        timezone.localtime(value).isoformat(timespec="seconds")
        if isinstance(value, dt.datetime)
        else value.isoformat()
    )
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', machine, full, relative_time(value)
    )


@register.filter
def baht(satang: int | None) -> str:
    """An amount as the workspace shows money: ``฿1,050.00`` or ``฿1,050``."""
    return format_baht(satang)


# Kept for templates written before the workspace chose: the same format as ``baht``.
register.filter("baht0", baht)


@register.simple_tag
def bahtrange(low: int | None, high: int | None) -> str:
    """``฿10.50–฿20.00``: both ends in the same format."""
    return format_baht_range(low, high)


@register.filter
def percent(share: float | None) -> str:
    """A share 0–1 as a whole percent: ``72%``; an en dash when unknown."""
    if share is None or share == "":
        return "–"
    return f"{round(float(share) * 100):d}%"


@register.filter
def phone(e164: str) -> str:
    return format_phone_display(e164)


@register.simple_tag(takes_context=True)
def year_choice(context: Any) -> str:
    """The reader's year style, for the year switch: ``be`` or ``ce``."""
    return "be" if uses_buddhist_era(_language()) else "ce"
