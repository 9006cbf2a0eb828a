"""A claim's attributions counted once across reviewers, with their sources by stance.

Pure Python over rows already read (annotate.claim_store reads them, once per claim and write,
and so does the claims page for views the store does not keep): no queries, no Django models.

An *attribution* is what reviewers marked, counted once: the marks (annotations) of one claim in
one article by one source whose content spans overlap, by however many reviewers. Its stance is
the one most of its marks give (ties: the first in Stance order, asserts before denies); its
hedges are every hedged certainty a mark gives. The raw marks stay counted beside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from annotate.models import Certainty, SourceKind, Stance, entity_label

STANCES = tuple(s.value for s in Stance)
#: Certainties worth naming beside a source: the hedges (annotate.models.Certainty.is_hedged).
HEDGES = tuple(c.value for c in Certainty if c.is_hedged)

#: What a row carries, in this order (annotate.claim_store and the claims page read exactly this).
FIELDS = (
    "claim_id",
    "article_id",
    "source_kind",
    "source_actor_id",
    "source_id",
    "start",
    "end",
    "reviewer_id",
    "stance",
    "certainty",
    "source_actor__name",
    "source__description",
    "source_description",
    "source__affiliation__name",
    "article__outlet",
    "article__byline",
    "status",
)
#: The order rows must come in: by claim, then by article and source, then by span.
ORDER = ("claim_id", "article_id", "source_kind", "source_actor_id", "source_id", "start", "id")


@dataclass(frozen=True)
class SourceSaid:
    """One source's attributions of a claim with one stance: who, how hedged, how many."""

    label: str
    hedges: tuple[str, ...]  # the hedged certainties it was marked with, e.g. ("probable",)
    attributions: int
    sources: int = 1  # distinct sources behind this label (e.g. "an official" in two articles)
    reviewers: int = 1  # distinct reviewers who marked them

    @property
    def text(self) -> str:
        extra = [
            *self.hedges,
            *([f"{self.sources} sources"] if self.sources > 1 else []),
            *([f"{self.reviewers} reviewers"] if self.reviewers > 1 else []),
        ]
        return f"{self.label} ({', '.join(extra)})" if extra else self.label

    def to_json(self) -> list[Any]:
        return [self.label, list(self.hedges), self.attributions, self.sources, self.reviewers]

    @classmethod
    def from_json(cls, data: list[Any]) -> SourceSaid:
        label, hedges, attributions, sources, reviewers = data
        return cls(label, tuple(hedges), attributions, sources, reviewers)


@dataclass(frozen=True)
class StanceSources:
    """The sources of a claim that take one stance, most attributions first."""

    stance: str
    sources: list[SourceSaid]


@dataclass
class ClaimTally:
    """One claim's attributions: counts and sources by stance (see the module's docstring)."""

    claim_id: int
    attributions: int = 0  # counted once across reviewers
    marks: int = 0  # the annotations behind them, every reviewer's
    stances: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANCES, 0))
    sources: int = 0
    articles: int = 0
    reviewers: int = 0
    by_stance: list[StanceSources] = field(default_factory=list)

    @property
    def disputed(self) -> bool:
        """Both asserted and denied."""
        return self.stances["asserts"] > 0 and self.stances["denies"] > 0

    def by_stance_json(self) -> list[Any]:
        return [[g.stance, [s.to_json() for s in g.sources]] for g in self.by_stance]

    @staticmethod
    def by_stance_from_json(data: list[Any]) -> list[StanceSources]:
        return [
            StanceSources(stance, [SourceSaid.from_json(s) for s in said]) for stance, said in data
        ]


def sort_key(tally: ClaimTally, sort: str) -> tuple[Any, ...]:
    """The claims list's order ("attributions": most first; "disagreement": disputed first, then
    most denied); annotate.claims.ORDERINGS is the same rule in SQL."""
    if sort == "disagreement":
        return (-tally.disputed, -tally.stances["denies"], -tally.attributions, -tally.marks,
                tally.claim_id)  # fmt: skip
    return (-tally.attributions, -tally.marks, tally.claim_id)


def _source(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], str]:
    """Which source a row is and how it reads: a named source is its actor (the same person in
    every article); any other, its source entity (annotate.models.Source)."""
    (_, article, kind, actor_id, source_id, _, _, _, _, _, actor_name, source_description,
     description, affiliation, outlet, byline, _) = row  # fmt: skip
    if kind == SourceKind.NAMED:
        return ("actor", actor_id), actor_name or "Named source"
    label = entity_label(
        kind,
        actor=None,
        description=source_description or description,
        affiliation=affiliation,
        outlet=outlet,
        byline=byline,
    )
    if source_id is not None:
        return ("source", source_id), label
    # Written past the services and not linked yet (services.link_unlinked): the article's author,
    # or an unnamed source told apart by how it reads.
    if kind == SourceKind.AUTHOR:
        return ("author", article), label
    return ("unnamed", article, label.casefold()), label


