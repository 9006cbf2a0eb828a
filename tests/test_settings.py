"""Production settings come from the environment, fail loudly when wrong, and deploy cleanly."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "project" / "settings.py"
ENV_NAMES = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "STANCEMARK_SQLITE_PATH",
    "STANCEMARK_PLAIN_STATIC",
    "STANCEMARK_BASE_IRI",
    "STANCEMARK_IMPORT_MAX_BYTES",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_HSTS_SECONDS",
    # Set by the browser tests for Playwright's event loop; never part of a deployment.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def production_env(**extra: str) -> dict[str, str]:
    """The environment a production deployment sets, without whatever the test run inherited."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def load_settings(monkeypatch, **env: str) -> dict:
    """Evaluate project/settings.py afresh under `env` (the running settings stay untouched)."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


# ---------------------------------------------------------------- deploy checks


def test_check_deploy_is_clean_with_production_env(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(STANCEMARK_SQLITE_PATH=str(tmp_path / "db.sqlite3")),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_settings_are_hardened(monkeypatch):
    values = load_settings(
        monkeypatch,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.org, www.example.org",
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["example.org", "www.example.org"]
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"]
    assert values["CSRF_COOKIE_SECURE"] and values["SECURE_HSTS_SECONDS"] >= 31536000
    static = values["STORAGES"]["staticfiles"]["BACKEND"]
    assert static == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in values["MIDDLEWARE"]
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in values["MIDDLEWARE"]


def test_debug_off_without_secret_key_fails_clearly(monkeypatch):
    with pytest.raises(
        ImproperlyConfigured, match="Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off"
    ):
        load_settings(monkeypatch, DJANGO_DEBUG="0")


def test_debug_off_without_secret_key_stops_manage_py(tmp_path):
    env = production_env(STANCEMARK_SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    del env["DJANGO_SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off." in result.stderr


@pytest.mark.parametrize("value", ["maybe", "ture", "2"])
def test_bad_boolean_fails_clearly(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match=rf"DJANGO_DEBUG='{value}' is not a boolean"):
        load_settings(monkeypatch, DJANGO_DEBUG=value)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("yes", True), ("off", False)])
def test_boolean_spellings(monkeypatch, value, expected):
    values = load_settings(monkeypatch, DJANGO_DEBUG=value, DJANGO_SECRET_KEY="x" * 60)
    assert values["DEBUG"] is expected


# ---------------------------------------------------------------- databases


def test_import_size_limit_comes_from_the_environment(monkeypatch):
    assert load_settings(monkeypatch)["STANCEMARK_IMPORT_MAX_BYTES"] == 10_000_000
    values = load_settings(monkeypatch, STANCEMARK_IMPORT_MAX_BYTES="2500")
    assert values["STANCEMARK_IMPORT_MAX_BYTES"] == 2500
    for bad in ("10MB", "0"):
        with pytest.raises(ImproperlyConfigured, match="STANCEMARK_IMPORT_MAX_BYTES"):
            load_settings(monkeypatch, STANCEMARK_IMPORT_MAX_BYTES=bad)


def test_database_url_selects_postgresql(monkeypatch):
    values = load_settings(monkeypatch, DATABASE_URL="postgres://sm:pw@db.example.org:5433/stance")
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["PORT"], db["USER"]) == (
        "stance",
        "db.example.org",
        5433,
        "sm",
    )
    assert "init_command" not in db.get("OPTIONS", {})  # SQLite pragmas stay with SQLite


def test_sqlite_is_the_default_with_wal_options(monkeypatch, tmp_path):
    values = load_settings(monkeypatch, STANCEMARK_SQLITE_PATH=str(tmp_path / "x.sqlite3"))
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "x.sqlite3")
    assert "PRAGMA journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_sqlite_file_database_runs_in_wal_mode(tmp_path):
    """The test database may be in memory (no WAL there), so open a real file in a fresh process."""
    probe = (
        "import django; django.setup();"
        "from django.db import connection;"
        "cursor = connection.cursor();"
        "print(cursor.execute('PRAGMA journal_mode').fetchone()[0],"
        " cursor.execute('PRAGMA foreign_keys').fetchone()[0])"
    )
    env = production_env(DJANGO_DEBUG="1", STANCEMARK_SQLITE_PATH=str(tmp_path / "wal.sqlite3"))
    result = run(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]


# ---------------------------------------------------------------- login everywhere


def _app_urls() -> list[str]:
    """Every named URL of the annotate app, with placeholder arguments (new screens included)."""
    urls: list[str] = []

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "annotate" and pattern.name:
                kwargs = {}
                for name, converter in pattern.pattern.converters.items():
                    if isinstance(converter, IntConverter):
                        kwargs[name] = 1
                    elif isinstance(converter, UUIDConverter):
                        kwargs[name] = uuid.uuid4()
                    else:
                        kwargs[name] = "x"
                urls.append(reverse(f"annotate:{pattern.name}", kwargs=kwargs))

    walk(get_resolver().url_patterns, None)
    return urls


def test_app_urls_are_found():
    assert "/" in _app_urls()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_app_url_redirects_anonymous_users_to_login(client, method):
    login = reverse(settings.LOGIN_URL)
    api = {reverse("annotate:api-articles")}  # for scripts: a JSON 401 asking for a token instead
    for path in _app_urls():
        response = getattr(client, method)(path)
        if path in api:  # POST only: a GET is refused before anyone is asked who they are
            assert response.status_code == (401 if method == "post" else 405), path
            if method == "post":
                assert response["WWW-Authenticate"].startswith("Bearer"), path
            continue
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{login}?next="), path


@pytest.mark.django_db
def test_admin_index_redirects_anonymous_users_to_admin_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next=/admin/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/annotate/annotation/", "/admin/auth/user/1/change/"])
def test_admin_pages_redirect_anonymous_users_to_a_login(client, path):
    # Django's LoginRequiredMiddleware catches model admin pages before the admin does (their
    # wrappers lose the admin's own login marker), so they go to the site login, which returns
    # the user to the admin page afterwards.
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] in {
        f"{reverse('admin:login')}?next={path}",
        f"{reverse(settings.LOGIN_URL)}?next={path}",
    }


@pytest.mark.django_db
def test_login_page_is_open(client):
    assert client.get(reverse(settings.LOGIN_URL)).status_code == 200
