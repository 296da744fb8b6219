"""The e-mail a newly added member gets: a link to choose a password (allauth's reset flow)."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from samphan.core.models import User, Workspace


def password_set_url(request: HttpRequest, user: User) -> str:
    """An absolute allauth password-reset-from-key URL for ``user`` (valid like a reset link)."""
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    return str(get_adapter(request).get_reset_password_from_key_url(key))


def send_member_invite(
    *, request: HttpRequest, user: User, workspace: Workspace, invited_by: User | None
) -> None:
    """Tell a new member they were added and let them set a password, in their language."""
    context = {
        "user": user,
        "workspace": workspace,
        "invited_by": invited_by,
        "password_set_url": password_set_url(request, user),
        "login_url": request.build_absolute_uri(reverse("account_login")),
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("web/email/member_invite_subject.txt", context).strip()
        body = render_to_string("web/email/member_invite_message.txt", context)
    send_mail(subject, body, None, [user.email])
