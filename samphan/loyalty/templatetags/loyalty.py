"""Template filters for points: ``{{ n|points }}`` → ``1,250``, ``{{ n|signed }}`` → ``+40``."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def points(value: int | None) -> str:
    return f"{int(value or 0):,}"


@register.filter
def signed(value: int | None) -> str:
    n = int(value or 0)
    return f"+{n:,}" if n > 0 else (f"−{-n:,}" if n < 0 else "0")
