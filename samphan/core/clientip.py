"""The client's IP address, for the login throttle and the audit log.

``X-Forwarded-For`` is a list anyone can start: each proxy appends the address it received the
request from. Only the last ``TRUSTED_PROXY_COUNT`` entries were written by proxies of our own,
so the client is the entry that many places from the end: behind nginx alone (1) the last one,
behind a CDN and nginx (2) the one before it. Everything to its left was sent by the client and
is ignored. With no trusted proxies (the default) the header is ignored altogether and the
socket's address (``REMOTE_ADDR``) is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = _clean(request.META.get("REMOTE_ADDR", ""))
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if not hops:
        return remote  # reached us without going through the proxies
    # Fewer entries than proxies: the request entered part-way along the chain, and every
    # entry was written by one of our proxies; the first is the client they saw.
    chosen = hops[-trusted] if len(hops) >= trusted else hops[0]
    return _clean(chosen) or remote


def _clean(value: str) -> str | None:
    """An IP address in canonical form, without a port; None if ``value`` is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
