"""/account/: the user's own personal access tokens: create one (shown once) and revoke them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotate import tokens
from annotate.models import AccessToken
from annotate.views.requests import AppRequest

# A user with more live tokens than this is asked to revoke some first.
MAX_ACTIVE_TOKENS = 20


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What the token is for, e.g. 'nightly export'.",
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


def _page(
    request: AppRequest, form: TokenForm, secret: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "secret": secret,
        "tokens": AccessToken.objects.filter(user=request.user),
        "max_active": MAX_ACTIVE_TOKENS,
    }
    return render(request, "annotate/account.html", context, status=status)


@require_http_methods(["GET", "POST"])
def account_page(request: AppRequest) -> HttpResponse:
    """GET: the token list and the form; POST: create a token and show its secret, once.

    The secret is rendered in the POST's response only (not redirected through the session or a
    message cookie, where it would be stored); reloading the page does not show it again.
    """
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    active = AccessToken.objects.filter(user=request.user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        form.add_error(
            None, f"You have {active} active tokens: revoke one you no longer use first."
        )
        return _page(request, form, status=400)
    token, secret = tokens.create(request.user, form.cleaned_data["name"])
    response = _page(request, TokenForm(), secret=secret, status=201)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request: AppRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens (another user's is a 404)."""
    token = get_object_or_404(AccessToken, pk=pk, user=request.user)
    tokens.revoke(token)
    messages.success(request, f"Revoked the token {token.name!r} ({token.prefix}…).")
    return redirect("annotate:account")
