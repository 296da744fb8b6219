"""Checks on a request before any of it is parsed or any work is done: the body's size, a
multipart body's boundary, and NUL characters (which PostgreSQL can't store in text) anywhere in
the query string, the form or the JSON body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

from samphan.core.api_schema import SAFE_METHODS
from samphan.core.errors import ApplicationError

# A JSON body: a customer with every field at its longest is a few tens of kilobytes.
# Files go to /imports as multipart, which the upload limit governs instead.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Routes whose largest valid body is bigger: 100 Thai texts of 5,000 characters, each
# character escaped as \uXXXX by most JSON encoders (6 bytes), are about 3 MB.
LARGE_BODY_ROUTES = {"/api/v1/text/sentiment": 3_500_000}


def max_body_bytes(path: str = "") -> int:
    default = int(getattr(settings, "SAMPHAN_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))
    return max(default, LARGE_BODY_ROUTES.get(path.rstrip("/"), 0))


def request_check(request: HttpRequest) -> None:
    """Raise the ``ApplicationError`` that answers a request the API must not read."""
    content_type = request.content_type or ""
    multipart = content_type.startswith("multipart/")
    if multipart and not (request.content_params or {}).get("boundary"):
        raise ApplicationError(
            "invalid_multipart",
            _("The multipart body has no boundary: send Content-Type: multipart/form-data; "
              "boundary=… (HTTP libraries add it when you give them the form and files)."),
        )  # fmt: skip
    if request.method not in SAFE_METHODS and not multipart:
        _check_size(request)
    fields = [key for key, values in request.GET.lists() if _has_nul(key, *values)]
    if request.method not in SAFE_METHODS:
        if multipart or content_type == "application/x-www-form-urlencoded":
            fields += [key for key, values in request.POST.lists() if _has_nul(key, *values)]
        elif b"\\u0000" in request.body:
            fields += _json_nul_fields(request.body)
    if fields:
        raise ApplicationError(
            "nul_character",
            _("Remove the NUL character (\\0) from: %(fields)s.") % {"fields": ", ".join(fields)},
            {
                "fields": [
                    {"field": f, "message": _("contains a NUL character"), "type": "nul_character"}
                    for f in fields
                ]
            },
            status=422,
        )


def _check_size(request: HttpRequest) -> None:
    limit = max_body_bytes(request.path)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise ApplicationError(
            "request_too_large",
            _("The request body is %(size)s bytes; send at most %(limit)s bytes.")
            % {"size": length, "limit": limit},
            {"max_bytes": limit},
            status=413,
        )


def _has_nul(*texts: str) -> bool:
    return any("\x00" in text for text in texts)


def _json_nul_fields(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []  # the escape was inside something that isn't JSON: the parser answers that
    return sorted({path or "body" for path in _nul_paths(data, "")})


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                yield here.replace("\x00", "\\0")
            yield from _nul_paths(item, here.replace("\x00", "\\0"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{i}" if path else str(i))


class ObjectParser(Parser):
    """Every JSON body of this API is an object: a list or a bare value is refused (400
    invalid_json) rather than read as an empty object."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        return data
