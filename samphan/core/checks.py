"""Samphan's own deployment checks (``samphan check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Caches whose entries one process (or one machine) cannot see from another.
_UNSHARED_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, Tags.caches, deploy=True)
def shared_cache_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Production needs a cache every worker shares: the failed-login throttle counts there."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in _UNSHARED_CACHES:
        return []
    return [
        Warning(
            "Production runs without a shared cache: each worker process keeps its own "
            "failed-login counts, so the login throttle can be bypassed by spreading "
            "attempts over the workers.",
            hint="Set CACHE_URL to a Redis that every web process uses, e.g. "
            "CACHE_URL=redis://redis.internal:6379/1.",
            id="samphan.W001",
        )
    ]
