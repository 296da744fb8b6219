"""Email login, TOTP two-factor, password reset and failed-login throttling (django-allauth)."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.core.cache import cache
from django.test import Client

from samphan.core.models import AuditLog
from tests.conftest import PASSWORD


def _login(client: Client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_email_login_reaches_dashboard_and_is_audited(owner_membership) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    response = _login(client, owner_membership.user.email)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    login = AuditLog.objects.get(action="auth.login")
    assert login.actor == owner_membership.user and login.ip == "127.0.0.1"


def test_failed_logins_are_throttled_and_audited(owner_membership) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    client = Client()
    email = owner_membership.user.email
    for _ in range(5):
        assert _login(client, email, "wrong-password").status_code == 200
    # Even the right password is refused while the account is throttled.
    blocked = _login(client, email)
    assert blocked.status_code in (200, 429)
    assert client.get("/").status_code == 302  # still not logged in
    assert AuditLog.objects.filter(action="auth.login_failed", actor_label=email).count() >= 5
    cache.clear()


def test_totp_second_factor_is_required_once_enabled(owner_membership) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    user = owner_membership.user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = Client()
    response = _login(client, user.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate")
    assert client.get("/").status_code == 302  # not in yet
    counter = int(time.time()) // 30
    code = format_hotp_value(hotp_value(secret, counter))
    done = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert done.status_code == 302
    assert client.get("/").status_code == 200


def test_password_reset_sends_an_email_with_a_working_link(owner_membership) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": owner_membership.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(w for w in body.split() if "/accounts/password/reset/key/" in w)
    path = link.split("testserver", 1)[-1]
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    changed = client.post(
        form_url, {"password1": "new-strong-pass-2569", "password2": "new-strong-pass-2569"}
    )
    assert changed.status_code == 302
    owner_membership.user.refresh_from_db()
    assert owner_membership.user.check_password("new-strong-pass-2569")
