"""The request type every view in annotate.views takes.

LoginRequiredMiddleware sends anyone not logged in to the login page (django.contrib.auth's own
view, not one of ours), so every request that reaches these views carries a logged-in User; and
django_htmx's HtmxMiddleware adds `htmx`. Django types `request.user` as `User | AnonymousUser`
whatever the middleware does, so this class says what is true here, for the type checker only.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AppRequest(HttpRequest):
    """An authenticated request that passed through HtmxMiddleware."""

    user: User
    htmx: HtmxDetails
