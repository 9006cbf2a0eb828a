"""Reads behind the claims, claim and actor pages: filters, claim tallies, suggestions.

Kept out of the views so the counting is testable on its own. Which annotations, claims and actors
a user may see is not decided here: callers pass in annotate.permissions.Visibility or querysets
from it. Every function here runs a fixed number of queries, whatever the number of claims; the
counting itself is annotate.claim_tally's, kept per claim by annotate.claim_store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from annotate import claim_store
from annotate.claim_tally import (
    STANCES,
    ClaimTally,
    StanceSources,
    sort_key,
    tally_claims,
)
from annotate.models import (
    Actor,
    Annotation,
    AnnotationQuerySet,
    Claim,
    ClaimSummary,
    Relation,
    Status,
    claim_involves,
)
from annotate.permissions import Scope, Visibility

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

    def claim_condition(self) -> Q:
        """The filters a claim matches or not (actor in its role, relation), on "claim__" fields:
        a condition for annotations and for models.ClaimSummary alike."""
        condition = Q()
        if self.actor is not None:
            condition &= claim_involves(self.actor, self.role)
        if self.relations is not None:
            condition &= Q(claim__relation__slug__in=sorted(self.relations))
        return condition

    def apply(self, annotations: AnnotationQuerySet) -> AnnotationQuerySet:
        """Keep the attributions matching every filter that is set."""
        if self.actor_not_found:
            return annotations.none()
        qs = annotations.filter(self.claim_condition())
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


# ---------------------------------------------------------------- claim tallies

#: Statuses the stored tallies (annotate.claim_store) answer: the status switch.
STORED_STATUSES = ("", Status.ACCEPTED.value)
#: claim_tally.sort_key in SQL, over models.ClaimSummary.
ORDERINGS = {
    "attributions": ("-attributions", "-marks", "claim_id"),
    "disagreement": ("-disputed", "-denies", "-attributions", "-marks", "claim_id"),
}


def claim_tallies(
    visibility: Visibility,
    filters: ClaimFilters,
    *,
    claims: Q | None = None,
    refreshed: bool = False,
) -> QuerySet[ClaimSummary] | list[ClaimTally]:
    """The claims matching `filters` (and `claims`, a condition on "claim__" fields) with their
    tallies, in the filters' order: pageable, and each item turned into a row by claim_rows.

    Where stored tallies answer (see _stored_reviewer), they are read (annotate.claim_store: a
    row per claim, brought up to date first). Otherwise (blind mode, a stance or certainty
    filter) they are counted here from the matching annotations: the same counts, read at
    request time. `refreshed`: the caller just read stored tallies in this request, so they need
    not be brought up to date again.
    """
    if filters.actor_not_found:
        return []
    condition = filters.claim_condition() & (claims or Q())
    reviewer = _stored_reviewer(visibility, filters)
    if reviewer is not None:
        if not refreshed:
            claim_store.refresh()
        return (
            ClaimSummary.objects.filter(
                condition,
                Q(by_reviewer=reviewer),  # a Q: the type checker takes no Subquery as a lookup
                accepted_only=filters.status == Status.ACCEPTED,
                attributions__gt=0,
            )
            .select_related("claim__subject", "claim__relation", "claim__object")
            .order_by(*ORDERINGS[filters.sort])
        )
    selected = filters.apply(visibility.annotations()).filter(condition)
    tallies = list(tally_claims(claim_store.tally_rows(selected)))
    return sorted(tallies, key=lambda t: sort_key(t, filters.sort))


def _stored_reviewer(visibility: Visibility, filters: ClaimFilters) -> int | Subquery | None:
    """Whose stored tallies answer this view: everyone's (claim_store.EVERYONE), one reviewer's
    (their id: the reviewer filter, or a reviewer who sees only their own work), or None when
    none does (blind mode mixes others' work on some articles in; a stance or certainty filter
    asks about single attributions)."""
    if filters.stance or filters.certainty or filters.status not in STORED_STATUSES:
        return None
    if visibility.scope is Scope.ALL:
        if not filters.reviewer:
            return claim_store.EVERYONE
        users = get_user_model().objects.filter(username=filters.reviewer)
        return Subquery(users.values("pk")[:1])
    if visibility.scope is Scope.OWN and filters.reviewer in ("", visibility.user.username):
        return visibility.user.pk
    return None


@dataclass
class ClaimRow:
    """A claim and its tally, ready to render."""

    claim: Claim
    tally: ClaimTally

    @property
    def total(self) -> int:
        """Attributions, counted once across reviewers."""
        return self.tally.attributions

    @property
    def marks(self) -> int:
        """The annotations behind them, every reviewer's (the raw count)."""
        return self.tally.marks

    @property
    def reviewers(self) -> int:
        return self.tally.reviewers

    @property
    def sources(self) -> int:
        return self.tally.sources

    @property
    def articles(self) -> int:
        return self.tally.articles

    @property
    def disputed(self) -> bool:
        return self.tally.disputed

    @property
    def by_stance(self) -> list[StanceSources]:
        """Its sources grouped by stance (asserts, denies, reports, questions)."""
        return self.tally.by_stance

    @property
    def stance_counts(self) -> list[tuple[str, int]]:
        return list(self.tally.stances.items())

    @property
    def asserts(self) -> int:
        return self.tally.stances["asserts"]

    @property
    def denies(self) -> int:
        return self.tally.stances["denies"]

    @property
    def reports(self) -> int:
        return self.tally.stances["reports"]

    @property
    def questions(self) -> int:
        return self.tally.stances["questions"]

    @property
    def source_names(self) -> list[str]:
        """Every source label once, most attributions first."""
        counts: dict[str, int] = defaultdict(int)
        for group in self.by_stance:
            for said in group.sources:
                counts[said.label] += said.attributions
        return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

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


#: Sources a claim row names before "+N more" (the rest are one click away, in <details>).
SOURCES_SHOWN = 6


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


def _tally_of(summary: ClaimSummary) -> ClaimTally:
    return ClaimTally(
        summary.claim_id,
        attributions=summary.attributions,
        marks=summary.marks,
        stances={stance: getattr(summary, stance) for stance in STANCES},
        sources=summary.sources,
        articles=summary.articles,
        reviewers=summary.reviewers,
        by_stance=ClaimTally.by_stance_from_json(summary.by_stance),
    )


def claim_rows(items: Iterable[ClaimSummary | ClaimTally]) -> list[ClaimRow]:
    """A page of claim_tallies as rows: stored ones come with their claims, counted ones get
    theirs here (one query)."""
    items = list(items)
    counted = [i.claim_id for i in items if isinstance(i, ClaimTally)]
    claims = (
        Claim.objects.select_related("subject", "relation", "object").in_bulk(counted)
        if counted
        else {}
    )
    rows = []
    for item in items:
        if isinstance(item, ClaimSummary):
            rows.append(ClaimRow(item.claim, _tally_of(item)))
        elif item.claim_id in claims:
            rows.append(ClaimRow(claims[item.claim_id], item))
    return rows


def reviewers_in(annotations: QuerySet[Annotation]) -> QuerySet:
    """Users with at least one of `annotations`, for the reviewer filter (one query).

    Asked per user (an EXISTS on the reviewer index, which stops at the first annotation): a
    reviewer IN over the annotations read all of them, 130 ms at a million.
    """
    return (
        get_user_model()
        .objects.filter(Exists(annotations.filter(reviewer=OuterRef("pk"))))
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
