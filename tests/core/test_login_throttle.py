"""The failed-login throttle counts per account and per client IP; the client IP is read from
X-Forwarded-For only through the trusted proxies (TRUSTED_PROXY_COUNT), and the counts live in
the shared cache, so that every worker process sees them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from samphan.core.models import AuditLog, Membership
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("SAMPHAN_TEST_REDIS_URL", "")
PER_IP = 10  # "10/m/ip" in ACCOUNT_RATE_LIMITS
PER_ACCOUNT = 5  # "5/5m/key"


@pytest.fixture(autouse=True)
def _fresh_counts() -> Any:
    cache.clear()
    yield
    cache.clear()


def _attempt(email: str, password: str, *, remote: str, forwarded: str | None = None) -> bool:
    """One sign-in from a new browser; True if it got in."""
    client = Client(REMOTE_ADDR=remote)
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    client.post("/accounts/login/", {"login": email, "password": password}, headers=headers)
    return client.get("/").status_code == 200


def _fail_from(remote: str, forwarded: str | None, times: int = PER_IP) -> None:
    """Failed sign-ins to accounts that do not exist (so no account's own count is hit)."""
    for n in range(times):
        assert not _attempt(f"nobody{n}@shop.test", "wrong", remote=remote, forwarded=forwarded)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(owner_membership: Membership) -> None:
    email = owner_membership.user.email
    _fail_from("198.51.100.7", forwarded="203.0.113.5")
    # A made-up header does not give a fresh count: the socket's address is the client.
    assert not _attempt(email, PASSWORD, remote="198.51.100.7", forwarded="203.0.113.99")
    assert _attempt(email, PASSWORD, remote="198.51.100.8")


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_each_client_has_its_own_count(owner_membership: Membership) -> None:
    email, proxy = owner_membership.user.email, "10.0.0.1"
    _fail_from(proxy, forwarded="203.0.113.5")
    assert not _attempt(email, PASSWORD, remote=proxy, forwarded="203.0.113.5")
    # Before: everyone behind the proxy shared its bucket, so this was refused too.
    assert _attempt(email, PASSWORD, remote=proxy, forwarded="203.0.113.6")
    # The throttled client cannot escape by sending its own header: the proxy appends.
    assert not _attempt(email, PASSWORD, remote=proxy, forwarded="192.0.2.1, 203.0.113.5")
    login = AuditLog.objects.filter(action="auth.login").latest("pk")
    assert login.ip == "203.0.113.6"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_client_is_second_from_the_end(
    owner_membership: Membership,
) -> None:
    email, nginx, cdn = owner_membership.user.email, "10.0.0.2", "172.16.0.9"
    _fail_from(nginx, forwarded=f"203.0.113.5, {cdn}")
    assert not _attempt(email, PASSWORD, remote=nginx, forwarded=f"203.0.113.5, {cdn}")
    assert _attempt(email, PASSWORD, remote=nginx, forwarded=f"203.0.113.6, {cdn}")
    assert not _attempt(email, PASSWORD, remote=nginx, forwarded=f"192.0.2.1, 203.0.113.5, {cdn}")
    # Another edge of the CDN is the same client.
    assert not _attempt(email, PASSWORD, remote=nginx, forwarded="203.0.113.5, 172.16.0.10")
    # A header shorter than the chain (the request reached nginx directly) is no server error.
    assert _attempt(email, PASSWORD, remote=nginx, forwarded="203.0.113.7")
    assert AuditLog.objects.filter(action="auth.login").latest("pk").ip == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_an_account_is_throttled_whichever_ips_the_attempts_come_from(
    owner_membership: Membership,
) -> None:
    email = owner_membership.user.email
    for n in range(PER_ACCOUNT):
        assert not _attempt(email, "wrong", remote="10.0.0.1", forwarded=f"203.0.113.{n + 10}")
    assert not _attempt(email, PASSWORD, remote="10.0.0.1", forwarded="203.0.113.99")
    assert AuditLog.objects.filter(action="auth.login_failed", actor_label=email).count() == 5


def test_a_garbled_header_falls_back_to_the_socket_address(
    owner_membership: Membership, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    assert _attempt(owner_membership.user.email, PASSWORD, remote="10.0.0.1", forwarded="nonsense")
    assert AuditLog.objects.filter(action="auth.login").latest("pk").ip == "10.0.0.1"


@pytest.mark.redis
def test_counts_are_shared_between_processes_through_redis(
    owner_membership: Membership, tmp_path: Path
) -> None:
    """Failures counted in this process refuse the account in another one (another worker)."""
    skip = pytest.fail if os.environ.get("SAMPHAN_REQUIRE_REDIS") else pytest.skip
    if not REDIS:
        skip("set SAMPHAN_TEST_REDIS_URL to run against a real Redis")
    email = owner_membership.user.email
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
    with override_settings(CACHES={"default": redis_cache}):
        for n in range(PER_ACCOUNT):
            assert not _attempt(email, "wrong", remote=f"203.0.113.{n + 10}")
    other_worker = (
        "import django; django.setup()\n"
        "from allauth.account.adapter import get_adapter\n"
        "from django.core.exceptions import ValidationError\n"
        "from django.test import RequestFactory\n"
        "request = RequestFactory().post('/accounts/login/', REMOTE_ADDR='192.0.2.50')\n"
        "try:\n"
        f"    get_adapter(request).pre_authenticate(request, email={email!r})\n"
        "except ValidationError:\n"
        "    print('refused')\n"
        "else:\n"
        "    print('allowed')\n"
    )
    env = {**os.environ, "SAMPHAN_TESTING": "0", "SAMPHAN_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "samphan.settings", "CACHE_URL": REDIS}  # fmt: skip
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", other_worker], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.stdout.strip() == "refused", result.stdout + result.stderr
