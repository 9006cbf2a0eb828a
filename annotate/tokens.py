"""Personal access tokens: `Authorization: Bearer <token>` for scripts, on two URLs only.

A token is `smk_` and 43 URL-safe characters (32 random bytes from `secrets`). Only its SHA-256 is
stored (AccessToken.token_sha256): 256 random bits need no salt or slow hash to resist guessing,
and a plain digest lets a request find its token with one indexed lookup. The secret is shown once.

Where a token works
-------------------
Only views marked with `accepts_token(predicate)`, and only when `predicate(request)` is true:
the export download (`/export/?download=1&…`) and `POST /api/articles/` (annotate/views/api.py).
BearerTokenMiddleware (after AuthenticationMiddleware, before LoginRequiredMiddleware) answers
every other request that carries `Authorization: Bearer …` with 401 and a JSON body: browser
pages, the export form, the account page and the admin never accept a token, and a script that
sent one to the wrong URL is told so instead of being redirected to a login page. A token request
sets `request.user` for that request only: no session is made, so it logs no one in. A bad token
(malformed, unknown, revoked, or its user inactive) is 401 with a JSON body on the token URLs too.

CSRF stays on for sessions: the CSRF middleware runs before this one and knows nothing of tokens,
so a token view that takes POST is `csrf_exempt` and checks CSRF itself for session requests
(annotate/views/api.py). A browser cannot be made to send an Authorization header to another site
without CORS, which this app does not grant, so a Bearer request needs no CSRF check.

django-axes throttles password logins only (it hooks `authenticate()`, which tokens never call):
a 256-bit token cannot be guessed, so token failures are not counted.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from annotate.models import AccessToken

PREFIX = "smk_"
TOKEN_RE = re.compile(r"smk_[A-Za-z0-9_-]{43}")
# How many characters of the token the account page and admin show (prefix + 8).
SHOWN = len(PREFIX) + 8
# The view attribute BearerTokenMiddleware reads: a predicate saying whether this request may use
# a token (e.g. only the download of /export/).
ATTRIBUTE = "accepts_access_token"
# What request.access_token holds on a token request (None on a session request).
REQUEST_ATTRIBUTE = "access_token"

USAGE = (
    "Access tokens work only for the export download (GET /export/?download=1&…) and "
    "POST /api/articles/; use a browser session for everything else."
)

V = TypeVar("V", bound=Callable[..., Any])


def digest(secret: str) -> str:
    """The stored form of a token: the SHA-256 hex digest of its UTF-8 bytes."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(user: Any, name: str) -> tuple[AccessToken, str]:
    """Make a token for `user`; returns the row and the secret (shown once, never stored)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user, name=name, token_sha256=digest(secret), prefix=secret[:SHOWN]
    )
    return token, secret


def revoke(token: AccessToken) -> None:
    """Revoke `token` (idempotent: a revoked token keeps its first revocation time)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def accepts_token(predicate: Callable[[HttpRequest], bool]) -> Callable[[V], V]:
    """Mark a view as accepting `Authorization: Bearer` when `predicate(request)` is true."""

    def mark(view: V) -> V:
        setattr(view, ATTRIBUTE, predicate)
        return view

    return mark


def bearer(request: HttpRequest) -> str | None:
    """The credentials of an `Authorization: Bearer …` header ("" if empty), else None."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip()


def is_token_request(request: HttpRequest) -> bool:
    """This request was authenticated by an access token (not a session)."""
    return getattr(request, REQUEST_ATTRIBUTE, None) is not None


def unauthorized(message: str) -> JsonResponse:
    """401 with a JSON body and the WWW-Authenticate header RFC 6750 asks for."""
    response = JsonResponse({"error": "unauthorized", "detail": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="stancemark", error="invalid_token"'
    return response


def authenticate(secret: str) -> tuple[AccessToken | None, str]:
    """The active token for `secret`, or None and the reason it is refused."""
    if not TOKEN_RE.fullmatch(secret):
        return None, (
            "Malformed access token: expected 'Authorization: Bearer smk_…' with the whole token "
            "as shown when it was created."
        )
    token = AccessToken.objects.select_related("user").filter(token_sha256=digest(secret)).first()
    if token is None:
        return None, "Unknown access token: create one on your account page (/account/)."
    if token.revoked_at is not None:
        return None, "This access token was revoked: create a new one on your account page."
    if not token.user.is_active:
        return None, "The account this token belongs to is disabled."
    return token, ""


class BearerTokenMiddleware:
    """Authenticate `Authorization: Bearer` on the views that accept it; refuse it elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        secret = bearer(request)
        if secret is None:
            return None
        predicate = getattr(view_func, ATTRIBUTE, None)
        if predicate is None or not predicate(request):
            return unauthorized(USAGE)
        token, reason = authenticate(secret)
        if token is None:
            return unauthorized(reason)
        now = timezone.now()
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        # For this request only: no session is created, so nothing stays logged in.
        request.user = token.user
        setattr(request, REQUEST_ATTRIBUTE, token)
        return None
