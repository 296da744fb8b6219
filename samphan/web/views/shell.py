"""Language and workspace switching (the controls in the top bar)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from samphan.core.middleware import SESSION_WORKSPACE
from samphan.core.models import User
from samphan.core.selectors import memberships_for_user
from samphan.core.services import user_set_language, user_set_year_style
from samphan.web.forms import LanguageForm, WorkspaceSwitchForm, YearStyleForm

ONE_YEAR = 365 * 24 * 60 * 60


def _safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch between ไทย and English: saved on the user and in the language cookie.

    The cookie makes the choice work before login (on the sign-in page) too.
    """
    form = LanguageForm(request.POST)
    fallback = request.META.get("HTTP_REFERER") or reverse("web:dashboard")
    if not form.is_valid():
        return HttpResponseRedirect(_safe_next(request, fallback, reverse("web:dashboard")))
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user = request.user
        assert isinstance(user, User)
        user_set_language(user=user, language=language)
    translation.activate(language)
    target = _safe_next(request, form.cleaned_data.get("next"), "")
    target = target or _safe_next(request, fallback, reverse("web:dashboard"))
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or ONE_YEAR,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_POST
@login_required
def set_years(request: HttpRequest) -> HttpResponse:
    """Buddhist Era (พ.ศ.) or Common Era (ค.ศ.) years for this member, everywhere."""
    form = YearStyleForm(request.POST)
    fallback = request.META.get("HTTP_REFERER") or reverse("web:dashboard")
    if form.is_valid():
        user = request.user
        assert isinstance(user, User)
        user_set_year_style(user=user, year_style=form.cleaned_data["years"])
    target = _safe_next(request, form.data.get("next"), "")
    return HttpResponseRedirect(target or _safe_next(request, fallback, reverse("web:dashboard")))


@require_POST
@login_required
def workspace_switch(request: HttpRequest) -> HttpResponse:
    """Make another of the user's workspaces the current one, after checking membership."""
    form = WorkspaceSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    user = request.user
    assert isinstance(user, User)
    workspace_id = form.cleaned_data["workspace"]
    if not memberships_for_user(user).filter(workspace_id=workspace_id).exists():
        raise Http404
    request.session[SESSION_WORKSPACE] = workspace_id
    return HttpResponseRedirect(reverse("web:dashboard"))
