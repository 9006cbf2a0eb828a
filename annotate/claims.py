"""Reads behind the claims, claim and actor pages: filters, claim groups, sources, suggestions.

Kept out of the views so the grouping (one aggregate query) is testable on its own. Which
annotations, claims and actors a user may see is not decided here: callers pass in querysets from
annotate.permissions.Visibility. Every function here runs a fixed number of queries, whatever the
number of claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

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
from django.http import QueryDict

from annotate.models import (
    Actor,
    Annotation,
    AnnotationQuerySet,
    Certainty,
    Claim,
    Relation,
    SourceKind,
    Stance,
    entity_label,
)

ROLES = ("either", "subject", "object")
SORTS = ("attributions", "disagreement")  # DEFAULT_SORT first


# ---------------------------------------------------------------- filters

GROUP_PREFIX = "group:"
DEFAULT_SORT = "attributions"
ROLE_WORDS = {"either": "subject or object", "subject": "subject", "object": "object"}
# The filters one attribution of a claim can fail, whatever the claim.
ATTRIBUTION_FIELDS = ("stance", "certainty", "status", "reviewer")


@dataclass(frozen=True)
class RelationChoice:
    """One choice of the relation filter: a relation (`value` is its slug) or a relation group
    (`value` is "group:" + its slug), with the relation slugs it selects."""

    value: str
    label: str
    slugs: frozenset[str]
    member_labels: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.value.startswith(GROUP_PREFIX)

    @property
    def long_label(self) -> str:
        """The label, and for a group what it stands for: "support of any kind (advises, arms …)"."""
        if self.is_group:
            return f"{self.label} ({', '.join(self.member_labels)})"
        return self.label


def relation_choices() -> list[RelationChoice]:
    """Relation groups by label, then relations by label (one query).

    A group with no relation is not offered: it would select nothing.
    """
    relations: dict[str, str] = {}
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    rows = Relation.objects.order_by("label", "slug").values_list(
        "slug", "label", "groups__slug", "groups__label"
    )
    for slug, label, group_slug, group_label in rows:
        relations[slug] = label
        if group_slug is not None:
            groups.setdefault(group_slug, (group_label, []))[1].append((slug, label))
    group_choices = sorted(
        (
            RelationChoice(
                value=GROUP_PREFIX + group_slug,
                label=group_label,
                slugs=frozenset(slug for slug, _ in members),
                member_labels=tuple(label for _, label in members),
            )
            for group_slug, (group_label, members) in groups.items()
        ),
        key=lambda c: (c.label.lower(), c.value),
    )
    return group_choices + [
        RelationChoice(value=slug, label=label, slugs=frozenset({slug}))
        for slug, label in relations.items()
    ]


@dataclass(frozen=True)
class ClaimFilters:
    """Parsed filter form, and the one place filters are applied to attributions.

    `actor` is resolved from `actor_name` (name or alias) by the form. `relations` is the set of
    relation slugs a claim's relation must be one of (None: any relation); `relation_choices` are
    the choices that made it (groups and single relations), for the words and the links.
    """

    actor_name: str = ""
    actor: Actor | None = None
    role: str = "either"
    relations: frozenset[str] | None = None
    relation_choices: tuple[RelationChoice, ...] = ()
    stance: str = ""
    certainty: str = ""
    status: str = ""
    reviewer: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def of_relations(cls, choices: Iterable[RelationChoice], **kwargs: Any) -> ClaimFilters:
        """Filters whose relation is any of `choices` (the union of their relations)."""
        chosen = tuple(choices)
        slugs = frozenset().union(*(c.slugs for c in chosen)) if chosen else None
        return cls(relations=slugs, relation_choices=chosen, **kwargs)

    @property
    def actor_not_found(self) -> bool:
        return bool(self.actor_name.strip()) and self.actor is None

    @property
    def is_filtered(self) -> bool:
        """Some filter is set (the sort order is not a filter)."""
        return bool(self.summary_parts())

    def apply(self, annotations: AnnotationQuerySet) -> AnnotationQuerySet:
        """Keep the attributions matching every filter that is set."""
        qs = annotations
        if self.actor_not_found:
            return qs.none()
        if self.actor is not None:
            qs = qs.involving(self.actor, self.role)
        if self.relations is not None:
            qs = qs.filter(claim__relation__slug__in=sorted(self.relations))
        if self.stance:
            qs = qs.filter(stance=self.stance)
        if self.certainty:
            qs = qs.filter(certainty=self.certainty)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.reviewer:
            qs = qs.filter(reviewer__username=self.reviewer)
        return qs

    def attribution_filters(self) -> ClaimFilters:
        """Only the filters an attribution of a given claim can fail (stance, certainty, status,
        reviewer): what a claim's page applies to its attributions."""
        return replace(
            self, actor_name="", actor=None, role="either", relations=None, relation_choices=()
        )

    # ------------------------------------------------------------ in words and in links

    @property
    def relation_words(self) -> str:
        """ "support of any kind or “opposes”": groups as they read, single relations quoted."""
        words = [c.label if c.is_group else f"“{c.label}”" for c in self.relation_choices]
        return " or ".join(words)

    @property
    def actor_words(self) -> str:
        name = self.actor.name if self.actor is not None else f"“{self.actor_name.strip()}”"
        return f"{name} as {ROLE_WORDS[self.role]}"

    def summary_parts(self) -> list[str]:
        """Each filter that is set, in words: ["relation support of any kind", "Taliban as
        object", "status accepted"] (escaped where rendered)."""
        parts = []
        if self.relation_choices:
            parts.append(f"relation {self.relation_words}")
        if self.actor_name.strip():
            parts.append(self.actor_words)
        return parts + self._attribution_parts()

    def _attribution_parts(self) -> list[str]:
        return [f"{name} {value}" for name in ATTRIBUTION_FIELDS if (value := getattr(self, name))]

    def heading(self) -> str:
        """The question the filters ask, in words: "Claims where Taliban is the object of support
        of any kind"."""
        words = ["Claims"]
        actor = self.actor.name if self.actor is not None else f"“{self.actor_name.strip()}”"
        has_actor = bool(self.actor_name.strip())
        if has_actor and self.role != "either":
            words.append(f"where {actor} is the {self.role}")
        if self.relation_choices:
            words.append(f"of {self.relation_words}")
        if has_actor and self.role == "either":
            words.append(f"involving {actor}")
        others = self._attribution_parts()
        heading = " ".join(words) if len(words) > 1 else "All claims"
        return f"{heading} · {', '.join(others)}" if others else heading

    def query(self) -> QueryDict:
        """The filters as query parameters, the same the filter and question forms send."""
        params = QueryDict(mutable=True)
        if self.actor_name.strip():
            params["actor"] = self.actor_name.strip()
            params["role"] = self.role
        params.setlist("relation", [c.value for c in self.relation_choices])
        for name in ATTRIBUTION_FIELDS:
            if value := getattr(self, name):
                params[name] = value
        if self.sort != DEFAULT_SORT:
            params["sort"] = self.sort
        return params

    def querystring(self, **changes: str) -> str:
        """`query()` urlencoded, with some parameters set or (given "") removed."""
        params = self.query()
        for name, value in changes.items():
            if value:
                params[name] = value
            else:
                params.pop(name, None)
        return params.urlencode()


