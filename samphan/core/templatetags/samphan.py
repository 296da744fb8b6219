"""Template helpers: Thai/BE dates, baht, phones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import translation

from samphan.core.money import format_baht
from samphan.core.thai.dates import format_date
from samphan.core.thai.phone import format_phone_display

register = template.Library()


def _buddhist_era(context: Any) -> bool:
    request = context.get("request")
    workspace = getattr(getattr(request, "actor", None), "workspace", None)
    return True if workspace is None else bool(workspace.buddhist_era)


@register.simple_tag(takes_context=True)
def thaidate(context: Any, value: dt.date | dt.datetime | None, with_time: bool = False) -> str:
    return format_date(
        value,
        language=translation.get_language() or "th",
        buddhist_era=_buddhist_era(context),
        with_time=with_time,
    )


@register.filter
def baht(satang: int | None) -> str:
    return format_baht(satang)


@register.filter
def baht0(satang: int | None) -> str:
    return format_baht(satang, decimals=False)


@register.filter
def phone(e164: str) -> str:
    return format_phone_display(e164)
