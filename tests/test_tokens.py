"""Personal access tokens (annotate/tokens.py): the model, /account/, the admin, and where a
`Authorization: Bearer` header works (the export download, POST /api/articles/) and where not."""

from __future__ import annotations

import hashlib
import json
import re

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate import tokens
from annotate.models import AccessToken, Article, SiteSettings
from tests import factories

ACCOUNT = reverse("annotate:account")
EXPORT = reverse("annotate:export")
API = reverse("annotate:api-articles")


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _ids(response) -> set[int]:
    doc = orjson.loads(b"".join(response.streaming_content))
    return {a["id"] for art in doc["articles"] for a in art["annotations"]}


@pytest.fixture
def csrf_client(reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    return client


def _csrf(client: Client) -> str:
    html = client.get(ACCOUNT).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match
    return match.group(1)


# ---------------------------------------------------------------- model


def test_token_stored_as_sha256_only(reviewer):
    token, secret = tokens.create(reviewer, "nightly")
    assert tokens.TOKEN_RE.fullmatch(secret)
    token.refresh_from_db()
    assert token.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[: tokens.SHOWN]
    # The secret is in no column.
    row = AccessToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    assert tokens.authenticate(secret)[0] == token


def test_two_tokens_differ(reviewer):
    (_, a), (_, b) = tokens.create(reviewer, "a"), tokens.create(reviewer, "b")
    assert a != b


# ---------------------------------------------------------------- /account/


def test_account_linked_from_top_bar(reviewer_client):
    html = reviewer_client.get(reverse("annotate:article-list")).content.decode()
    assert f'href="{ACCOUNT}"' in html


def test_account_login_required(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_create_shows_secret_once(csrf_client, reviewer, django_assert_max_num_queries):
    response = csrf_client.post(
        ACCOUNT, {"name": "nightly export", "csrfmiddlewaretoken": _csrf(csrf_client)}
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = re.search(r'value="(smk_[^"]+)"', html).group(1)
    assert "shown only this once" in html
    token = AccessToken.objects.get(user=reviewer)
    assert token.name == "nightly export"
    assert token.token_sha256 == tokens.digest(secret)
    with django_assert_max_num_queries(6):
        again = csrf_client.get(ACCOUNT).content.decode()
    assert secret not in again
    assert token.prefix in again and "nightly export" in again


def test_create_without_csrf_refused(csrf_client, reviewer):
    response = csrf_client.post(ACCOUNT, {"name": "x"})
    assert response.status_code == 403
    assert not AccessToken.objects.exists()


def test_create_needs_a_name(csrf_client):
    response = csrf_client.post(ACCOUNT, {"name": "  ", "csrfmiddlewaretoken": _csrf(csrf_client)})
    assert response.status_code == 400
    assert not AccessToken.objects.exists()


def test_revoke_own_token(csrf_client, reviewer):
    token, secret = tokens.create(reviewer, "old")
    url = reverse("annotate:token-revoke", args=[token.pk])
    assert csrf_client.post(url).status_code == 403  # no CSRF token
    token.refresh_from_db()
    assert token.revoked_at is None
    response = csrf_client.post(url, {"csrfmiddlewaretoken": _csrf(csrf_client)})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get(EXPORT, {"download": "1"}, **bearer(secret)).status_code == 401


def test_cannot_revoke_others_token(csrf_client, other_reviewer):
    token, _ = tokens.create(other_reviewer, "theirs")
    url = reverse("annotate:token-revoke", args=[token.pk])
    response = csrf_client.post(url, {"csrfmiddlewaretoken": _csrf(csrf_client)})
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_page_lists_only_own_tokens(reviewer_client, reviewer, other_reviewer):
    tokens.create(reviewer, "mine")
    tokens.create(other_reviewer, "theirs")
    html = reviewer_client.get(ACCOUNT).content.decode()
    assert "mine" in html and "theirs" not in html


# ---------------------------------------------------------------- export with a token


@pytest.fixture
def work(db, reviewer, other_reviewer, curator):
    article = factories.make_article(title="Votel testimony")
    mine = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    theirs = factories.make_annotation(
        article=article, reviewer=other_reviewer, phrase="Russia was supporting"
    )
    return {"mine": mine, "theirs": theirs}


@pytest.mark.parametrize("see_others", [False, True])
def test_reviewer_token_exports_what_the_reviewer_exports(reviewer, work, see_others):
    SiteSettings.objects.update_or_create(pk=1, defaults={"reviewers_see_others": see_others})
    _, secret = tokens.create(reviewer, "export")
    session = Client()
    session.force_login(reviewer)
    by_session = session.get(EXPORT, {"download": "1"})
    response = Client().get(EXPORT, {"download": "1"}, **bearer(secret))
    assert response.status_code == 200
    assert _ids(response) == _ids(by_session) == {work["mine"].pk}


def test_curator_token_exports_everything(curator, work):
    _, secret = tokens.create(curator, "export")
    response = Client().get(EXPORT, {"download": "1", "format": "json"}, **bearer(secret))
    assert response.status_code == 200
    assert _ids(response) == {work["mine"].pk, work["theirs"].pk}
    assert AccessToken.objects.get().last_used_at is not None
    assert not response.cookies  # no session, no CSRF cookie: nothing to log a browser in


def test_reviewer_token_cannot_widen_export(reviewer, work):
    _, secret = tokens.create(reviewer, "export")
    response = Client().get(EXPORT, {"download": "1", "reviewer": "other"}, **bearer(secret))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "own annotations" in response.json()["detail"]


def test_token_export_bad_filter_is_json(reviewer, work):
    _, secret = tokens.create(reviewer, "export")
    response = Client().get(EXPORT, {"download": "1", "article": "x"}, **bearer(secret))
    assert response.status_code == 400
    assert "whole numbers" in response.json()["detail"]


def _bad_secrets(user) -> dict[str, str]:
    revoked, revoked_secret = tokens.create(user, "revoked")
    tokens.revoke(revoked)
    return {
        "revoked": revoked_secret,
        "unknown": tokens.PREFIX + "A" * 43,
        "malformed": "not-a-token",
        "empty": "",
    }


@pytest.mark.parametrize("kind", ["revoked", "unknown", "malformed", "empty"])
@pytest.mark.parametrize("url", [f"{EXPORT}?download=1", API])
def test_bad_token_is_401_json(reviewer, kind, url):
    secret = _bad_secrets(reviewer)[kind]
    client = Client()
    if url == API:
        response = client.post(url, b"{}", content_type="application/json", **bearer(secret))
    else:
        response = client.get(url, **bearer(secret))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"
    assert not Article.objects.exists()


def test_inactive_user_token_is_401(reviewer, work):
    _, secret = tokens.create(reviewer, "export")
    reviewer.is_active = False
    reviewer.save()
    assert Client().get(EXPORT, {"download": "1"}, **bearer(secret)).status_code == 401


# ---------------------------------------------------------------- never for browser pages


@pytest.mark.parametrize(
    "url",
    [
        reverse("annotate:article-list"),
        reverse("annotate:claim-list"),
        EXPORT,  # the form, without download=1
        ACCOUNT,
        reverse("admin:index"),
        reverse("admin:annotate_accesstoken_changelist"),
    ],
)
def test_token_never_works_for_pages(superuser, url):
    _, secret = tokens.create(superuser, "admin's")
    client = Client()
    response = client.get(url, **bearer(secret))
    assert response.status_code == 401
    assert "only for the export download" in response.json()["detail"]
    assert "sessionid" not in response.cookies
    # Nothing stayed logged in: the next request without the header is anonymous.
    after = client.get(reverse("annotate:article-list"))
    assert after.status_code == 302 and reverse("login") in after["Location"]


def test_token_cannot_create_tokens(reviewer):
    _, secret = tokens.create(reviewer, "t")
    response = Client().post(ACCOUNT, {"name": "more"}, **bearer(secret))
    assert response.status_code == 401
    assert AccessToken.objects.count() == 1


def test_other_authorization_schemes_ignored(reviewer_client, work):
    response = reviewer_client.get(
        reverse("annotate:article-list"), HTTP_AUTHORIZATION="Basic eA=="
    )
    assert response.status_code == 200


# ---------------------------------------------------------------- POST /api/articles/

ONE = {"title": "A title", "text": "Russia denies supplying weapons.", "outlet": "Wire"}
TWO = [ONE, {"title": "Second", "text": "Another text entirely.", "url": "https://e.org/a"}]


@pytest.fixture
def curator_secret(curator):
    return tokens.create(curator, "importer")[1]


def _post(secret: str, body, content_type: str = "application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client().post(API, data, content_type=content_type, **bearer(secret))


def test_api_imports_a_list(curator_secret):
    response = _post(curator_secret, TWO)
    assert response.status_code == 201
    body = response.json()
    assert body["summary"] == "Imported 2 articles, skipped 0 duplicates, 0 files failed."
    assert [a["title"] for a in body["created"]] == ["A title", "Second"]
    stored = Article.objects.get(title="Second")
    assert stored.url == "https://e.org/a"
    assert stored.source_name == "api:curator:item 2"
    assert {a["id"] for a in body["created"]} == set(Article.objects.values_list("pk", flat=True))


def test_api_imports_one_object(curator_secret):
    response = _post(curator_secret, ONE)
    assert response.status_code == 201
    assert Article.objects.get().outlet == "Wire"


def test_api_duplicates_skipped(curator_secret):
    assert _post(curator_secret, ONE).status_code == 201
    response = _post(curator_secret, TWO)
    assert response.status_code == 201
    body = response.json()
    assert [d["title"] for d in body["duplicates"]] == ["A title"]
    assert "skipped duplicate" in body["duplicates"][0]["message"]
    again = _post(curator_secret, TWO)
    assert again.status_code == 200  # nothing new
    assert again.json()["created"] == []
    assert Article.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error", "words"),
    [
        (b'{"title": "x", "text": ', "application/json", 400, "invalid body", "malformed JSON"),
        (b"\xff\xfe", "application/json", 400, "invalid body", "not UTF-8"),
        (b"  \n", "application/json", 400, "invalid body", "empty"),
        (b"[]", "application/json", 400, "invalid body", "list is empty"),
        (b"42", "application/json", 400, "invalid body", "expected an object"),
        (b"title=x", "application/x-www-form-urlencoded", 415, "unsupported media type", "JSON"),
        (b"{}", "text/plain", 415, "unsupported media type", "application/json"),
    ],
)
def test_api_bad_bodies(curator_secret, body, content_type, status, error, words):
    response = _post(curator_secret, body, content_type)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert words in response.json()["detail"]
    assert not Article.objects.exists()


def test_api_invalid_record_refuses_all(curator_secret):
    bad = [ONE, {"title": "No text"}, {"title": "t", "text": "x", "url": "ftp://e.org"}]
    response = _post(curator_secret, bad)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid records"
    assert [p["where"] for p in body["problems"]] == ["api:curator:item 2", "api:curator:item 3"]
    assert "'text' field is missing" in body["problems"][0]["reason"]
    assert "not a valid http(s) URL" in body["problems"][1]["reason"]
    assert not Article.objects.exists()  # the good first record was not stored either


def test_api_too_large(curator_secret, settings):
    settings.STANCEMARK_IMPORT_MAX_BYTES = 100
    response = _post(curator_secret, {"title": "t", "text": "x" * 200})
    assert response.status_code == 413
    assert "STANCEMARK_IMPORT_MAX_BYTES" in response.json()["detail"]
    assert not Article.objects.exists()


def test_api_body_over_django_memory_limit_uses_import_limit(curator_secret, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    assert _post(curator_secret, ONE).status_code == 201


def test_api_reviewer_forbidden(reviewer):
    _, secret = tokens.create(reviewer, "t")
    response = _post(secret, ONE)
    assert response.status_code == 403
    assert "curators and staff" in response.json()["detail"]
    assert not Article.objects.exists()


def test_api_get_is_405(curator_secret):
    response = Client().get(API, **bearer(curator_secret))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_api_anonymous_is_401_json():
    response = Client().post(API, b"{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_api_session_needs_csrf(curator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    response = client.post(API, json.dumps(ONE), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == "csrf"
    assert not Article.objects.exists()
    csrf = _csrf(client)
    response = client.post(
        API, json.dumps(ONE), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201
    assert Article.objects.count() == 1


# ---------------------------------------------------------------- admin


def test_admin_lists_and_revokes(superuser, reviewer):
    token, secret = tokens.create(reviewer, "script")
    client = Client()
    client.force_login(superuser)
    changelist = reverse("admin:annotate_accesstoken_changelist")
    html = client.get(changelist).content.decode()
    assert token.prefix in html and secret not in html
    change = client.get(reverse("admin:annotate_accesstoken_change", args=[token.pk]))
    assert change.status_code == 200
    assert token.token_sha256 in change.content.decode()
    assert 'name="token_sha256"' not in change.content.decode()  # read-only
    assert client.get(reverse("admin:annotate_accesstoken_add")).status_code == 403
    response = client.post(
        changelist, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.authenticate(secret)[0] is None


def test_admin_changelist_queries_do_not_grow(superuser, django_assert_max_num_queries):
    client = Client()
    client.force_login(superuser)
    for n in range(3):
        tokens.create(factories.make_user(f"u{n}"), f"t{n}")
    changelist = reverse("admin:annotate_accesstoken_changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(changelist).status_code == 200
    for n in range(3, 30):
        tokens.create(factories.make_user(f"u{n}"), f"t{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(changelist).status_code == 200


def test_api_imports_a_web_page(curator_secret):
    from tests.test_import_html import CHROME, news_page

    response = _post(curator_secret, {"html": news_page(), "outlet": "Given outlet"})
    assert response.status_code == 201
    article = Article.objects.get()
    assert article.title == "Russia arms the Taliban, officials say"
    assert article.outlet == "Given outlet"
    assert article.source_html
    assert not any(chrome in article.text for chrome in CHROME)


def test_api_unknown_field_is_the_import_message(curator_secret):
    response = _post(curator_secret, [{"title": "t", "text": "x", "colour": "red"}])
    assert response.status_code == 400
    assert "unknown field(s) 'colour'" in response.json()["problems"][0]["reason"]
