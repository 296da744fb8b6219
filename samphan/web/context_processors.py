"""What every page's shell needs: actor, navigation, workspaces to switch to, languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from samphan.core.models import Membership, User
from samphan.core.selectors import memberships_for_user
from samphan.web.navigation import MAIN_NAV, SETTINGS_NAV, NavItem, is_current, visible


@dataclass(frozen=True)
class NavEntry:
    item: NavItem
    current: bool


def shell(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    match = getattr(request, "resolver_match", None)
    view_name = (match.view_name or "") if match is not None else ""
    nav = [NavEntry(item, is_current(item, view_name)) for item in visible(MAIN_NAV, actor)]
    settings_nav = [
        NavEntry(item, is_current(item, view_name)) for item in visible(SETTINGS_NAV, actor)
    ]
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
