"""The curators' adjudication view of one article (annotate/adjudicate.html): every reviewer's
version of each passage side by side, and the decisions on them (services.adjudication).

Without JavaScript each decision is a plain form that redirects back to its cluster; with htmx
the cluster re-renders in place. Reviewers get a page that says why they may not see it (403):
the view shows everyone's work, which blind annotation keeps from them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from annotate import adjudication, services
from annotate.forms import ClusterDecisionForm
from annotate.models import Annotation, Article
from annotate.params import parse_id
from annotate.permissions import is_curator
from annotate.views.requests import AppRequest

TEMPLATE = "annotate/adjudicate.html"
REFUSED = (
    "The adjudication view shows every reviewer's work side by side, so it is for curators and "
    "staff. Ask an admin to add you to the Curators group if you adjudicate."
)


def _refused(request: AppRequest) -> HttpResponse:
    return render(request, "annotate/refused.html", {"reason": REFUSED}, status=403)


def _text(message: str, status: int) -> HttpResponse:
    # Plain text: annotate.js shows a refused request's text in the status line.
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@require_GET
def adjudicate(request: AppRequest, pk: int) -> HttpResponse:
    """Context: article, clusters (adjudication.Cluster, text order), unanimous_open (how many
    unanimous clusters the bulk accept would settle), reviewers (usernames, the legend)."""
    if not is_curator(request.user):
        return _refused(request)
    article = get_object_or_404(Article, pk=pk)
    found = adjudication.article_clusters(article)
    return render(request, TEMPLATE, _context(article, found))


def _context(article: Article, found: list[adjudication.Cluster]) -> dict[str, object]:
    return {
        "article": article,
        "clusters": found,
        "fields": [f.name for f in adjudication.FIELDS],
        "unanimous_open": sum(1 for c in found if c.unanimous and not c.all_accepted),
        "versions": sum(len(c.versions) for c in found),
        "reviewers": sorted({a.reviewer.get_username() for c in found for a in c.versions}),
    }


def _back(article: Article, anchor: str = "") -> HttpResponse:
    url = adjudication.adjudication_url(article.pk)
    return redirect(f"{url}#{anchor}" if anchor else url)


@require_POST
def cluster_decide(request: AppRequest, pk: int) -> HttpResponse:
    """POST action, annotation, reject_others, comment, seen: one decision on one cluster."""
    if not is_curator(request.user):
        raise PermissionDenied("Only curators and staff can adjudicate.")
    article = get_object_or_404(Article, pk=pk)
    form = ClusterDecisionForm(request.POST)
    if not form.is_valid():
        return _refused_decision(request, article, form.problem(), 400)
    data = form.cleaned_data
    seen: dict[int, int] = data["seen"]
    try:
        decided = services.cluster_decide(
            curator=request.user,
            article=article,
            action=data["action"],
            seen=seen,
            target_id=data["annotation"],
            reject_others=data["reject_others"],
            comment=data["comment"],
        )
    except services.StaleReview as exc:
        return _refused_decision(request, article, str(exc.message), 409, anchor=min(seen))
    except ValidationError as exc:
        return _refused_decision(request, article, " ".join(exc.messages), 400, anchor=min(seen))
    said = "; ".join(
        f"{a.get_status_display()} {a.reviewer.get_username()}'s version" for a in decided
    )
    found = adjudication.article_clusters(article)
    cluster = adjudication.cluster_of(found, min(seen))
    if not request.htmx or cluster is None:
        messages.success(request, f"{said}.")
        return _back(article, cluster.anchor if cluster else "")
    response = render(
        request, f"{TEMPLATE}#cluster", {**_context(article, found), "cluster": cluster}
    )
    trigger_client_event(response, "stancemark-announce", {"text": f"{said}."})
    return response


def _refused_decision(
    request: AppRequest, article: Article, message: str, status: int, *, anchor: int | None = None
) -> HttpResponse:
    if request.htmx:
        return _text(message, status)
    messages.error(request, message)
    return _back(article, f"ann-{anchor}" if anchor else "")


@require_POST
def accept_unanimous(request: AppRequest, pk: int) -> HttpResponse:
    """Accept every cluster of the article where all reviewers agree on every field."""
    if not is_curator(request.user):
        raise PermissionDenied("Only curators and staff can adjudicate.")
    article = get_object_or_404(Article, pk=pk)
    clusters, annotations = services.accept_unanimous(curator=request.user, article=article)
    if clusters:
        messages.success(
            request,
            f"Accepted {annotations} annotation{'s' * (annotations != 1)} in {clusters} "
            f"unanimous cluster{'s' * (clusters != 1)}.",
        )
    else:
        messages.info(request, "No unanimous cluster was waiting for a decision.")
    return _back(article)


@require_POST
def curated_copy(request: AppRequest, pk: int) -> HttpResponse:
    """POST annotation: take that version as the curator's own copy and open it in the edit form."""
    if not is_curator(request.user):
        raise PermissionDenied("Only curators and staff can adjudicate.")
    article = get_object_or_404(Article, pk=pk)
    annotation_id = parse_id(request.POST.get("annotation"))
    original = (
        Annotation.objects.filter(pk=annotation_id, article=article).first()
        if annotation_id is not None
        else None
    )
    if original is None:
        messages.error(request, "That version is not on this article: reload the page.")
        return _back(article)
    try:
        copy = services.curated_copy(curator=request.user, annotation=original)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(article, f"ann-{original.pk}")
    messages.success(
        request,
        f"Your copy of {original.reviewer.get_username()}'s version: edit it, save, then accept "
        "it in the adjudication view.",
    )
    edit = reverse("annotate:article-detail", args=[article.pk]) + f"?edit={copy.pk}#form-slot"
    if request.htmx:  # a full page, not a fragment: htmx follows it as a navigation
        response = HttpResponse(status=204)
        response["HX-Redirect"] = edit
        return response
    return redirect(edit)
