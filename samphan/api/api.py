"""The versioned REST API: /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from samphan.commerce.api import router as commerce_router
from samphan.core.api import router as core_router
from samphan.core.api_auth import ApiKeyBearerAuth, ApiKeyHeaderAuth
from samphan.core.errors import ApplicationError
from samphan.customers.api import router as customers_router
from samphan.customers.api_merge import router as merge_router
from samphan.customers.api_profile import router as profile_router
from samphan.imports.api import router as imports_router
from samphan.segments.api import router as segments_router

api = NinjaAPI(
    title="Samphan API",
    version="1.0.0",
    description=(
        "Customer relationships for Thai shops. Authenticate with a workspace API key "
        "(Settings → API keys) in the `X-API-Key` header or as `Authorization: Bearer <key>`. "
        'Errors are `{"error": {"code", "message", "details"}}`.'
    ),
    auth=[ApiKeyHeaderAuth(), ApiKeyBearerAuth()],
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


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields.append({"field": ".".join(loc), "message": err.get("msg", ""), "type": err["type"]})
    return _error(
        request,
        422,
        "validation_error",
        _("Some fields are invalid: %(fields)s")
        % {"fields": ", ".join(f["field"] for f in fields)},
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
    code = "not_found" if exc.status_code == 404 else "http_error"
    return _error(request, exc.status_code, code, str(exc))


api.add_router("/", core_router)
api.add_router("/", commerce_router)
api.add_router("/", customers_router)
api.add_router("/", profile_router)
api.add_router("/", merge_router)
api.add_router("/", imports_router)
api.add_router("/", segments_router)
