"""Errors users can act on: a stable code, a message in the user's language, details."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business error. ``status`` is the HTTP status the API maps it to."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.details = details or {}
        if status is not None:
            self.status = status


class NotFound(ApplicationError):
    status = 404


class PermissionDenied(ApplicationError):
    status = 403
