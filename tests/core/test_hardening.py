"""Limits before work and the headers every answer gets: request size, load shedding,
Content-Security-Policy, Permissions-Policy, no-store, debug pages off, branded error pages."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from samphan.core import serving
from samphan.core.middleware import LoadSheddingMiddleware, RequestSizeLimitMiddleware
from samphan.imports.models import ImportJob

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


# --- request size ------------------------------------------------------------------------------


class _Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read  # type: ignore[assignment]


def test_the_default_upload_limit_is_20_mb(settings: Any) -> None:
    assert settings.SAMPHAN_MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_an_oversized_body_is_refused_before_it_is_read() -> None:
    calls: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        return HttpResponse()

    request = RequestFactory().generic("POST", "/imports/new/", b"")
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request.META["wsgi.input"] = _Unreadable()
    request._stream = _Unreadable()  # type: ignore[attr-defined]
    response = RequestSizeLimitMiddleware(view)(request)
    assert response.status_code == 413
    assert calls == []
    assert serving.must_close()  # the server closes the connection instead of reading on
    assert "ไฟล์ใหญ่เกินไป" in response.content.decode()
    assert "20 MB" in response.content.decode()


@override_settings(SAMPHAN_MAX_UPLOAD_BYTES=4096)
def test_a_page_upload_over_the_limit_is_a_clear_413(owner_client: Client) -> None:
    big = io.BytesIO(b"name,phone\n" + b"x,0812345678\n" * 1000)
    big.name = "c.csv"
    response = owner_client.post("/imports/new/", {"kind": "customers", "file": big})
    assert response.status_code == 413
    text = response.content.decode()
    assert "File too large" in text and "ไฟล์ใหญ่เกินไป" in text
    assert not ImportJob.objects.exists()


@override_settings(SAMPHAN_MAX_UPLOAD_BYTES=4096)
def test_an_api_upload_over_the_limit_is_a_json_413(api_rw: Any) -> None:
    big = io.BytesIO(b"name,phone\n" + b"x,0812345678\n" * 1000)
    big.name = "c.csv"
    response = api_rw.client.post(
        "/api/v1/imports", {"kind": "customers", "file": big}, headers=api_rw.headers
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert error["details"]["max_bytes"] == 4096
    assert not ImportJob.objects.exists()


@override_settings(SAMPHAN_MAX_UPLOAD_BYTES=4096)
def test_a_body_within_the_limit_goes_through(owner_client: Client) -> None:
    response = owner_client.post("/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302


# --- load shedding -----------------------------------------------------------------------------


def _through_shedding(path: str, waited: float | None) -> HttpResponse:
    served: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        served.append(request.path)
        return HttpResponse("ok")

    serving.request_started(queue_wait=waited)
    try:
        response = LoadSheddingMiddleware(view)(RequestFactory().get(path))
    finally:
        serving.request_started(queue_wait=None)
    assert (response.status_code == 200) == bool(served)
    return response


@override_settings(SAMPHAN_SHED_AFTER_SECONDS=5, SAMPHAN_SHED_RETRY_AFTER=7)
def test_a_request_that_queued_too_long_is_shed_with_retry_after() -> None:
    assert _through_shedding("/customers/", 1.0).status_code == 200
    assert _through_shedding("/customers/", None).status_code == 200  # server did not say
    page = _through_shedding("/customers/", 6.0)
    assert page.status_code == 503 and page["Retry-After"] == "7"
    assert "ระบบกำลังยุ่ง" in page.content.decode()
    api = _through_shedding("/api/v1/customers", 6.0)
    assert api.status_code == 503 and api["Retry-After"] == "7"
    assert json.loads(api.content)["error"]["code"] == "overloaded"


@override_settings(SAMPHAN_SHED_AFTER_SECONDS=0)
def test_shedding_can_be_switched_off() -> None:
    assert _through_shedding("/customers/", 60.0).status_code == 200


# --- headers -----------------------------------------------------------------------------------


def _script_sources(csp: str) -> str:
    return next(d for d in csp.split(";") if d.strip().startswith("script-src"))


def test_pages_have_a_strict_csp_permissions_policy_and_no_store(owner_client: Client) -> None:
    for path in ("/", "/customers/", "/settings/members/", "/accounts/login/", "/nope/"):
        response = owner_client.get(path)
        csp = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in _script_sources(csp), path
        assert "'unsafe-eval'" not in _script_sources(csp), path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]
        assert response["Cache-Control"] == "no-store", path


def test_api_answers_are_not_stored(api_rw: Any) -> None:
    response = api_rw.get("/api/v1/customers")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(client: Client) -> None:
    response = client.get("/static/samphan/app.js")
    assert response.status_code == 200
    assert response.get("Cache-Control") != "no-store"


_TEMPLATES = sorted((ROOT / "samphan").glob("**/templates/**/*.html"))
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
_HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=\s*["']""", re.I)


@pytest.mark.parametrize("template", _TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_scripts_or_handlers(template: Path) -> None:
    """The CSP refuses inline scripts, so none may be written: behaviour lives in static JS
    (data- attributes handled by samphan/app.js); JSON data blocks are fine."""
    text = template.read_text()
    assert not _INLINE_SCRIPT.search(text), _INLINE_SCRIPT.search(text)
    assert not _HANDLER.search(text), _HANDLER.search(text)
    assert "javascript:" not in text


# --- debug off, branded error pages ------------------------------------------------------------


def _settings_value(expr: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in {"SAMPHAN_DEBUG", "DEBUG"}}
    environ.update(SAMPHAN_TESTING="0", DJANGO_SETTINGS_MODULE="samphan.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print({expr})"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    """The demo and `samphan serve` run with these settings: no debug pages by default."""
    data = str(tmp_path)
    assert _settings_value("settings.DEBUG", SAMPHAN_DATA_DIR=data) == "False"
    assert _settings_value("settings.DEBUG", SAMPHAN_DATA_DIR=data, DEBUG="1") == "False"
    assert _settings_value("settings.DEBUG", SAMPHAN_DATA_DIR=data, SAMPHAN_DEBUG="1") == "True"


def test_the_404_page_is_branded_and_lists_no_urls(client: Client, owner_client: Client) -> None:
    anonymous = client.get("/no-such-page/")
    assert anonymous.status_code == 404
    text = anonymous.content.decode()
    assert "ไม่พบหน้านี้" in text and "Page not found" in text
    assert "URLconf" not in text and "api/v1/" not in text
    assert owner_client.post("/language/", {"language": "en", "next": "/"}).status_code == 302
    english = owner_client.get("/customers/999999999/").content.decode()
    assert "Page not found" in english and "ไม่พบหน้านี้" in english
    assert "Back to the dashboard" in english


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns: list[Any] = []


def test_the_500_page_is_branded_in_thai_and_english() -> None:
    from django.urls import path

    from samphan.urls import urlpatterns as real

    urlpatterns[:] = [path("boom/", boom), *real]
    with override_settings(ROOT_URLCONF=__name__):
        response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "เกิดข้อผิดพลาดในระบบ" in text and "Server error" in text
    assert "RuntimeError" not in text and "Traceback" not in text
