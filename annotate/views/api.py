"""POST /api/articles/: import articles from a JSON body, for scripts (README "Access tokens").

The body is what a .json file given to `import_articles` holds: one object, or a list of objects,
with `title` and `text` (or `html`) and the optional fields. annotate.importing parses, validates
and stores it, so messages, the size limit (STANCEMARK_IMPORT_MAX_BYTES) and the deduplication are
the command's; unlike the command, one bad record refuses the whole request (400, nothing stored).

Who may import: curators and staff, who manage the article pool (the import command needs shell
access, i.e. an operator); a reviewer gets 403. Authentication: `Authorization: Bearer <token>`,
or a browser session with its CSRF token (the view is csrf_exempt only for Bearer requests).
Every answer is JSON: 201 (articles created) or 200 (nothing new: every text already stored) with
a summary; 400, 401, 403, 405, 409, 413 or 415 with {"error": …, "detail": …}.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from annotate import importing, tokens
from annotate.permissions import is_curator


def _error(status: int, error: str, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": error, "detail": detail, **extra}, status=status)


def _summary(result: importing.ImportResult) -> dict[str, Any]:
    return {
        "summary": result.summary(),
        "created": [
            {"id": a.pk, "title": a.title, "source_name": a.source_name} for a in result.created
        ],
        "duplicates": [
            {
                "source_name": d.source_name,
                "title": d.title,
                "article_id": d.article_id,
                "message": str(d),
            }
            for d in result.duplicates
        ],
    }


def _import(request: HttpRequest) -> HttpResponse:
    """The import itself, once the request is authenticated (and, for a session, CSRF-checked)."""
    if not is_curator(request.user):  # type: ignore[arg-type]
        return _error(
            403, "forbidden", "Only curators and staff can import articles; ask a curator."
        )
    if request.content_type != "application/json":
        return _error(
            415,
            "unsupported media type",
            f"Send the articles as JSON with 'Content-Type: application/json' "
            f"(got {request.content_type or 'none'!r}).",
        )
    limit = importing.max_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # Read from the stream, not request.body, so the import limit applies rather than
    # DATA_UPLOAD_MAX_MEMORY_SIZE; a Content-Length over the limit is refused unread.
    body = b"" if declared > limit else request.read(limit + 1)
    if declared > limit or len(body) > limit:
        return _error(
            413,
            "too large",
            f"The request body is {max(declared, len(body)):,} bytes or more, over the import "
            f"limit of {limit:,} bytes (STANCEMARK_IMPORT_MAX_BYTES): send fewer articles at once.",
        )
    name = f"api:{request.user.get_username()}"
    try:
        result = importing.import_json_document(body, name=name)
    except importing.ImportConflict as exc:
        return _error(409, "conflict", str(exc))
    if result.errors:
        problems = [{"where": p.where, "reason": p.reason} for p in result.errors]
        return _error(
            400,
            "invalid records" if result.errors[0].where != name else "invalid body",
            "Nothing was imported: fix these problems and send the request again. "
            + " ".join(str(p) for p in result.errors),
            problems=problems,
        )
    return JsonResponse(_summary(result), status=201 if result.created else 200)


def _csrf_refused(request: HttpRequest) -> bool:
    """Run Django's own CSRF check on a session request (this view is csrf_exempt for tokens)."""
    check = CsrfViewMiddleware(lambda r: HttpResponse())
    return check.process_view(request, _import, (), {}) is not None


@login_not_required  # answers 401 JSON itself, not the login page's redirect
@csrf_exempt
@tokens.accepts_token(lambda request: True)
def articles(request: HttpRequest) -> HttpResponse:
    """POST: import; anything else 405. CSRF is checked unless a token authenticated the request."""
    if request.method != "POST":
        response = _error(405, "method not allowed", "Use POST with a JSON body.")
        response["Allow"] = "POST"
        return response
    if not tokens.is_token_request(request):
        if not request.user.is_authenticated:
            return tokens.unauthorized(
                "Send 'Authorization: Bearer <token>' (create a token at /account/), or log in."
            )
        if _csrf_refused(request):
            return _error(
                403,
                "csrf",
                "CSRF check failed: a request with a browser session must carry the CSRF token "
                "(X-CSRFToken header). Scripts should use an access token instead.",
            )
    return _import(request)
