from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samphan.core import clientip


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed by default: an owner invites members from Settings."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_ALLOW_REGISTRATION)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The login throttle's per-IP key: X-Forwarded-For only through the trusted proxies
        (allauth's own reading refuses a header shorter than the proxy count with a 500)."""
        ip = clientip.client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class MfaAdapter(DefaultMFAAdapter):
    """A member whose shop requires two-step sign-in cannot remove their last second step."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your shop requires two-step sign-in for your role, so it cannot be turned off."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        from samphan.core.mfa import SECOND_FACTORS, mfa_required

        if authenticator.type not in SECOND_FACTORS:
            return super().can_delete_authenticator(authenticator)
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTORS
        ).exclude(pk=authenticator.pk)
        if others.exists() or not mfa_required(authenticator.user):
            return super().can_delete_authenticator(authenticator)
        return False
