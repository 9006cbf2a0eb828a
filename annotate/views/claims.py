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
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from annotate import claims, services, spans
from annotate.models import (
    Annotation,
    Article,
    Certainty,
    Claim,
    Stance,
    Status,
    claim_involves,
)
from annotate.permissions import Visibility, visibility_for
from annotate.views.requests import AppRequest

CLAIMS_PER_PAGE = 25
# "Who is said to support of any kind the Taliban as [object]?": the Taliban receives the support.
QUESTION_ROLES = [("object", "object"), ("subject", "subject"), ("either", "subject or object")]
ATTRIBUTIONS_PER_PAGE = 50
ACTOR_CLAIMS_SHOWN = 50
ACTOR_QUOTES_SHOWN = 50
SNIPPET_WIDTH = 80


def _blank(choices: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "Any"), *choices]


class RelationField(forms.MultipleChoiceField):
    """Several relations or groups (`?relation=arms&relation=group:support`). Unknown values are
    reported by ClaimFilterForm.clean_relation, so that the known ones still filter."""

    widget = forms.CheckboxSelectMultiple

    def validate(self, value: Any) -> None:
        pass


class ClaimFilterForm(forms.Form):
    """The GET filter form on /claims/ (and the question form, which sends a subset of it).

    Unknown values are reported, not silently ignored: the field is left out of the filters,
    except the relation, whose known values still apply. `relation` takes several values, each
    a relation's slug or "group:" + a relation group's slug.
    """

    actor = forms.CharField(required=False, max_length=200, label="Actor")
    role = forms.ChoiceField(
        required=False,
        label="As",
        choices=[("either", "Subject or object"), ("subject", "Subject"), ("object", "Object")],
    )
    relation = RelationField(required=False, label="Relation")
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
        self,
        data: QueryDict | None,
        *,
        relation_choices: Iterable[claims.RelationChoice],
        reviewers: Iterable[str],
    ) -> None:
        super().__init__(data)
        self.relation_choices = list(relation_choices)
        self._by_value = {c.value: c for c in self.relation_choices}
        self._relations_chosen: list[claims.RelationChoice] = []
        relation = cast(RelationField, self.fields["relation"])
        relation.choices = [(c.value, c.long_label) for c in self.relation_choices]
        reviewer = cast(forms.ChoiceField, self.fields["reviewer"])
        reviewer.choices = _blank([(u, u) for u in reviewers])

    @property
    def relation_optgroups(self) -> list[tuple[str, list[claims.RelationChoice]]]:
        """The choices as the question's select groups them: groups of relations, then relations."""
        groups = [c for c in self.relation_choices if c.is_group]
        singles = [c for c in self.relation_choices if not c.is_group]
        return [(label, c) for label, c in (("Groups", groups), ("Relations", singles)) if c]

    @classmethod
    def for_user(
        cls, data: QueryDict | None, visibility: Visibility, *, reviewers: bool = True
    ) -> ClaimFilterForm:
        """The form with the relation choices and the reviewers `visibility` may see (two queries;
        one with reviewers=False, for pages that only read the filters and have no reviewer one).
        """
        names = claims.reviewers_in(visibility.annotations()) if reviewers else []
        return cls(data, relation_choices=claims.relation_choices(), reviewers=list(names))

    def clean_relation(self) -> list[str]:
        values = [v for v in dict.fromkeys(self.cleaned_data.get("relation") or []) if v]
        self._relations_chosen = [self._by_value[v] for v in values if v in self._by_value]
        unknown = [v for v in values if v not in self._by_value]
        if unknown:
            shown = ", ".join(f"“{v[:40]}”" for v in unknown[:3])
            raise forms.ValidationError(
                f"{shown} is not a relation or relation group here, so it was left out; "
                "choose from the list."
            )
        return values

    def filters(self, visibility: Visibility) -> claims.ClaimFilters:
        """The valid fields as ClaimFilters (invalid ones are left out and shown as errors).

        An actor the user may not see is "not found": the page must not confirm that a name only
        other reviewers' hidden work uses exists.
        """
        if not self.is_bound:
            return claims.ClaimFilters()
        self.is_valid()
        data = self.cleaned_data
        actor_name = (data.get("actor") or "").strip()
        actor = services.actor_lookup(actor_name) if actor_name else None
        if actor is not None and not visibility.may_see_actor(actor):
            actor = None
        return claims.ClaimFilters.of_relations(
            self._relations_chosen,
            actor_name=actor_name,
            actor=actor,
            role=data.get("role") or "either",
            stance=data.get("stance") or "",
            certainty=data.get("certainty") or "",
            status=data.get("status") or "",
            reviewer=data.get("reviewer") or "",
            sort=data.get("sort") or claims.DEFAULT_SORT,
        )


def _list_filters(request: AppRequest, visibility: Visibility) -> claims.ClaimFilters:
    """The claims list's filters, carried in the query string of a claim or actor page opened
    from it (no query when there is none; the reviewers only when one is asked for)."""
    if not request.GET:
        return claims.ClaimFilters()
    form = ClaimFilterForm.for_user(
        request.GET, visibility, reviewers=bool(request.GET.get("reviewer"))
    )
    return form.filters(visibility)