# ---------------------------------------------------------------- claim groups


def source_key():
    """One value per distinct source: a named source's actor (the same in every article), else
    the source entity (annotate.models.Source); rows written past the services and not linked yet
    count as the entity would (sources_by_claim reads them the same way)."""
    return Case(
        When(
            source_kind=SourceKind.NAMED,
            then=Concat(Value("actor:"), Cast("source_actor_id", CharField())),
        ),
        When(
            source__isnull=False,
            then=Concat(Value("source:"), Cast("source_id", CharField())),
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


#: Sources a claim row names before "+N more" (the rest are one click away, in <details>).
SOURCES_SHOWN = 6
#: Certainties worth naming beside a source: the hedges (annotate.models.Certainty.is_hedged).
HEDGES = tuple(c.value for c in Certainty if c.is_hedged)


@dataclass(frozen=True)
class SourceSaid:
    """One source's attributions of a claim with one stance: who, how hedged, how many."""

    label: str
    hedges: tuple[str, ...]  # the hedged certainties it was marked with, e.g. ("probable",)
    attributions: int
    sources: int = 1  # distinct sources behind this label (e.g. "an official" in two articles)

    @property
    def text(self) -> str:
        extra = [*self.hedges, *([f"{self.sources} sources"] if self.sources > 1 else [])]
        return f"{self.label} ({', '.join(extra)})" if extra else self.label


@dataclass(frozen=True)
class StanceSources:
    """The sources of a claim that take one stance, most attributions first."""

    stance: str
    sources: list[SourceSaid]


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
    #: Its sources grouped by stance (asserts, denies, reports, questions).
    by_stance: list[StanceSources] = field(default_factory=list)

    @property
    def stance_counts(self) -> list[tuple[str, int]]:
        return [(s.value, getattr(self, s.value)) for s in Stance]

    @property
    def stance_sources_shown(self) -> list[StanceSources]:
        """by_stance cut to SOURCES_SHOWN sources in all (the first ones of each stance first)."""
        return _cut(self.by_stance, SOURCES_SHOWN)[0]

    @property
    def stance_sources_more(self) -> list[StanceSources]:
        """What stance_sources_shown leaves out, for the "+N more" disclosure."""
        return _cut(self.by_stance, SOURCES_SHOWN)[1]

    @property
    def sources_more_count(self) -> int:
        return sum(len(group.sources) for group in self.stance_sources_more)


def _cut(
    groups: list[StanceSources], limit: int
) -> tuple[list[StanceSources], list[StanceSources]]:
    shown: list[StanceSources] = []
    more: list[StanceSources] = []
    left = limit
    for group in groups:
        head, tail = group.sources[: max(left, 0)], group.sources[max(left, 0) :]
        left -= len(head)
        if head:
            shown.append(StanceSources(group.stance, head))
        if tail:
            more.append(StanceSources(group.stance, tail))
    return shown, more


def _source_key_and_label(row: dict) -> tuple[tuple, str]:
    """Which source a row is and how it reads: a named source is its actor (the same person in
    every article); any other, its source entity (annotate.models.Source)."""
    kind = row["source_kind"]
    if kind == SourceKind.NAMED:
        return ("actor", row["source_actor_id"]), row["source_actor__name"] or "Named source"
    label = entity_label(
        kind,
        actor=None,
        description=row["source__description"] or row["source_description"],
        affiliation=row["source__affiliation__name"],
        outlet=row["article__outlet"],
        byline=row["article__byline"],
    )
    if row["source_id"] is not None:
        return ("source", row["source_id"]), label
    # Written past the services and not linked yet (services.link_unlinked): as claim_groups
    # counts it (source_key).
    if kind == SourceKind.AUTHOR:
        return ("author", row["article_id"]), label
    return ("unnamed", label.casefold()), label


def sources_by_claim(
    annotations: QuerySet[Annotation], claim_ids: Iterable[int]
) -> dict[int, list[StanceSources]]:
    """Each claim's sources grouped by stance, with their hedges and attribution counts (one
    query for a page of claims)."""
    rows = (
        annotations.filter(claim_id__in=list(claim_ids))
        .order_by()
        .values(
            "claim_id",
            "stance",
            "certainty",
            "source_kind",
            "source_actor_id",
            "source_actor__name",
            "source_id",
            "source__description",
            "source_description",
            "source__affiliation__name",
            "article_id",
            "article__outlet",
            "article__byline",
        )  # fmt: skip
        .annotate(n=Count("id"))
    )
    # claim → stance → label → (source keys, hedges, attributions)
    tally: dict[int, dict[str, dict[str, tuple[set, set, int]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in rows:
        key, label = _source_key_and_label(row)
        keys, hedges, n = tally[row["claim_id"]][row["stance"]].get(label, (set(), set(), 0))
        keys.add(key)
        if row["certainty"] in HEDGES:
            hedges.add(row["certainty"])
        tally[row["claim_id"]][row["stance"]][label] = (keys, hedges, n + row["n"])
    result: dict[int, list[StanceSources]] = {}
    for claim_id, stances in tally.items():
        result[claim_id] = [
            StanceSources(
                stance.value,
                sorted(
                    (
                        SourceSaid(label, tuple(h for h in HEDGES if h in hedges), n, len(keys))
                        for label, (keys, hedges, n) in stances[stance.value].items()
                    ),
                    key=lambda said: (-said.attributions, said.label.casefold()),
                ),
            )
            for stance in Stance
            if stance.value in stances
        ]
    return result


def _names(groups: list[StanceSources]) -> list[str]:
    """Every source label once, most attributions first (the rows' plain `source_names`)."""
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        for said in group.sources:
            counts[said.label] += said.attributions
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def claim_rows(
    annotations: QuerySet[Annotation], groups: Iterable[dict], *, with_source_names: bool = True
) -> list[ClaimRow]:
    """Attach claims (one query) and their sources by stance (one query) to a page of
    claim_groups rows.

    Without source names (the network draws none) the rows' sources are empty and the second
    query, a scan of every matching attribution, is not run.
    """
    groups = list(groups)
    ids = [g["claim_id"] for g in groups]
    claims = Claim.objects.select_related("subject", "relation", "object").in_bulk(ids)
    by_claim = sources_by_claim(annotations, ids) if with_source_names else {}
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
            source_names=_names(by_claim.get(g["claim_id"], [])),
            by_stance=by_claim.get(g["claim_id"], []),
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
