"""The dashboard's figures, kept in the shared cache until something they count changes.

``dashboard_kpis`` runs 17 aggregate queries over the workspace's customers and orders (a
quarter of a second at 1,000,000 customers); the home page is opened far more often than the
figures change. So the figures are cached per workspace under a version that
``dashboard_figures_changed`` replaces, once the transaction commits, whenever an event that
changes them is published (``analytics.subscribers``): an order placed, refunded or changing
status, a customer created, merged, unmerged, erased or removed by retention. The key also
holds the workspace's local date and the entry lives ``DASHBOARD_CACHE_SECONDS`` (5 minutes),
so figures that move with the clock alone ("active in the last 90 days", this month) are at
most that old.

Only a cache that every server process shares can be told that the figures changed, so
caching is on by default only when one is configured (``CACHE_URL``, Redis in production);
with the embedded per-process memory cache the figures are computed on every visit.
Set ``SAMPHAN_DASHBOARD_CACHE_SECONDS`` (0: off) to choose.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

from samphan.analytics.kpis import DashboardKpis, _local_now, dashboard_kpis
from samphan.core.models import Workspace

logger = logging.getLogger(__name__)

DASHBOARD_CACHE_SECONDS = 300


def cache_seconds() -> int:
    chosen = getattr(settings, "SAMPHAN_DASHBOARD_CACHE_SECONDS", None)
    if chosen is not None:
        return max(int(chosen), 0)
    shared = not isinstance(caches["default"], LocMemCache | DummyCache)
    return DASHBOARD_CACHE_SECONDS if shared else 0


def _version_key(workspace_id: int) -> str:
    return f"samphan:dashboard:{workspace_id}:version"


def dashboard_figures(*, workspace: Workspace, now: dt.datetime | None = None) -> DashboardKpis:
    """``dashboard_kpis``, from the cache when nothing they count has changed since."""
    seconds = cache_seconds()
    if seconds == 0 or now is not None:
        return dashboard_kpis(workspace=workspace, now=now)
    try:
        version_key = _version_key(workspace.pk)
        version = cache.get(version_key)
        if version is None:
            version = uuid.uuid4().hex
            # add: two processes starting together agree on the first version
            if not cache.add(version_key, version, None):
                version = cache.get(version_key) or version
        day = _local_now(workspace, None).date().isoformat()
        key = f"samphan:dashboard:{workspace.pk}:{version}:{day}"
        figures = cache.get(key)
    except Exception:
        # An unreachable or read-only cache costs the figures' queries, not the page.
        logger.exception("dashboard cache unavailable")
        return dashboard_kpis(workspace=workspace)
    if isinstance(figures, DashboardKpis):
        return figures
    figures = dashboard_kpis(workspace=workspace)
    try:
        cache.set(key, figures, seconds)
    except Exception:
        logger.exception("dashboard cache unavailable")
    return figures


def dashboard_figures_changed(*, workspace_id: int) -> None:
    """Forget the workspace's cached figures once the current transaction commits (at once
    outside one). A figure read before the commit keeps its old version's key, which no one
    reads any more."""

    def forget() -> None:
        try:
            cache.set(_version_key(workspace_id), uuid.uuid4().hex, None)
        except Exception:
            # The change is committed; an unreachable cache must not fail it. Its entries
            # expire within DASHBOARD_CACHE_SECONDS.
            logger.exception("dashboard cache of workspace %s not invalidated", workspace_id)

    if cache_seconds():
        transaction.on_commit(forget)
