"""What the privacy pages share: the guard (owners and managers) and no-store."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, member_required

View = TypeVar("View", bound=Callable[..., HttpResponse])


def private_page(view: View) -> View:
    """A page for owners and managers (``privacy.manage``), never cached by a browser or a
    proxy (it shows personal data)."""

    guarded = member_required(Perm.PRIVACY_MANAGE)(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = guarded(request, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)
        return response

    return cast(View, wrapper)


def show_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """A service error on the form (model forms too), on its field when it names one."""
    add_application_error(cast(forms.Form, form), exc)
