"""The versioned REST API: /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from samphan.api.guards import ObjectParser, max_body_bytes, request_check
from samphan.automations.api import router as automations_router
from samphan.commerce.api import router as commerce_router
from samphan.core.api import router as core_router
from samphan.core.api_auth import ApiKeyBearerAuth, ApiKeyHeaderAuth
from samphan.core.errors import ApplicationError
from samphan.customers.api import router as customers_router
from samphan.customers.api_merge import router as merge_router
from samphan.customers.api_profile import router as profile_router
from samphan.feedback.api import router as feedback_router
from samphan.imports.api import router as imports_router
from samphan.loyalty.api import router as loyalty_router
from samphan.loyalty.coupons.api import router as coupons_router
from samphan.messaging.api import router as messaging_router

# Also adds DELETE /customers/{id} (405, pointing to erase) to the customers router.
from samphan.privacy.api import router as privacy_router
from samphan.segments.api import router as segments_router
from samphan.service.api import router as service_router
from samphan.service.sla.api import router as sla_router
from samphan.text.api import router as text_router

api = NinjaAPI(
    title="Samphan API",
    version="1.0.0",
    description=(
        "Customer relationships for Thai shops. Authenticate with a workspace API key "
        "(Settings → API keys) in the `X-API-Key` header or as `Authorization: Bearer <key>`. "
        'Errors are `{"error": {"code", "message", "details"}}`.'
    ),
    auth=[ApiKeyHeaderAuth(), ApiKeyBearerAuth()],
    parser=ObjectParser(),
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: dict | None = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return api.create_response(request, body, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.details)


_PARAM_SOURCES = ("body", "payload", "query", "path", "form", "file")


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in _PARAM_SOURCES]
        fields.append({"field": ".".join(loc), "message": err.get("msg", ""), "type": err["type"]})
    return _error(
        request,
        422,
        "validation_error",
        _("Some fields are invalid: %(fields)s")
        % {"fields": "; ".join(f"{f['field'] or 'body'}: {f['message']}" for f in fields)},
        {"fields": fields},
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "unauthorized",
        _("Send a valid API key in the X-API-Key header (Settings → API keys)."),
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return _error(
            request,
            400,
            "invalid_json",
            _("The body is not a JSON object: send one, with Content-Type: application/json."),
        )
    code = "not_found" if exc.status_code == 404 else "http_error"
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(MultiPartParserError)
def _multipart_error(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _error(
        request,
        400,
        "invalid_multipart",
        _("The multipart body could not be read (%(reason)s): send it as multipart/form-data "
          "with its boundary.") % {"reason": exc},
    )  # fmt: skip


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = max_body_bytes(request.path)
    return _error(
        request,
        413,
        "request_too_large",
        _("The request body is too large; send at most %(limit)s bytes.") % {"limit": limit},
        {"max_bytes": limit},
    )


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Too many fields or files in a form, a malformed header: Django's own 400, as JSON.
    return _error(
        request,
        400,
        "bad_request",
        _("The request could not be read: %(reason)s") % {"reason": exc},
    )


_safety_net = logging.getLogger("samphan.api.safety_net")


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def _out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value the schema let through but the database or the date arithmetic could not take.
    Schemas bound every input (core/api_schema.py), so this is a gap in them: logged as such."""
    _safety_net.warning(
        "%s %s: out-of-range value reached the database", request.method, request.path,
        exc_info=exc,
    )  # fmt: skip
    return _error(
        request,
        422,
        "value_out_of_range",
        _("A value is too large, too small or too long to be stored: check numbers, dates "
          "and the length of texts."),
    )  # fmt: skip


def _guarded(run: Callable[..., Any]) -> Callable[..., Any]:
    """Every operation checks the raw request (size, multipart boundary, NUL characters) before
    authentication and parsing (api/guards.py)."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            request_check(request)
        except Exception as exc:  # answered by the handlers above, like any operation's error
            return api.on_exception(request, exc)
        return run(request, *args, **kwargs)

    return wrapper


api.add_decorator(_guarded, mode="view")


api.add_router("/", core_router)
api.add_router("/", commerce_router)
api.add_router("/", customers_router)
api.add_router("/", profile_router)
api.add_router("/", merge_router)
api.add_router("/", imports_router)
api.add_router("/", segments_router)
api.add_router("/", privacy_router)
api.add_router("/", loyalty_router)
api.add_router("/", coupons_router)
api.add_router("/", messaging_router)
api.add_router("/", sla_router)
api.add_router("/", service_router)
api.add_router("/", feedback_router)
api.add_router("/", text_router)
api.add_router("/", automations_router)
