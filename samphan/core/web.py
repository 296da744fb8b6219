"""What every app's pages share: the page guards (a logged-in member of the current workspace
with the right role) and showing a service error on a form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.roles import Perm

View = TypeVar("View", bound=Callable[..., HttpResponse])


def current_actor(request: HttpRequest) -> Actor:
    """The actor WorkspaceMiddleware put on the request (guaranteed by ``member_required``)."""
    actor = getattr(request, "actor", None)
    if actor is None:
        raise Http404
    return cast(Actor, actor)


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "403.html", {"message": message}, status=403)


def member_required(perm: Perm | None = None) -> Callable[[View], View]:
    """Require login, a workspace membership and (optionally) a role permission.

    A missing permission renders the 403 page in the user's language; a ``NotFound`` from a
    selector or service (including another workspace's object) becomes a 404. Other
    ``ApplicationError``s that a view does not handle itself are shown on an error page with
    their HTTP status.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor: Actor | None = getattr(request, "actor", None)
            if actor is None:
                return render(request, "web/no_workspace.html", status=403)
            try:
                if perm is not None:
                    require(actor, perm)
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                return forbidden(request, exc.message)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except ApplicationError as exc:
                return render(request, "web/error.html", {"error": exc}, status=exc.status)

        return cast(View, login_required(wrapper))

    return decorator


def add_application_error(form: forms.Form, exc: ApplicationError | ValidationError) -> None:
    """Show a service error on the form: on its field when the error names one."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
        else:
            form.add_error(None, exc)
        return
    name = exc.details.get("field")
    form.add_error(name if name in form.fields else None, exc.message)
