"""Audit of authentication events. Recording only: no business logic lives here."""

from __future__ import annotations

from typing import Any

from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from samphan.core.audit import audit_record, client_ip


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, ip=client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, ip=client_ip(request))


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    label = str(credentials.get("email") or credentials.get("username") or "")
    audit_record(action="auth.login_failed", actor_label=label, ip=client_ip(request))


@receiver(authenticator_added)
def _mfa_added(sender: Any, request: HttpRequest, authenticator: Any, **kwargs: Any) -> None:
    audit_record(
        action="auth.mfa_added",
        actor=request.user if request.user.is_authenticated else None,
        target=str(authenticator.type),
        ip=client_ip(request),
    )


@receiver(authenticator_removed)
def _mfa_removed(sender: Any, request: HttpRequest, authenticator: Any, **kwargs: Any) -> None:
    audit_record(
        action="auth.mfa_removed",
        actor=request.user if request.user.is_authenticated else None,
        target=str(authenticator.type),
        ip=client_ip(request),
    )