def _kept_filters(filters: claims.ClaimFilters) -> dict[str, Any]:
    """Context for the "Filtered: … · clear" line and the links that keep the list's filters."""
    return {
        "filters": filters,
        "querystring": filters.querystring(),
        "filter_summary": filters.summary_parts(),
    }


@require_GET
def claim_list(request: AppRequest) -> HttpResponse:
    """Claims grouped with per-stance counts, filterable and sortable (annotate/claim_list.html).

    Query parameters (the filter form and the question form "Who is said to [relation] [actor]
    as [role]?" send the same ones): actor (name or alias), role (either, subject, object),
    relation (repeatable: a relation's slug or "group:SLUG" for a relation group; claims whose
    relation is any of them), stance, certainty, status, reviewer, sort, page.

    Context: form, rows (claims.ClaimRow for this page), page_obj, filters, visibility,
    actor_names (suggestions), querystring (the filters, for pagination and for the links to
    claim and actor pages, which keep them), question_relation (the question's relation when
    one is chosen), show_status_switch and status_switch (the "Everything · Accepted only"
    links), is_filtered.
    """
    visibility = visibility_for(request.user)
    visible = visibility.annotations()
    form = ClaimFilterForm.for_user(request.GET or None, visibility)
    filters = form.filters(visibility)
    tallies = claims.claim_tallies(visibility, filters)
    page_obj = Paginator(tallies, CLAIMS_PER_PAGE).get_page(request.GET.get("page"))
    rows = claims.claim_rows(page_obj.object_list)
    accepted = Status.ACCEPTED.value
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
            "querystring": filters.querystring(),
            "question_relation": (
                filters.relation_choices[0].value if len(filters.relation_choices) == 1 else ""
            ),
            "question_role": filters.role if filters.actor_name else "object",
            "question_roles": QUESTION_ROLES,
            "show_status_switch": filters.status == accepted
            or visible.filter(status=accepted).exists(),
            "status_switch": [
                ("Everything", filters.querystring(status=""), not filters.status),
                ("Accepted only", filters.querystring(status=accepted), filters.status == accepted),
            ],
            "is_filtered": filters.is_filtered or bool(form.errors),
        },
    )


@require_GET
def claim_detail(request: AppRequest, pk: int) -> HttpResponse:
    """Every visible attribution of one claim, quote in context, linking into the article; 404 if
    the user may not see the claim (only others' hidden work uses it).

    Opened from a filtered claims list, the page keeps the list's query string: its attributions
    and counts honour the filters an attribution can fail (stance, certainty, status, reviewer),
    it says which filters are on, and its links (back to the list, to actors) keep them.

    Template annotate/claim_detail.html. Context: claim, row (counts), attributions (page of
    dicts with annotation, before/quote/after and article), page_obj, visibility, typed_text
    (the claim's text was typed rather than generated, so show it), filters, querystring and
    filter_summary (the list's filters: see _kept_filters).
    """
    visibility = visibility_for(request.user)
    claim = get_object_or_404(
        visibility.claims().select_related("subject", "relation", "object"), pk=pk
    )
    filters = _list_filters(request, visibility)
    attribution_filters = filters.attribution_filters()
    visible = attribution_filters.apply(visibility.annotations().filter(claim=claim))
    tallies = claims.claim_tallies(visibility, attribution_filters, claims=Q(claim=claim))
    row = next(iter(claims.claim_rows(list(tallies))), None)
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
            **_kept_filters(filters),
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

    Opened from a filtered claims list, every section is within the list's filters (all of them:
    with "Taliban as object", Russia's page shows what Russia is said to do to the Taliban and
    what Russia says about claims on the Taliban), the page says which filters are on, and its
    links keep them.

    Context: actor, affiliation (None unless visible), aliases, members (visible ones),
    as_subject and as_object (claims.ClaimRow lists, capped), subject_total/object_total,
    subject_more/object_more (query strings of the claims list for all of a section),
    statements (annotations with the actor as named source, capped), statements_total,
    visibility, filters, querystring and filter_summary (see _kept_filters).
    """
    visibility = visibility_for(request.user)
    visible_actors = visibility.actors()
    actor = get_object_or_404(
        visible_actors.select_related("affiliation").annotate(
            affiliation_visible=Exists(visible_actors.filter(pk=OuterRef("affiliation_id")))
        ),
        pk=pk,
    )
    filters = _list_filters(request, visibility)
    visible = filters.apply(visibility.annotations())
    sections: dict[str, tuple[list[claims.ClaimRow], int]] = {}
    for role in ("subject", "object"):
        # The first section brings the stored tallies up to date, the second reads them as they are.
        tallies = claims.claim_tallies(
            visibility, filters, claims=claim_involves(actor, role), refreshed=bool(sections)
        )
        page = Paginator(tallies, ACTOR_CLAIMS_SHOWN).get_page(1)
        sections[role] = (claims.claim_rows(page.object_list), page.paginator.count)
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
            "subject_more": filters.querystring(actor=actor.name, role="subject"),
            "as_object": sections["object"][0],
            "object_total": sections["object"][1],
            "object_more": filters.querystring(actor=actor.name, role="object"),
            "statements": _with_snippets(list(said_page.object_list)),
            "statements_total": said_page.paginator.count,
            "visibility": visibility,
            **_kept_filters(filters),
        },
    )
