"""Per-request language and workspace. The workspace is put on the request, and passed on
explicitly from there: there is no thread-local "current tenant"."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from samphan.core.access import actor_for_membership
from samphan.core.display import display_for, display_override
from samphan.core.models import Membership
from samphan.core.selectors import memberships_for_user

SESSION_WORKSPACE = "samphan_workspace_id"


class UserLanguageMiddleware:
    """Thai unless the user (or, before login, the language cookie) chose English.

    The browser's Accept-Language is deliberately ignored: Thai is the default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supported = {code for code, _ in settings.LANGUAGES}
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class WorkspaceMiddleware:
    """Resolve the member's current workspace into ``request.membership``/``request.actor``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.actor = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        workspace = None
        if user is not None and user.is_authenticated:
            membership = _current_membership(request)
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.actor = actor_for_membership(membership)  # type: ignore[attr-defined]
                workspace = membership.workspace
        # The member's years and the shop's money format, for every formatter in this request.
        with display_override(display_for(user, workspace)):
            return self.get_response(request)


def _current_membership(request: HttpRequest) -> Membership | None:
    memberships = memberships_for_user(request.user)  # type: ignore[arg-type]
    wanted = request.session.get(SESSION_WORKSPACE)
    membership = None
    if wanted is not None:
        membership = memberships.filter(workspace_id=wanted).first()
    if membership is None:
        membership = memberships.first()
        if membership is not None:
            request.session[SESSION_WORKSPACE] = membership.workspace_id
    return membership
