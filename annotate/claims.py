"""Reads behind the claims, claim and actor pages: filters, claim groups, sources, suggestions.

Kept out of the views so the grouping (one aggregate query) is testable on its own. Which
annotations, claims and actors a user may see is not decided here: callers pass in querysets from
annotate.permissions.Visibility. Every function here runs a fixed number of queries, whatever the
number of claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Lower

from annotate.models import (
    Actor,
    Annotation,
    AnnotationQuerySet,
    Claim,
    SourceKind,
    Stance,
    source_label,
)

ROLES = ("either", "subject", "object")
SORTS = ("attributions", "disagreement")


# ---------------------------------------------------------------- filters


@dataclass
class ClaimFilters:
    """Parsed filter form. `actor` is resolved from `actor_name` (name or alias) by the view."""

    actor_name: str = ""
    actor: Actor | None = None
    role: str = "either"
    relation: str = ""
    stance: str = ""
    certainty: str = ""
    status: str = ""
    reviewer: str = ""
    sort: str = "attributions"

    @property
    def actor_not_found(self) -> bool:
        return bool(self.actor_name.strip()) and self.actor is None

    def apply(self, annotations: AnnotationQuerySet) -> AnnotationQuerySet:
        """Keep the attributions matching every filter that is set."""
        qs = annotations
        if self.actor_not_found:
            return qs.none()
        if self.actor is not None:
            qs = qs.involving(self.actor, self.role)
        if self.relation:
            qs = qs.filter(claim__relation__slug=self.relation)
        if self.stance:
            qs = qs.filter(stance=self.stance)
        if self.certainty:
            qs = qs.filter(certainty=self.certainty)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.reviewer:
            qs = qs.filter(reviewer__username=self.reviewer)
        return qs


# ---------------------------------------------------------------- claim groups


def source_key():
    """One value per distinct source: a named actor, an unnamed description, an article's author."""
    return Case(
        When(
            source_kind=SourceKind.NAMED,
            then=Concat(Value("actor:"), Cast("source_actor_id", CharField())),
        ),
        When(
            source_kind=SourceKind.AUTHOR,
            then=Concat(Value("author:"), Cast("article_id", CharField())),
        ),
        default=Concat(Value("unnamed:"), Lower("source_description")),
        output_field=CharField(),
    )


def claim_groups(annotations: QuerySet[Annotation], sort: str = "attributions") -> QuerySet:
    """One row per claim with per-stance counts, distinct sources and articles (one query).

    Rows are dicts: claim_id, total, asserts, denies, reports, questions, sources, articles,
    disputed (1 when both asserted and denied). `sort` is "attributions" or "disagreement".
    """
    stance_counts = {stance.value: Count("id", filter=Q(stance=stance.value)) for stance in Stance}
    rows = (
        annotations.order_by()
        .values("claim_id")
        .annotate(
            total=Count("id"),
            **stance_counts,
            sources=Count(source_key(), distinct=True),
            articles=Count("article_id", distinct=True),
        )
        .annotate(
            disputed=Case(
                When(Q(asserts__gt=0) & Q(denies__gt=0), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    )
    if sort == "disagreement":
        return rows.order_by("-disputed", "-denies", "-total", "claim_id")
    return rows.order_by("-total", "claim_id")


@dataclass
class ClaimRow:
    """A claim group ready to render: counts from claim_groups plus the claim and its sources."""

    claim: Claim
    total: int
    asserts: int
    denies: int
    reports: int
    questions: int
    sources: int
    articles: int
    disputed: bool
    source_names: list[str]

    @property
    def stance_counts(self) -> list[tuple[str, int]]:
        return [(s.value, getattr(self, s.value)) for s in Stance]


def source_names_by_claim(
    annotations: QuerySet[Annotation], claim_ids: Iterable[int]
) -> dict[int, list[str]]:
    """Readable source names per claim, most frequent first (one query for a page of claims)."""
    rows = (
        annotations.filter(claim_id__in=list(claim_ids))
        .order_by()
        .values("claim_id", "source_kind", "source_actor__name", "source_description")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        # Without the description: claim_groups counts a named source once per actor (source_key).
        label = source_label(
            row["source_kind"], row["source_actor__name"], row["source_description"], detail=False
        )
        counts[row["claim_id"]][label] += row["n"]
    return {
        claim_id: [name for name, _ in sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))]
        for claim_id, names in counts.items()
    }


def claim_rows(
    annotations: QuerySet[Annotation], groups: Iterable[dict], *, with_source_names: bool = True
) -> list[ClaimRow]:
    """Attach claims (one query) and source names (one query) to a page of claim_groups rows.

    Without source names (the network draws none) the rows' `source_names` are empty and the
    second query, a scan of every matching attribution, is not run.
    """
    groups = list(groups)
    ids = [g["claim_id"] for g in groups]
    claims = Claim.objects.select_related("subject", "relation", "object").in_bulk(ids)
    names = source_names_by_claim(annotations, ids) if with_source_names else {}
    return [
        ClaimRow(
            claim=claims[g["claim_id"]],
            total=g["total"],
            asserts=g["asserts"],
            denies=g["denies"],
            reports=g["reports"],
            questions=g["questions"],
            sources=g["sources"],
            articles=g["articles"],
            disputed=bool(g["disputed"]),
            source_names=names.get(g["claim_id"], []),
        )
        for g in groups
        if g["claim_id"] in claims
    ]


def reviewers_in(annotations: QuerySet[Annotation]) -> QuerySet:
    """Users with at least one of `annotations`, for the reviewer filter (one query)."""
    return (
        get_user_model()
        .objects.filter(pk__in=annotations.order_by().values("reviewer_id"))
        .order_by("username")
        .values_list("username", flat=True)
    )


def actor_names(actors: QuerySet[Actor]) -> list[str]:
    """Names and aliases of `actors` (those the user may see) for the actor field's suggestions
    (one query, so the visibility filter in `actors` runs once)."""
    names: set[str] = set()
    for name, alias in actors.order_by().values_list("name", "aliases__name"):
        names.add(name)
        if alias:
            names.add(alias)
    return sorted(names, key=str.lower)
