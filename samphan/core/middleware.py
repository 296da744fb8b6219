"""Per-request language and workspace, and the limits and headers every answer gets.

The workspace is put on the request, and passed on explicitly from there: there is no
thread-local "current tenant". Limits come before work: an overloaded server sheds a request
before anything else, an oversized body is refused before it is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from samphan.core import serving
from samphan.core.access import actor_for_membership
from samphan.core.display import display_for, display_override
from samphan.core.mfa import mfa_setup_missing
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
    # All of the member's shops at once (a person belongs to a few): the shell's workspace
    # switcher and the two-step sign-in check read this list instead of asking again.
    memberships = list(memberships_for_user(request.user))  # type: ignore[arg-type]
    for m in memberships:
        m.user = request.user  # type: ignore[assignment]  # the one signed in: not read again
    request.memberships = memberships  # type: ignore[attr-defined]
    wanted = request.session.get(SESSION_WORKSPACE)
    membership = None
    if wanted is not None:
        membership = next((m for m in memberships if m.workspace_id == wanted), None)
    if membership is None and memberships:
        membership = memberships[0]
        request.session[SESSION_WORKSPACE] = membership.workspace_id
    return membership


# --- limits before work --------------------------------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(status: int, code: str, message: str, details: dict[str, object]) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return _sized(
        HttpResponse(
            json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
        )
    )


def _sized(response: HttpResponse) -> HttpResponse:
    """An early answer skips CommonMiddleware, which would have said how long it is."""
    response["Content-Length"] = str(len(response.content))
    return response


@cache
def _page(template: str, limit_mb: int = 0) -> str:
    """A Thai and English page, rendered once per process (no request, no database)."""
    return render_to_string(template, {"limit_mb": limit_mb})


class LoadSheddingMiddleware:
    """503 + Retry-After for a request that waited too long for a thread (``core.serving``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.SAMPHAN_SHED_AFTER_SECONDS
        waited = serving.queue_wait()
        if limit > 0 and waited is not None and waited > limit:
            return self.overloaded(request)
        return self.get_response(request)

    @staticmethod
    def overloaded(request: HttpRequest) -> HttpResponse:
        retry = str(settings.SAMPHAN_SHED_RETRY_AFTER)
        if _is_api(request):
            response = _api_error(
                503,
                "overloaded",
                gettext("The server is busy; try again in a few seconds (Retry-After)."),
                {"retry_after": int(retry)},
            )
        else:
            response = _sized(HttpResponse(_page("503.html"), status=503))
        response["Retry-After"] = retry
        response["Cache-Control"] = "no-store"
        return response


class RequestSizeLimitMiddleware:
    """413 for a body over ``SAMPHAN_MAX_UPLOAD_BYTES``, from its Content-Length, before a
    byte of it is read (Django reads no more than Content-Length says, so it cannot lie
    upwards). The connection is closed after it, so that the server does not read the rest
    either (``core.serving``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.SAMPHAN_MAX_UPLOAD_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body without a valid length
        if length > limit:
            return self.too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def too_large(request: HttpRequest, limit: int) -> HttpResponse:
        limit_mb = limit // (1024 * 1024)
        if _is_api(request):
            response = _api_error(
                413,
                "request_too_large",
                gettext(
                    "The request body is larger than %(mb)s MB (%(bytes)s bytes); split the "
                    "file into smaller ones."
                )
                % {"mb": limit_mb, "bytes": limit},
                {"max_bytes": limit},
            )
        else:
            response = _sized(HttpResponse(_page("413.html", limit_mb), status=413))
        serving.close_after_response()
        response["Cache-Control"] = "no-store"
        return response


# --- headers ---------------------------------------------------------------------------------

# Scripts only from our own files: no inline <script>, no on…= attributes, no eval (htmx's
# hx-on and js: values are not used). Styles allow style="" attributes (bar widths, heat-map
# levels); images allow data: (the TOTP QR code).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_POWERFUL = (
    "accelerometer",
    "camera",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
    "browsing-topics",
)


def permissions_policy(*, allow: frozenset[str] = frozenset()) -> str:
    """Every powerful feature off, but those in ``allow`` for this site itself (the counter
    screen's camera)."""
    return ", ".join(f"{f}=(self)" if f in allow else f"{f}=()" for f in _POWERFUL)


PERMISSIONS_POLICY = permissions_policy()


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every page; ``Cache-Control:
    no-store`` on every answer Django makes (pages, fragments, exports, the API), as nearly
    all of them show personal data. Static files (WhiteNoise, before this) stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response["Cache-Control"] = "no-store"
        return response


# --- required two-step sign-in -------------------------------------------------------------

# Reachable before two-step sign-in is set up: allauth's pages (setting it up, signing out,
# the password) and the language switch.
_MFA_SETUP_OPEN = ("/accounts/", "/language/", "/static/")


class RequiredMfaMiddleware:
    """A member whose shop requires two-step sign-in of their role, and who has not set it up,
    is sent to set it up before anything else (``samphan.core.mfa``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        request.mfa_setup_required = False  # type: ignore[attr-defined]
        if user is None or not user.is_authenticated or _is_api(request):
            return self.get_response(request)
        if not mfa_setup_missing(user, memberships=getattr(request, "memberships", None)):
            return self.get_response(request)
        request.mfa_setup_required = True  # type: ignore[attr-defined]
        if request.path_info.startswith(_MFA_SETUP_OPEN):
            return self.get_response(request)
        target = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
