"""Two request-wide rules that belong to no one view (project/settings.py MIDDLEWARE lists them).

- A query string no view may read (a NUL character anywhere: PostgreSQL cannot store or compare
  text holding it and answered such a search with a server error) is refused with status 400
  and a message before any view or the admin reads it; annotate.params.query_problem says which.
  Posted values are checked by the forms, next to their field (Django's CharField refuses NUL).
- An htmx request from someone not logged in gets `HX-Redirect` to the login page, so the
  browser goes there, instead of the login page being swapped into a panel of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import resolve_url

from annotate.params import query_problem


class RefuseBadQueryMiddleware:
    """Answer 400 with the message of annotate.params.query_problem, before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = query_problem(request.GET)
        if problem:
            return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """Turn the login redirect of an anonymous htmx request into `HX-Redirect` (placed before
    LoginRequiredMiddleware, so it sees that middleware's redirect)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code in (301, 302)
            and not request.user.is_authenticated
        ):
            location = response.get("Location", "")
            login = str(resolve_url(settings.LOGIN_URL))
            if urlsplit(location).path == login:
                redirect = HttpResponse(status=200)
                redirect["HX-Redirect"] = location
                return redirect
        return response
