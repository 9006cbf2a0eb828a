"""Inter-annotator agreement for curators and staff: overall, a per-article table, and on demand
one article's figures per reviewer pair with its list of disagreements.

The overall figures and the table come from annotate.agreement_store (stored per-article counts,
re-summed; stale articles are recomputed first), so the page costs the same few queries and the
same size whatever the project's size. An article's details are computed afresh from its
annotations. Reviewers get a page saying why they may not see it (status 403).
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotate import agreement_store
from annotate.agreement import CERTAINTY_ORDER, OVERLAP_THRESHOLD
from annotate.agreement_sums import KINDS
from annotate.models import Article, Claim
from annotate.params import parse_id
from annotate.permissions import AGREEMENT_REFUSED, may_see_agreement
from annotate.views.requests import AppRequest

ARTICLES_PER_PAGE = 25
DISAGREEMENTS_SHOWN = 100  # per article; the JSON report lists every one


class AgreementTableForm(forms.Form):
    """The per-article table's sort; an unknown value is reported and the default used."""

    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[(key, label) for key, (label, _order) in agreement_store.SORTS.items()],
    )

    def sort_key(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data["sort"]:
            return str(self.cleaned_data["sort"])
        return agreement_store.DEFAULT_SORT


def _refused(request: AppRequest) -> HttpResponse:
    return render(
        request, "annotate/agreement_refused.html", {"reason": AGREEMENT_REFUSED}, status=403
    )


def _method_context() -> dict[str, object]:
    return {
        "threshold_percent": round(OVERLAP_THRESHOLD * 100),
        "certainty_order": " > ".join(reversed(CERTAINTY_ORDER)),
    }


@require_GET
def agreement_page(request: AppRequest) -> HttpResponse:
    """The agreement report (annotate/agreement.html); reviewers get 403 so agreement stays blind.

    Context: overall (agreement.Section), page_obj (a page of models.ArticleAgreement rows),
    form (the sort), sort, sort_label, sorts, querystring (the sort, for pagination links), threshold_percent,
    certainty_order.
    """
    if not may_see_agreement(request.user):
        return _refused(request)
    form = AgreementTableForm(request.GET if "sort" in request.GET else None)
    sort = form.sort_key()
    overall = agreement_store.overall()
    rows = agreement_store.article_rows(sort)
    page_obj = Paginator(rows, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "annotate/agreement.html",
        {
            "overall": overall,
            "page_obj": page_obj,
            "form": form,
            "sort": sort,
            "sort_label": agreement_store.SORTS[sort][0],
            "sorts": agreement_store.SORTS,
            "querystring": f"sort={sort}",
            **_method_context(),
        },
    )


@require_GET
def agreement_article(request: AppRequest, pk: int) -> HttpResponse:
    """One article's agreement per reviewer pair and its disagreements, each linking to where it
    is resolved (agreement_store.disagreement_href). htmx gets the partial (annotate/
    agreement_article.html#detail) the table loads on demand; a plain request the whole page.

    Context: article, detail (agreement_store.ArticleDetail), items (the disagreements shown, each
    with its href, quote, label and members with their claims), counts (kind, label, number),
    total, shown, sort and from_page (to go back to the table), threshold_percent, certainty_order.
    """
    if not may_see_agreement(request.user):
        return _refused(request)
    article = Article.objects.filter(pk=pk).only("pk", "title", "text").first()
    if article is None:
        raise Http404("No such article.")
    detail = agreement_store.article_detail(article)
    shown = detail.disagreements[:DISAGREEMENTS_SHOWN]
    claim_ids = {it.claim for d in shown for it in d.members}
    claims = {c.pk: c for c in Claim.objects.filter(pk__in=claim_ids).only("pk", "text")}
    items = [
        {
            "d": d,
            "href": agreement_store.disagreement_href(article.pk, d.first_id),
            "quote": _excerpt(article.text, d.start, max(it.end for it in d.members)),
            "label": KINDS[d.kind],
            "members": [{"it": it, "claim": claims.get(it.claim)} for it in d.members],
        }
        for d in shown
    ]
    counts = {kind: sum(1 for d in detail.disagreements if d.kind == kind) for kind in KINDS}
    page = parse_id(request.GET.get("from_page"))
    context = {
        "article": article,
        "detail": detail,
        "items": items,
        "counts": [(kind, KINDS[kind], n) for kind, n in counts.items()],
        "total": len(detail.disagreements),
        "shown": len(shown),
        "sort": AgreementTableForm(request.GET if "sort" in request.GET else None).sort_key(),
        "from_page": page,
        **_method_context(),
    }
    template = "annotate/agreement_article.html"
    return render(request, f"{template}#detail" if request.htmx else template, context)


def _excerpt(text: str, start: int, end: int, limit: int = 240) -> str:
    """The passage a disagreement is about, shortened in the middle if long."""
    passage = text[start:end]
    if len(passage) <= limit:
        return passage
    return passage[: limit // 2].rstrip() + " … " + passage[-limit // 2 :].lstrip()
