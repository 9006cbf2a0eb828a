"""Stancemark settings: one file, configured from the environment.

Development defaults are safe to run locally; production sets DJANGO_SECRET_KEY, DJANGO_DEBUG=0,
DJANGO_ALLOWED_HOSTS and, for PostgreSQL, DATABASE_URL.
"""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable; typos fail loudly instead of silently meaning False."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no.")


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "django-insecure-stancemark-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _DEV_SECRET
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "annotate",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "annotate.middleware.RefuseBadQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "annotate.middleware.HtmxLoginRedirectMiddleware",
    # Access tokens (annotate/tokens.py): before LoginRequiredMiddleware, so a token request to a
    # URL that accepts one counts as logged in; refused with 401 everywhere else.
    "annotate.tokens.BearerTokenMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

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
            ],
        },
    },
]

# SQLite is the embedded default. WAL lets readers proceed during a write; IMMEDIATE transactions take
# the write lock up front so two reviewers saving at once queue (busy timeout) instead of failing with
# "database is locked" halfway through a transaction.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=20000;"
    ),
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(_SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("STANCEMARK_SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": dict(_SQLITE_OPTIONS),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use a file, not Django's shared-cache in-memory database: that one locks whole tables
    # and fails at once ("database table is locked") when the browser tests' live server handles
    # two requests together, where a real SQLite file in WAL mode queues them as in production.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"stancemark-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The W3C export mints its IRIs (annotations, claims, actors, users) by appending to this prefix;
# set it to an address of your own to make them unique across installations (docs/export.md).
# The check is ABSOLUTE_IRI of annotate/export/w3c/iris.py plus the separator ids are appended after.
STANCEMARK_BASE_IRI = os.environ.get("STANCEMARK_BASE_IRI", "") or "urn:stancemark:"
if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*[/:#]", STANCEMARK_BASE_IRI):
    raise ImproperlyConfigured(
        f"STANCEMARK_BASE_IRI={STANCEMARK_BASE_IRI!r} is not an absolute IRI ending in '/', ':' or "
        "'#': use e.g. https://stancemark.example.org/id/ or urn:stancemark:."
    )

# `import_articles` refuses a file larger than this (bytes) unread, and in JSON/JSONL any one
# article whose text or html is longer (characters): a 50 MB article makes a page no browser opens.
try:
    STANCEMARK_IMPORT_MAX_BYTES = int(os.environ.get("STANCEMARK_IMPORT_MAX_BYTES", "10000000"))
except ValueError:
    raise ImproperlyConfigured(
        "STANCEMARK_IMPORT_MAX_BYTES must be a whole number of bytes, e.g. 10000000 (10 MB)."
    ) from None
if STANCEMARK_IMPORT_MAX_BYTES < 1:
    raise ImproperlyConfigured("STANCEMARK_IMPORT_MAX_BYTES must be at least 1.")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes, README "Login throttling"): after STANCEMARK_LOGIN_FAILURE_LIMIT
# failed logins for one username, or from one client address, further attempts (on /accounts/login/
# and /admin/login/) are refused for STANCEMARK_LOGIN_COOLOFF_MINUTES with the lockout page (429);
# another failure during the lock starts the wait again. A successful login clears that username's
# failures. Staff unlock early in the admin (Axes → Access attempts: delete the row). The client
# address is REMOTE_ADDR: behind a proxy, set AXES_IPWARE_PROXY_COUNT (and trusted proxies) so
# every user is not the proxy's one address.
AXES_ENABLED = env_bool("STANCEMARK_LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = int(os.environ.get("STANCEMARK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(
    minutes=float(os.environ.get("STANCEMARK_LOGIN_COOLOFF_MINUTES", "15"))
)
# Each alone: many passwords tried on one account, or many accounts tried from one address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = (
    int(os.environ["AXES_IPWARE_PROXY_COUNT"])
    if os.environ.get("AXES_IPWARE_PROXY_COUNT")
    else None
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotate:article-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Plain static files (no collectstatic, no hashed names): development, and runs such as the tests
# and benchmarks that render pages with DEBUG off but never collect.
PLAIN_STATIC = DEBUG or env_bool("STANCEMARK_PLAIN_STATIC", False)
# collectstatic target for production. Without it static files are served from the apps' folders,
# and leaving STATIC_ROOT unset keeps WhiteNoise from warning about a missing folder.
STATIC_ROOT = None if PLAIN_STATIC else BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if PLAIN_STATIC
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Production hardening: on whenever DEBUG is off, so `check --deploy` is clean. Set
# DJANGO_SECURE_SSL_REDIRECT=0 when TLS terminates at a proxy that already redirects, or when
# serving plain HTTP on localhost (make serve does this).
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): everything from this origin only; no inline script, no
# eval, no inline style attributes or <style> blocks, on the app's pages and the admin's alike
# (Django 5.2's admin passes its data in data- attributes and JSON script tags, not inline code).
# Templates keep their styles and scripts in annotate/static; tests/e2e/test_csp.py visits every
# page in Chromium and fails on any violation. img-src allows data: for the admin's widget icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
