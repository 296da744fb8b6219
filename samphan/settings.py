"""Samphan settings: everything from the environment, with embedded-mode defaults.

Embedded mode (the default) needs no services: SQLite under the data dir and Celery tasks
run in-process. Production (``SAMPHAN_ENV=production``) requires a real ``SECRET_KEY`` and turns
on the HTTPS hardening that ``manage.py check --deploy`` asks for.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

SAMPHAN_ENV = env.str("SAMPHAN_ENV", default="development")
PRODUCTION = SAMPHAN_ENV == "production"
TESTING = env.bool("SAMPHAN_TESTING", default="pytest" in sys.modules)

DATA_DIR = Path(env.str("SAMPHAN_DATA_DIR", default=str(BASE_DIR.parent / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Production must bring its own key; the demo generates one once and keeps it."""
    if PRODUCTION:
        return env.str("SECRET_KEY")
    if "SECRET_KEY" in env:
        return env.str("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Django's debug pages list every URL and setting: off unless asked for, also in the demo.
DEBUG = env.bool("SAMPHAN_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before allauth, so that its pages use Samphan's templates.
    "samphan.web",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "ninja",
    "samphan.core",
    "samphan.timeline",
    "samphan.customers",
    "samphan.commerce",
    "samphan.imports",
    "samphan.analytics",
    "samphan.segments",
    "samphan.privacy",
    "samphan.loyalty",
    "samphan.loyalty.coupons",
    "samphan.messaging",
    "samphan.service",
    "samphan.service.sla",
    "samphan.feedback",
    "samphan.text",
    "samphan.automations",
    "samphan.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body or touches the database: refusing is cheap.
    "samphan.core.middleware.LoadSheddingMiddleware",
    "samphan.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "samphan.core.middleware.UserLanguageMiddleware",
    "samphan.core.middleware.WorkspaceMiddleware",
    "samphan.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "samphan.core.middleware.RequiredMfaMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "samphan.urls"
WSGI_APPLICATION = "samphan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "samphan.web.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'samphan.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and an import task share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    if TESTING:
        # One test database per test run, so that several runs on one server do not collide.
        DATABASES["default"]["TEST"] = {"NAME": f"test_samphan_{os.getpid()}"}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ALLOW_REGISTRATION = env.bool("SAMPHAN_ALLOW_SIGNUP", default=False)
ACCOUNT_ADAPTER = "samphan.core.adapters.AccountAdapter"
MFA_ADAPTER = "samphan.core.adapters.MfaAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Failed-login throttling: allauth's own rate limits, per client IP and per account (the e-mail
# typed), counted in the shared cache (CACHE_URL) so that every worker process sees every attempt.
# The client IP is REMOTE_ADDR, or the address the trusted proxies saw: X-Forwarded-For is
# read only through TRUSTED_PROXY_COUNT proxies of our own (0: it is ignored, as anyone can send
# it). Behind nginx alone, 1; behind a CDN and nginx, 2 (samphan.core.clientip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("SAMPHAN_LOGIN_FAILED_LIMIT", default="10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Samphan"

LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Embedded mode serves assets straight from the apps, so the demo needs no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"

# A per-process memory cache unless CACHE_URL is set (redis://… in production: the login
# throttle's counters must be shared by every worker; `check --deploy` warns without it).
CACHES = {
    "default": env.cache("CACHE_URL", default="locmem://samphan")
    if "CACHE_URL" in env
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Sessions are read on every signed-in request: from the shared cache when there is one (the
# database stays the record, written through), from the database otherwise. A per-process
# cache can't hold them: a sign-out in one worker would leave the session alive in another.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if "CACHE_URL" in env
    else "django.contrib.sessions.backends.db"
)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Samphan <no-reply@samphan.local>")

# Celery: an unset broker means eager, in-process execution (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# `samphan worker --beat` runs these; in embedded mode there is no scheduler ("Recompute now").
CELERY_BEAT_SCHEDULE = {
    # Journeys whose wait is over (automations).
    "automations-runs-due-every-minute": {
        "task": "automations.runs_due",
        "schedule": 60.0,
    },
    # Birthdays, no purchase for N days, P(alive) below x: once per occasion, so hourly is safe.
    "automations-sweep-hourly": {
        "task": "automations.runs_sweep",
        "schedule": crontab(minute=5),
    },
    # Imports whose worker stopped (no heartbeat for a minute) are marked failed.
    "imports-reap-every-30s": {
        "task": "imports.import_jobs_reap",
        "schedule": 30.0,
    },
    # Purchase summaries and lifecycle stages (time alone makes customers at risk or lapsed).
    "commerce-summaries-nightly": {
        "task": "commerce.customer_summaries_refresh_all",
        "schedule": crontab(hour=1, minute=30),
    },
    "analytics-nightly": {
        "task": "analytics.recompute_all",
        "schedule": crontab(hour=2, minute=30),
    },
    "customers-duplicates-nightly": {
        "task": "customers.duplicates_scan_all",
        "schedule": crontab(hour=2, minute=0),
    },
    # PDPA: retention policies that were switched on after their dry run; breach reminders.
    "privacy-retention-nightly": {
        "task": "privacy.retention_run_all",
        "schedule": crontab(hour=3, minute=30),
    },
    "privacy-breach-reminders-hourly": {
        "task": "privacy.breach_reminders",
        "schedule": crontab(minute=5),
    },
    # Loyalty: pending points released, points expired (they expire at midnight, Bangkok),
    # points.expiring 30 days ahead, birthday bonuses.
    "loyalty-nightly": {
        "task": "loyalty.nightly_all",
        "schedule": crontab(hour=0, minute=15),
    },
    # Campaigns: scheduled ones whose time came; rows of a worker that died mid-send.
    "messaging-campaigns-every-minute": {
        "task": "messaging.campaigns_due",
        "schedule": 60.0,
    },
    # Service desk: tickets past their SLA targets marked, and escalated to a manager while
    # the shop is open (a breach at night is escalated at the next opening).
    "service-escalate-every-5-min": {
        "task": "service.escalate_all",
        "schedule": 300.0,
    },
}

# Bodies Django reads into memory: the API checks its own, smaller limits per route first
# (samphan/api/guards.py); the largest (text sentiment) is 3.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 4_000_000

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

NINJA_PAGINATION_PER_PAGE = 50

# Limits before work. A request body larger than this is answered 413 before it is read (pages
# and API); uploads are the only large bodies.
SAMPHAN_MAX_UPLOAD_BYTES = env.int("SAMPHAN_MAX_UPLOAD_MB", default=20) * 1024 * 1024
# An XLSX file is a ZIP: what it may unpack to, and the rows a sheet or CSV
# file may have (Excel's own maximum is 1,048,576), checked while the file is read.
SAMPHAN_IMPORT_MAX_UNPACKED_BYTES = (
    env.int("SAMPHAN_IMPORT_MAX_UNPACKED_MB", default=300) * 1024 * 1024
)
SAMPHAN_IMPORT_MAX_ROWS = env.int("SAMPHAN_IMPORT_MAX_ROWS", default=1_048_576)
# Load shedding (samphan serve): a request that waited longer than this for a free thread is
# answered 503 with Retry-After at once, so that a queue under overload cannot grow without
# bound (0 turns it off).
SAMPHAN_SHED_AFTER_SECONDS = env.float("SAMPHAN_SHED_AFTER_SECONDS", default=5.0)
SAMPHAN_SHED_RETRY_AFTER = env.int("SAMPHAN_SHED_RETRY_AFTER", default=5)

# LINE Messaging API (samphan.messaging): its address (tests and benchmarks point it at a local
# stub), the retries of a push or multicast on 429/5xx (exponential from this base, seconds), and
# the largest webhook body read (LINE's are a few KB).
SAMPHAN_LINE_API_URL = env.str("SAMPHAN_LINE_API_URL", default="https://api.line.me")
SAMPHAN_LINE_RETRY_BASE_SECONDS = env.float("SAMPHAN_LINE_RETRY_BASE_SECONDS", default=0.5)
SAMPHAN_LINE_RETRY_ATTEMPTS = env.int("SAMPHAN_LINE_RETRY_ATTEMPTS", default=5)
SAMPHAN_LINE_WEBHOOK_MAX_BYTES = env.int("SAMPHAN_LINE_WEBHOOK_MAX_BYTES", default=1024 * 1024)
# SMS through an HTTP gateway (samphan.messaging.channels.sms): its URL, credentials (HTTP basic)
# and the sender name shown on phones (at most 11 letters or digits). No URL: no SMS.
SAMPHAN_SMS_GATEWAY_URL = env.str("SAMPHAN_SMS_GATEWAY_URL", default="")
SAMPHAN_SMS_USERNAME = env.str("SAMPHAN_SMS_USERNAME", default="")
SAMPHAN_SMS_PASSWORD = env.str("SAMPHAN_SMS_PASSWORD", default="")
SAMPHAN_SMS_SENDER = env.str("SAMPHAN_SMS_SENDER", default="")
# The gateway's callbacks (delivery reports, replies such as STOP) POST to
# /hooks/sms/<this token>/; empty: no callback address.
SAMPHAN_SMS_CALLBACK_TOKEN = env.str("SAMPHAN_SMS_CALLBACK_TOKEN", default="")
# The site's public address, for links in campaign messages (unsubscribe, member card) when a
# campaign is sent without a web request (the API and pages use the request's own address).
SAMPHAN_PUBLIC_URL = env.str("SAMPHAN_PUBLIC_URL", default="http://localhost:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
