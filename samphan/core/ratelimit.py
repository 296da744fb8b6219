"""A fixed-window counter in the shared cache: how the public pages (the loyalty sign-up
poster, survey links) limit requests per address and per shop. The cache must be shared by
every worker in production (``CACHE_URL``; ``check --deploy`` warns without it)."""

from __future__ import annotations

from django.core.cache import cache

# (requests, seconds): at most that many in each window.
Limit = tuple[int, int]


def rate_allowed(key: str, limit: Limit) -> bool:
    """Count one request under ``key``; False once the window's ``limit`` is used up."""
    count, seconds = limit
    cache.add(key, 0, seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        used = 1
    return used <= count
