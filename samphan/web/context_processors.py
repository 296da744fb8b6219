"""What every page's shell needs: actor, navigation, workspaces to switch to, languages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from samphan.core.models import Membership, User
from samphan.core.selectors import memberships_for_user
from samphan.web.navigation import MAIN_NAV, SETTINGS_NAV, NavItem, is_current, visible


@dataclass(frozen=True)
class NavEntry:
    item: NavItem
    current: bool
    href: str


@lru_cache(maxsize=256)
def _href(script_prefix: str, url_name: str) -> str:
    """A menu item's address: the same on every page, so reversed once per process (and per
    script prefix, which ``reverse`` puts in front)."""
    return reverse(url_name)


def _entries(items: list[NavItem], view_name: str) -> list[NavEntry]:
    prefix = get_script_prefix()
    return [NavEntry(i, is_current(i, view_name), _href(prefix, i.url_name)) for i in items]


def shell(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    match = getattr(request, "resolver_match", None)
    view_name = (match.view_name or "") if match is not None else ""
    nav = _entries(visible(MAIN_NAV, actor), view_name)
    settings_nav = _entries(visible(SETTINGS_NAV, actor), view_name)
    user = getattr(request, "user", None)

    def switchable_memberships() -> list[Membership]:
        if not isinstance(user, User):
            return []
        loaded = getattr(request, "memberships", None)  # WorkspaceMiddleware's, this request's
        return list(loaded) if loaded is not None else list(memberships_for_user(user))

    return {
        "actor": actor,
        "membership": getattr(request, "membership", None),
        "nav": nav,
        "nav_primary": [entry for entry in nav if entry.item.primary],
        "settings_nav": settings_nav,
        # A callable: the template evaluates it only when the shell renders the switcher.
        "switchable_memberships": switchable_memberships,
        "samphan_languages": settings.LANGUAGES,
    }