@dataclass
class _Attribution:
    """Overlapping marks of one claim, article and source (see the module's docstring)."""

    end: int
    reviewers: set[int] = field(default_factory=set)
    stances: dict[str, int] = field(default_factory=dict)
    hedges: set[str] = field(default_factory=set)

    def add(self, row: tuple[Any, ...]) -> None:
        if row[6] > self.end:
            self.end = row[6]
        self.reviewers.add(row[7])
        self.stances[row[8]] = self.stances.get(row[8], 0) + 1
        if row[9] in HEDGES:
            self.hedges.add(row[9])

    @property
    def stance(self) -> str:
        """The most given; max keeps the first of equals, in Stance order."""
        if len(self.stances) == 1:
            return next(iter(self.stances))
        return max(STANCES, key=lambda s: self.stances.get(s, 0))


def _attributions(rows: list[tuple[Any, ...]]) -> Iterator[_Attribution]:
    """Rows of one claim, article and source in span order, as attributions."""
    current: _Attribution | None = None
    for row in rows:
        if current is None or row[5] >= current.end:
            if current is not None:
                yield current
            current = _Attribution(end=row[6])
        current.add(row)
    if current is not None:
        yield current


def _quick_key(row: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """_source's key where it needs no label (a named source, a linked entity), else None."""
    if row[2] == SourceKind.NAMED:
        return ("actor", row[3])
    if row[4] is not None:
        return ("source", row[4])
    return None


def tally_claim(
    claim_id: int, rows: Iterable[tuple[Any, ...]], labels: dict[Any, str] | None = None
) -> ClaimTally:
    """One claim's tally from its rows (FIELDS, in ORDER). `labels` (source key → label) may be
    shared by several tallies of the same rows, so each source is named once."""
    labels = {} if labels is None else labels
    tally = ClaimTally(claim_id)
    articles: set[int] = set()
    reviewers: set[int] = set()
    keys: set[tuple[Any, ...]] = set()
    # stance → label → (source keys, hedges, attributions, reviewers)
    said: dict[str, dict[str, tuple[set, set, int, set]]] = defaultdict(dict)
    # (article, source) → (label, its rows): rows come by article and source, each in span order.
    by_source: dict[tuple[Any, ...], tuple[str, list[tuple[Any, ...]]]] = {}
    for row in rows:
        key = _quick_key(row)
        if key is None:  # not linked yet: told apart by how it reads
            key, labels[key] = _source(row)
        slot = by_source.get((row[1], key))
        if slot is None:
            if key not in labels:
                labels[key] = _source(row)[1]
            slot = by_source[row[1], key] = (labels[key], [])
        slot[1].append(row)
    for (article, key), (label, marks) in by_source.items():
        tally.marks += len(marks)
        articles.add(article)
        keys.add(key)
        marks.sort(key=lambda r: r[5])  # already in order but where a key spans two entities
        for attribution in _attributions(marks):
            stance = attribution.stance
            tally.attributions += 1
            tally.stances[stance] += 1
            reviewers |= attribution.reviewers
            entry = said[stance].get(label, (set(), set(), 0, set()))
            entry[0].add(key)
            entry[1].update(attribution.hedges)
            entry[3].update(attribution.reviewers)
            said[stance][label] = (entry[0], entry[1], entry[2] + 1, entry[3])
    tally.articles, tally.reviewers, tally.sources = len(articles), len(reviewers), len(keys)
    tally.by_stance = [
        StanceSources(
            stance,
            sorted(
                (
                    SourceSaid(label, tuple(h for h in HEDGES if h in hedges), n, len(ks), len(rs))
                    for label, (ks, hedges, n, rs) in said[stance].items()
                ),
                key=lambda s: (-s.attributions, s.label.casefold()),
            ),
        )
        for stance in STANCES
        if stance in said
    ]
    return tally


def tally_claims(rows: Iterable[tuple[Any, ...]]) -> Iterator[ClaimTally]:
    """Each claim's tally from rows of many claims (FIELDS, in ORDER), claim by claim."""
    for claim_id, group in groupby(rows, lambda r: r[0]):
        yield tally_claim(claim_id, group)
