"""Production settings pass Django's deployment checklist and refuse to start without a key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _check(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # The browser tests set the last one.
    dropped = {"SECRET_KEY", "DEBUG", "SAMPHAN_DEBUG", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        SAMPHAN_ENV="production",
        SAMPHAN_TESTING="0",
        ALLOWED_HOSTS="crm.example.com",
        SAMPHAN_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="samphan.settings",
        **env_extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing(tmp_path: Path) -> None:
    result = _check(
        {"SECRET_KEY": secrets.token_urlsafe(64), "CACHE_URL": "redis://redis.internal:6379/1"},
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_a_shared_cache(tmp_path: Path) -> None:
    """Each worker process would keep its own failed-login counts."""
    result = _check({"SECRET_KEY": secrets.token_urlsafe(64)}, tmp_path)
    assert result.returncode != 0
    assert "samphan.W001" in result.stderr + result.stdout
    assert "CACHE_URL" in result.stderr + result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    result = _check({}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _session_engine(env_extra: dict[str, str], tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    env.update(SAMPHAN_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="samphan.settings")
    env.update(env_extra)
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sessions_are_read_from_the_shared_cache_only(tmp_path: Path) -> None:
    """With CACHE_URL, a signed-in request reads its session from the cache (the database
    still written); a per-process cache would keep a signed-out session alive in other
    workers, so without it sessions stay in the database."""
    shared = _session_engine({"CACHE_URL": "redis://127.0.0.1:6379/1"}, tmp_path)
    assert shared == "django.contrib.sessions.backends.cached_db"
    assert _session_engine({}, tmp_path) == "django.contrib.sessions.backends.db"
