"""Claims overview, one claim's attributions, and an actor's page.

They answer "who is said to support the Taliban, and according to whom": claims grouped by
subject–relation–object with per-stance counts, then every attribution linking back into the
article. What a user sees (annotations, claims, actors) comes from annotate.permissions.Visibility:
curators see all; blind mode hides others' work on articles the reviewer has not finished; a claim
or actor page the user may not see is a 404. Query counts are constant.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from annotate import claims, services, spans
from annotate.models import Annotation, Article, Certainty, Claim, Relation, Stance, Status
from annotate.permissions import Visibility, visibility_for
from annotate.views.requests import AppRequest

CLAIMS_PER_PAGE = 25
ATTRIBUTIONS_PER_PAGE = 50
ACTOR_CLAIMS_SHOWN = 50
ACTOR_QUOTES_SHOWN = 50
SNIPPET_WIDTH = 80


def _blank(choices: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "Any"), *choices]


class ClaimFilterForm(forms.Form):
    """The GET filter form on /claims/; unknown values are reported, not silently ignored."""

    actor = forms.CharField(required=False, max_length=200, label="Actor")
    role = forms.ChoiceField(
        required=False,
        label="As",
        choices=[("either", "Subject or object"), ("subject", "Subject"), ("object", "Object")],
    )
    relation = forms.ChoiceField(required=False, label="Relation")
    stance = forms.ChoiceField(required=False, label="Stance", choices=_blank(Stance.choices))
    certainty = forms.ChoiceField(
        required=False, label="Certainty", choices=_blank(Certainty.choices)
    )
    status = forms.ChoiceField(required=False, label="Status", choices=_blank(Status.choices))
    reviewer = forms.ChoiceField(required=False, label="Reviewer")
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[("attributions", "Most attributions"), ("disagreement", "Disagreement first")],
    )

    def __init__(
        self, data: QueryDict | None, *, relations: Iterable[Relation], reviewers: Iterable[str]
    ) -> None:
        super().__init__(data)
        relation = cast(forms.ChoiceField, self.fields["relation"])
        relation.choices = _blank([(r.slug, r.label) for r in relations])
        reviewer = cast(forms.ChoiceField, self.fields["reviewer"])
        reviewer.choices = _blank([(u, u) for u in reviewers])

    def filters(self, visibility: Visibility) -> claims.ClaimFilters:
        """The valid fields as ClaimFilters (invalid ones are left out and shown as errors).

        An actor the user may not see is "not found": the page must not confirm that a name only
        other reviewers' hidden work uses exists.
        """
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if v}
        actor_name = data.pop("actor", "").strip()
        actor = services.actor_lookup(actor_name) if actor_name else None
        if actor is not None and not visibility.may_see_actor(actor):
            actor = None
        return claims.ClaimFilters(
            actor_name=actor_name, actor=actor, role=data.pop("role", "either"), **data
        )


def _querystring(request: AppRequest, drop: str = "page") -> str:
    params = request.GET.copy()
    params.pop(drop, None)
    return params.urlencode()


@require_GET
def claim_list(request: AppRequest) -> HttpResponse:
    """Claims grouped with per-stance counts, filterable and sortable (annotate/claim_list.html).

    Context: form, rows (claims.ClaimRow for this page), page_obj, filters, visibility,
    actor_names (suggestions), querystring (filters without the page, for pagination links).
    """
    visibility = visibility_for(request.user)
    visible = visibility.annotations()
    form = ClaimFilterForm(
        request.GET or None,
        relations=list(Relation.objects.all()),
        reviewers=list(claims.reviewers_in(visible)),
    )
    filters = form.filters(visibility) if form.is_bound else claims.ClaimFilters()
    selected = filters.apply(visible)
    groups = claims.claim_groups(selected, sort=filters.sort)
    page_obj = Paginator(groups, CLAIMS_PER_PAGE).get_page(request.GET.get("page"))
    rows = claims.claim_rows(selected, page_obj.object_list)
    return render(
        request,
        "annotate/claim_list.html",
        {
            "form": form,
            "rows": rows,
            "page_obj": page_obj,
            "filters": filters,
            "visibility": visibility,
            "actor_names": claims.actor_names(visibility.actors()),
            "querystring": _querystring(request),
            "is_filtered": any(v for k, v in request.GET.items() if k not in ("page", "sort")),
        },
    )


@require_GET
def claim_detail(request: AppRequest, pk: int) -> HttpResponse:
    """Every visible attribution of one claim, quote in context, linking into the article; 404 if
    the user may not see the claim (only others' hidden work uses it).

    Template annotate/claim_detail.html. Context: claim, row (counts), attributions (page of
    dicts with annotation, before/quote/after and article), page_obj, visibility, typed_text
    (the claim's text was typed rather than generated, so show it).
    """
    visibility = visibility_for(request.user)
    claim = get_object_or_404(
        visibility.claims().select_related("subject", "relation", "object"), pk=pk
    )
    visible = visibility.annotations().filter(claim=claim)
    groups = list(claims.claim_groups(visible))
    row = claims.claim_rows(visible, groups)[0] if groups else None
    annotations = (
        visible.with_related()
        .select_related("article")
        .defer("article__text")
        .order_by("article__title", "article_id", "start", "id")
    )
    page_obj = Paginator(annotations, ATTRIBUTIONS_PER_PAGE).get_page(request.GET.get("page"))
    attributions = _with_snippets(list(page_obj.object_list))
    return render(
        request,
        "annotate/claim_detail.html",
        {
            "claim": claim,
            "typed_text": claim.text
            != Claim.generated_text(claim.subject, claim.relation, claim.object, claim.qualifier),
            "row": row,
            "attributions": attributions,
            "page_obj": page_obj,
            "visibility": visibility,
        },
    )


def _with_snippets(annotations: list[Annotation]) -> list[dict[str, Any]]:
    """Quote in context for each annotation; article texts are read once per page (one query)."""
    texts = dict(
        Article.objects.filter(pk__in={a.article_id for a in annotations}).values_list("pk", "text")
    )
    result = []
    for annotation in annotations:
        before, quote, after = spans.snippet(
            texts[annotation.article_id], annotation.start, annotation.end, SNIPPET_WIDTH
        )
        result.append(
            {
                "annotation": annotation,
                "before": before,
                "quote": quote,
                "after": after,
                # snippet() trims to SNIPPET_WIDTH characters: mark where it cut mid-line.
                "clipped_before": len(before) == SNIPPET_WIDTH,
                "clipped_after": len(after) == SNIPPET_WIDTH,
            }
        )
    return result


@require_GET
def actor_detail(request: AppRequest, pk: int) -> HttpResponse:
    """What an actor is said to do, what is said about it, and what it says (actor_detail.html);
    404 if the user may not see the actor.

    Context: actor, affiliation (None unless visible), aliases, members (visible ones),
    as_subject and as_object (claims.ClaimRow lists, capped), subject_total/object_total,
    statements (annotations with the actor as named source, capped), statements_total, visibility.
    """
    visibility = visibility_for(request.user)
    visible_actors = visibility.actors()
    actor = get_object_or_404(
        visible_actors.select_related("affiliation").annotate(
            affiliation_visible=Exists(visible_actors.filter(pk=OuterRef("affiliation_id")))
        ),
        pk=pk,
    )
    visible = visibility.annotations()
    sections = {}
    for role in ("subject", "object"):
        selected = claims.ClaimFilters(actor=actor, role=role).apply(visible)
        groups = claims.claim_groups(selected)
        page = Paginator(groups, ACTOR_CLAIMS_SHOWN).get_page(1)
        sections[role] = (claims.claim_rows(selected, page.object_list), page.paginator.count)
    said = (
        visible.filter(source_actor=actor)
        .with_related()
        .select_related("article")
        .defer("article__text")
        .order_by("article__title", "article_id", "start", "id")
    )
    said_page = Paginator(said, ACTOR_QUOTES_SHOWN).get_page(1)
    return render(
        request,
        "annotate/actor_detail.html",
        {
            "actor": actor,
            # The plugin types .annotate()'s attributes on the queryset's rows (extra_attrs), but
            # get_object_or_404's return type drops them: the attribute is there at run time.
            "affiliation": (
                actor.affiliation if actor.affiliation_visible else None  # type: ignore[attr-defined]
            ),
            "aliases": list(actor.aliases.values_list("name", flat=True)),
            "members": list(visible_actors.filter(affiliation=actor).values_list("pk", "name")),
            "as_subject": sections["subject"][0],
            "subject_total": sections["subject"][1],
            "as_object": sections["object"][0],
            "object_total": sections["object"][1],
            "statements": _with_snippets(list(said_page.object_list)),
            "statements_total": said_page.paginator.count,
            "visibility": visibility,
        },
    )
