"""Showing survey figures with their uncertainty."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def fig(value: Any, digits: int = 1) -> str:
    """A number with ``digits`` decimals, or a dash."""
    if value is None:
        return "—"
    return number_format(round(float(value), int(digits)), decimal_pos=int(digits))


@register.filter
def ci(estimate: Any, digits: int = 1) -> str:
    """ "95% CI 12.0 to 50.0", or a note that there are too few answers."""
    if estimate is None or estimate.value is None:
        return _("no answers yet")
    if estimate.low is None or estimate.high is None:
        return _("too few answers for an interval")
    return _("95%% CI %(low)s to %(high)s") % {
        "low": fig(estimate.low, digits),
        "high": fig(estimate.high, digits),
    }


@register.filter
def pct(value: Any) -> str:
    if value is None:
        return "—"
    return f"{round(float(value))}%"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
