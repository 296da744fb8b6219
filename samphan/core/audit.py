"""Writing the security audit log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from samphan.core import clientip
from samphan.core.models import AuditLog, User, Workspace


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, through the trusted proxies only (``samphan.core.clientip``)."""
    if request is None:
        return None
    return clientip.client_ip(request)


def audit_record(
    *,
    action: str,
    workspace: Workspace | None = None,
    actor: User | None = None,
    actor_label: str = "",
    target: str = "",
    ip: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        workspace=workspace,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label or (actor.email if actor is not None else ""),
        action=action,
        target=target[:254],
        ip=ip,
        data=data or {},
    )
