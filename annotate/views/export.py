"""The export page: pick a format and filters, download a streamed JSON, JSONL or W3C file."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotate import export, tokens
from annotate.models import Status
from annotate.params import parse_id
from annotate.permissions import Visibility, visibility_for
from annotate.views.requests import AppRequest


class ExportForm(forms.Form):
    """The filters of /export/, read from the query string (a download is a GET: bookmarkable)."""

    format = forms.ChoiceField(
        choices=[
            ("json", "JSON (one document)"),
            ("jsonl", "JSONL (one annotation per line)"),
            ("w3c", "W3C Web Annotation (JSON-LD)"),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial="json",
    )
    status = forms.MultipleChoiceField(
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked for every status.",
    )
    reviewer = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked for every reviewer.",
    )
    article = forms.CharField(
        required=False,
        label="Article ids",
        help_text="Comma-separated, e.g. 12, 15. Leave empty for every annotated article.",
    )
    no_text = forms.BooleanField(
        required=False,
        label="Leave out article text",
        help_text="JSON only: JSONL and W3C files never contain the text.",
    )

    def __init__(self, *args: Any, curator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if curator:
            User = get_user_model()
            names = User.objects.order_by(User.USERNAME_FIELD).values_list(
                User.USERNAME_FIELD, flat=True
            )
            reviewer = cast(forms.MultipleChoiceField, self.fields["reviewer"])
            reviewer.choices = [(n, n) for n in names]
        else:
            # Reviewers export only their own work; the field is not offered at all.
            del self.fields["reviewer"]

    def clean_article(self) -> list[int]:
        raw = self.cleaned_data["article"].replace(",", " ").split()
        ids = [parse_id(part) for part in raw]
        bad = [part for part, id_ in zip(raw, ids, strict=True) if id_ is None]
        if bad:
            raise ValidationError(
                f"Article ids must be whole numbers; {', '.join(bad)} is not. "
                "Separate several ids with commas."
            )
        return [id_ for id_ in ids if id_ is not None]


def _filters(form: ExportForm, viewer: Visibility, *, curator: bool) -> export.ExportFilters:
    """The export the valid form asks for, within what the viewer may export."""
    data = form.cleaned_data
    return export.ExportFilters(
        statuses=data["status"] or None,
        reviewer_usernames=(data.get("reviewer") or None) if curator else None,
        article_ids=data["article"] or None,
        include_text=not data["no_text"],
        viewer=viewer,
    )


def _preview(request: AppRequest, viewer: Visibility) -> dict[str, Any]:
    """How many annotations and articles the filters in the query string would export.

    The page shows it on load and redraws it (htmx) whenever a filter changes, so nobody downloads
    an empty or unexpectedly large file. Bad filters give their message instead of a count.
    """
    form = ExportForm(request.GET, curator=viewer.curator)
    if not viewer.curator and _refused_reviewer(request):
        return {"problem": "Only curators and staff can export other reviewers' annotations."}
    if not form.is_valid():
        problems = [str(m) for errors in form.errors.values() for m in errors]
        return {"problem": " ".join(problems)}
    try:
        plan = export.validate_filters(_filters(form, viewer, curator=viewer.curator))
    except ValidationError as exc:
        return {"problem": " ".join(exc.messages)}
    return {"annotations": plan.annotations.count(), "articles": plan.articles.count()}


def _refused_reviewer(request: AppRequest) -> str | None:
    """A non-curator naming any reviewer but themself in the query string gets a clear refusal."""
    asked = set(request.GET.getlist("reviewer")) - {request.user.get_username()}
    if asked:
        return (
            "Only curators and staff can export other reviewers' annotations; "
            "your export always contains your own annotations only."
        )
    return None


def _wants_download(request: HttpRequest) -> bool:
    return request.GET.get("download") == "1"


def _refuse(
    request: AppRequest, context: dict[str, Any], status: int
) -> HttpResponse | JsonResponse:
    """The form with its error for a browser; a JSON error body for a script using a token."""
    if tokens.is_token_request(request):
        detail = context["error"] or " ".join(
            f"{name}: {' '.join(errors)}" for name, errors in context["form"].errors.items()
        )
        return JsonResponse({"error": "bad request", "detail": detail}, status=status)
    return render(request, "annotate/export.html", context, status=status)


# An access token (annotate/tokens.py) works here for the download only, never for the form page.
@tokens.accepts_token(_wants_download)
@require_GET
def export_page(request: AppRequest) -> HttpResponse | StreamingHttpResponse:
    """Render annotate/export.html (form, curator, error); with download=1, stream the file.

    Curators and staff export everything (optionally filtered); any other user gets only their own
    annotations and the claims and actors those use (permissions.Visibility decides), whatever the
    query string says, so a hand-made URL cannot widen an export.
    """
    viewer = visibility_for(request.user)
    curator = viewer.curator
    wants_download = _wants_download(request)
    form = ExportForm(request.GET if wants_download else None, curator=curator)
    context = {"form": form, "curator": curator, "error": None}
    if not wants_download:
        context["preview"] = _preview(request, viewer)
        if request.htmx:  # the form changed: only the count is redrawn
            return render(request, "annotate/_export_preview.html", context)
        return render(request, "annotate/export.html", context)
    refusal = None if curator else _refused_reviewer(request)
    if refusal:
        context["error"] = refusal
        return _refuse(request, context, 403)
    if not form.is_valid():
        return _refuse(request, context, 400)
    filters = _filters(form, viewer, curator=curator)
    try:
        return export.export_response(fmt=form.cleaned_data["format"] or "json", filters=filters)
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
        return _refuse(request, context, 400)
