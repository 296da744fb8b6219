"""How the current request shows years and money.

Years are a member's own choice (``User.year_style``): Buddhist Era (พ.ศ.) or Common Era
(ค.ศ.), or "automatic", which is BE in Thai and CE in English. Money is the workspace's
choice (``Workspace.money_decimals``): ฿1,050.00 or ฿1,050. Like Django's
``translation.activate`` and ``timezone.activate``, the choice is activated once per request
(``core.middleware``) and read by the formatters (``format_date``, ``format_baht``), so every
page, fragment and export of that request shows the same years and amounts. This is a display
preference, not a tenant: data is still scoped by the actor passed explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.utils import translation

YEAR_AUTO = "auto"
YEAR_BE = "be"
YEAR_CE = "ce"


@dataclass(frozen=True)
class Display:
    year_style: str = YEAR_AUTO
    money_decimals: bool = True


_DEFAULT = Display()
_current: ContextVar[Display | None] = ContextVar("samphan_display", default=None)


def display_for(user: Any, workspace: Any) -> Display:
    """The display of ``user`` (a year style) in ``workspace`` (a money format); either may be
    None (anonymous, or no workspace yet)."""
    return Display(
        year_style=getattr(user, "year_style", YEAR_AUTO) or YEAR_AUTO,
        money_decimals=bool(getattr(workspace, "money_decimals", True)),
    )


@contextmanager
def display_override(display: Display) -> Iterator[None]:
    token = _current.set(display)
    try:
        yield
    finally:
        _current.reset(token)


def current_display() -> Display:
    return _current.get() or _DEFAULT


def uses_buddhist_era(language: str | None = None) -> bool:
    """Whether years shown now are BE: the member's choice, else BE in Thai only."""
    style = current_display().year_style
    if style == YEAR_BE:
        return True
    if style == YEAR_CE:
        return False
    return (language or translation.get_language() or "th").startswith("th")


def money_decimals() -> bool:
    return current_display().money_decimals
