from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    return {"actor": getattr(request, "actor", None), "membership": getattr(request, "membership", None)}
