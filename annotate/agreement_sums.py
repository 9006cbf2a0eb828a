"""Agreement one article at a time, in one pass, and re-summed over the project (pure, no Django).

The agreement report over a large project is the sum of its articles: units never span two
articles, so every count behind a score (coincidence counts for alpha, the stance table for kappa,
matched span pairs for F1, matched and unmatched annotations) is a sum over articles.
``article_sums`` computes an article's counts from its annotations in one pass (one sweep for the
overlapping pairs, shared by all reviewers and every pair); ``Totals`` adds articles up and turns
the sums into the same ``Section`` that ``agreement.build_report`` computes in one shot, exactly
(the counts are integers, see ``agreement.CoincidenceCounts``). annotate.agreement_store keeps
each article's sums in the database, so a read sums stored rows instead of matching 100,000
annotations again.

The pass also lists the article's **disagreements**, the work a curator has left there:

* ``label``: a matched unit (same claim, overlapping spans) whose reviewers differ in stance,
  certainty or confidence;
* ``near-miss``: a unit matched by overlapping spans alone (claim ignored) whose reviewers chose
  different claims: the same passage read as different claims, which label agreement leaves out;
* ``unmatched``: an annotation no other reviewer matched, neither by claim nor as a near miss
  (listed only where at least two reviewers annotated the article).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from operator import attrgetter
from typing import Any

from annotate.agreement import (
    OVERLAP_THRESHOLD,
    Candidate,
    CoincidenceCounts,
    Item,
    Label,
    Score,
    Section,
    Sums,
    all_scores,
    alpha_from_counts,
    count_two_values,
    group_scores,
    merge_units,
    not_applicable,
    ordinal_certainty,
    unit_sums,
)

LABEL_FIELDS = ("stance", "certainty", "confidence")
KINDS = {
    "label": "Labels differ",
    "near-miss": "Near miss: different claim",
    "unmatched": "Unmatched",
}


@dataclass(frozen=True)
class Disagreement:
    """One item of work for a curator: the annotations involved and what differs."""

    kind: str  # a key of KINDS
    members: tuple[Item, ...]  # by reviewer
    fields: tuple[str, ...]  # what differs: "claim", or some of LABEL_FIELDS; () for unmatched

    @property
    def place(self) -> tuple[int, int]:
        """(start, first_id): where the article's list puts it, earliest in the text first."""
        return min((it.start, it.id) for it in self.members)

    @property
    def start(self) -> int:
        return self.place[0]

    @property
    def first_id(self) -> int:
        """The annotation a link to this disagreement points at: the earliest in the text."""
        return self.place[1]


@dataclass
class ArticleSums:
    """One article's agreement counts (see the module docstring)."""

    article_id: int
    annotations: dict[str, int]  # per reviewer
    pairs: dict[tuple[str, str], Sums]  # reviewer pairs in sorted order, both present here
    all: Sums
    agreed: int = 0  # annotations in a matched unit whose labels all agree
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.annotations.values())

    @property
    def reviewers(self) -> list[str]:
        return sorted(self.annotations)

    def count(self, kind: str) -> int:
        return sum(1 for d in self.disagreements if d.kind == kind)

    @property
    def agreed_share(self) -> float | None:
        """Share of annotations matched with identical labels; None with fewer than 2 reviewers."""
        return self.agreed / self.total if len(self.annotations) > 1 else None

    @property
    def alpha_stance(self) -> Score:
        return alpha_from_counts(self.all.stance) if len(self.annotations) > 1 else Score(None)

    @property
    def f1_overlap(self) -> float | None:
        """Detection F1 (≥ threshold overlap) pooled over the pairs, as in the section's 'all'."""
        reviewers = len(self.annotations)
        if reviewers < 2:
            return None
        # Each annotation is in (reviewers − 1) pairs: Σ pair sizes = (reviewers − 1) · total.
        return 2 * sum(s.overlap for s in self.pairs.values()) / ((reviewers - 1) * self.total)


def _candidates(items: Sequence[Item]) -> list[Candidate]:
    """Overlapping pairs by different reviewers (one article), in merge order (sweep line)."""
    group = sorted(items, key=lambda it: (it.start, it.end, it.id))
    # Each pair with its merge-order key: agreement.unit_order and overlap_ratio written out (no
    # call per pair); tests/test_agreement_sums.py holds the result equal to build_report's.
    keyed = []
    for i, a in enumerate(group):
        a_start, a_end, a_reviewer, a_id, a_claim = a.start, a.end, a.reviewer, a.id, a.claim
        for j in range(i + 1, len(group)):
            b = group[j]
            b_start = b.start
            if b_start >= a_end:
                break
            if b.reviewer == a_reviewer:
                continue
            # Sorted by start, so the shared characters begin at b's start (spans.overlap).
            b_end = b.end
            shared = (a_end if a_end < b_end else b_end) - b_start
            if shared > 0:
                ratio = shared / ((a_end - a_start) + (b_end - b_start) - shared)  # overlap_ratio
                b_id = b.id
                ids = (a_id, b_id) if a_id < b_id else (b_id, a_id)
                keyed.append(((a_claim != b.claim, -ratio, *ids), (a, b, ratio)))
    keyed.sort()  # the keys are unique (two ids): the candidates themselves are never compared
    return [candidate for _key, candidate in keyed]


def _same_claim(candidates: Iterable[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c[0].claim == c[1].claim]


def _pair_sums(
    first: str, spans: tuple[Counter[tuple[int, int]], Counter[tuple[int, int]]],
    candidates: list[Candidate],
) -> Sums:  # fmt: skip
    """A reviewer pair's sums: `first` is the first reviewer's key, `spans` the two reviewers'
    (start, end) counts, `candidates` theirs, in merge order.

    Two reviewers: their units are the one-to-one pairs greedy matching makes along the candidates
    (agreement.one_to_one_pairs), claim ignored (span units) and same claim (claim units). Both
    matchings, and the label counts of their units (agreement.unit_sums, stance_table), are made
    in one walk along the candidates.
    """
    sums = Sums()
    claim, stance, certainty, confidence, kappa = (
        sums.claim, sums.stance, sums.certainty, sums.confidence, sums.kappa
    )  # fmt: skip
    in_span: set[int] = set()
    in_claim: set[int] = set()
    close = []  # detection candidates: (−ratio, lower id, higher id), agreement.detection_order
    for a, b, ratio in candidates:
        a_id, b_id = a.id, b.id
        if a_id not in in_span and b_id not in in_span:
            in_span.add(a_id)
            in_span.add(b_id)
            sums.span_units += 1
            count_two_values(claim, a.claim, b.claim)
        if a.claim == b.claim and a_id not in in_claim and b_id not in in_claim:
            in_claim.add(a_id)
            in_claim.add(b_id)
            sums.claim_units += 1
            count_two_values(stance, a.stance, b.stance)
            count_two_values(
                certainty, ordinal_certainty(a.certainty), ordinal_certainty(b.certainty)
            )
            count_two_values(confidence, a.confidence, b.confidence)
            mine, theirs = (a, b) if a.reviewer == first else (b, a)
            kappa[(mine.stance, theirs.stance)] += 1
        if ratio >= OVERLAP_THRESHOLD:
            close.append((-ratio, a_id, b_id) if a_id < b_id else (-ratio, b_id, a_id))
    close.sort()
    matched: set[int] = set()
    for _ratio, low, high in close:  # agreement.one_to_one on the ids
        if low not in matched and high not in matched:
            matched.add(low)
            matched.add(high)
            sums.overlap += 1
    ours, others = spans
    for span, n in ours.items():  # Σ min(n, m) over the spans both have: (ours & others).total()
        m = others.get(span)
        if m:
            sums.exact += n if n < m else m
    return sums


def _by_reviewer(unit: Iterable[Item]) -> tuple[Item, ...]:
    return tuple(sorted(unit, key=lambda it: it.reviewer))


def _differing(unit: Sequence[Item]) -> tuple[str, ...]:
    """The LABEL_FIELDS whose values differ within `unit`."""
    # Written out, not getattr(it, field): a unit's sets are the inner loop of the disagreements.
    values: tuple[set[Label], ...] = (
        {it.stance for it in unit},
        {it.certainty for it in unit},
        {it.confidence for it in unit},
    )
    return tuple(f for f, seen in zip(LABEL_FIELDS, values, strict=True) if len(seen) > 1)


def article_sums(article_id: int, items: Sequence[Item]) -> ArticleSums:
    """The counts and disagreements of one article's annotations (`items`, all of that article)."""
    candidates = _candidates(items)
    span_units = merge_units(items, candidates)
    claim_units = merge_units(items, _same_claim(candidates))
    everyone = unit_sums(span_units, claim_units)
    everyone.unmatched = sum(1 for u in claim_units if len(u) == 1)
    mine: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        mine[item.reviewer].append(item)
    spans = {r: Counter((it.start, it.end) for it in v) for r, v in mine.items()}
    by_pair: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        a, b = c[0].reviewer, c[1].reviewer
        by_pair[(a, b) if a < b else (b, a)].append(c)
    pairs = {
        (a, b): _pair_sums(a, (spans[a], spans[b]), by_pair.get((a, b), []))
        for a, b in combinations(sorted(mine), 2)
    }
    result = ArticleSums(article_id, {r: len(v) for r, v in mine.items()}, pairs, everyone)
    found: list[Disagreement] = []
    near: set[int] = set()
    for unit in span_units:
        if len(unit) == 2:  # most matched units: written out for two
            one, other = unit
            if one.claim != other.claim:
                pair = (one, other) if one.reviewer <= other.reviewer else (other, one)
                found.append(Disagreement("near-miss", pair, ("claim",)))
                near.add(one.id)
                near.add(other.id)
        elif len(unit) > 2 and len({it.claim for it in unit}) > 1:
            found.append(Disagreement("near-miss", _by_reviewer(unit), ("claim",)))
            near.update(it.id for it in unit)
    compared = len(mine) > 1
    for unit in claim_units:
        if len(unit) == 1:
            if compared and unit[0].id not in near:
                found.append(Disagreement("unmatched", (unit[0],), ()))
            continue
        differ = _differing(unit)
        if differ:
            found.append(Disagreement("label", _by_reviewer(unit), differ))
        else:
            result.agreed += len(unit)
    # Stable: equal places keep the order found.
    result.disagreements = sorted(found, key=attrgetter("place"))
    return result


# ---------------------------------------------------------------- adding articles up


class Totals:
    """The sums of many articles, and the Section they give (equal to the one-shot report's).

    Articles can be taken away as well as added (sign=-1), so stored totals follow a changed
    article by its old sums out and its new sums in (annotate.agreement_store)."""

    def __init__(self) -> None:
        self.annotations: Counter[str] = Counter()
        self.pairs: dict[tuple[str, str], Sums] = defaultdict(Sums)
        self.all = Sums()

    def add(
        self, article: ArticleSums | Totals, names: Mapping[str, str] | None = None, sign: int = 1
    ) -> None:
        """Add one article (or totals); `names` renames reviewers (stored keys → usernames)."""

        rename = names.get if names is not None else None
        for reviewer, n in article.annotations.items():
            key = rename(reviewer, reviewer) if rename else reviewer
            self.annotations[key] += sign * n
            if not self.annotations[key]:
                del self.annotations[key]
        for (a, b), sums in article.pairs.items():
            first, second = (rename(a, a), rename(b, b)) if rename else (a, b)
            if first > second:  # renaming changed the order: the stance table turns too
                first, second = second, first
                sums = _swapped(sums)
            self.pairs[(first, second)].add(sums, sign)
        self.all.add(article.all, sign)

    def section(
        self, label: str, article_id: int | None, names: Mapping[str, str] | None = None
    ) -> Section:
        if names is not None:
            named = Totals()
            named.add(self, names)
            return named.section(label, article_id)
        reviewers = sorted(self.annotations)
        total = sum(self.annotations.values())
        section = Section(label, article_id, reviewers, total)
        if len(reviewers) < 2:
            section.all = not_applicable(reviewers, total)
            return section
        for a, b in combinations(reviewers, 2):
            sums = self.pairs.get((a, b)) or Sums()
            size = self.annotations[a] + self.annotations[b]
            # Every annotation of the pair is unmatched unless in one of their claim units. Passed
            # beside the sums, not written into them: they may be an article's own
            # (article_section).
            unmatched = size - 2 * sums.claim_units
            section.pairs.append(group_scores([a, b], size, sums, pair=True, unmatched=unmatched))
        section.all = all_scores(reviewers, total, section.pairs, self.all)
        return section

    def to_json(self) -> dict[str, Any]:
        return {
            "annotations": dict(self.annotations),
            "pairs": [[a, b, _sums_out(s)] for (a, b), s in self.pairs.items()],
            "all": _sums_out(self.all),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Totals:
        totals = cls()
        totals.annotations.update(data.get("annotations", {}))
        for a, b, s in data.get("pairs", []):
            totals.pairs[(a, b)] = _sums_in(s)
        if "all" in data:
            totals.all = _sums_in(data["all"])
        return totals


def _swapped(sums: Sums) -> Sums:
    turned = Sums(**{**vars(sums), "kappa": Counter()})
    for (x, y), n in sums.kappa.items():
        turned.kappa[(y, x)] = n
    return turned


def article_section(article: ArticleSums, label: str, names: Mapping[str, str]) -> Section:
    """One article's Section, as build_report gives it."""
    totals = Totals()
    renamed = {key: names.get(key, key) for key in article.annotations}
    if len(set(renamed.values())) < len(renamed):  # two keys, one name: add them up
        totals.add(article, names)
        return totals.section(label, article.article_id)
    # The article's own sums, not copies (Totals.add): a report makes one Section per article,
    # and section() only reads them.
    totals.annotations.update({renamed[key]: n for key, n in article.annotations.items()})
    for (a, b), sums in article.pairs.items():
        first, second = renamed[a], renamed[b]
        if first > second:  # renaming changed the order: the stance table turns too
            first, second, sums = second, first, _swapped(sums)
        totals.pairs[(first, second)] = sums
    totals.all = article.all
    return totals.section(label, article.article_id)


# ---------------------------------------------------------------- storage form (JSON)
# Compact lists, because a read of the whole project parses one of these per article.


def _counts_out(counts: Counter[Any]) -> list[list[Any]]:
    return [[*key, n] for key, n in counts.items()]


# Filled key by key, not Counter(mapping): Counter's __init__ and update() are Python code, and
# an up-to-date report reads 55 of these per article.
def _coincidences_in(rows: list[list[Any]]) -> CoincidenceCounts:
    counts: CoincidenceCounts = Counter()
    for c, k, m, n in rows:
        counts[(c, k, m)] = n
    return counts


def _table_in(rows: list[list[Any]]) -> Counter[tuple[Label, Label]]:
    table: Counter[tuple[Label, Label]] = Counter()
    for a, b, n in rows:
        table[(a, b)] = n
    return table


def _sums_out(s: Sums) -> list[Any]:
    counts = (s.claim, s.stance, s.certainty, s.confidence, s.kappa)
    return [s.exact, s.overlap, s.span_units, s.claim_units, s.unmatched] + [
        _counts_out(c) for c in counts
    ]


def _sums_in(data: list[Any]) -> Sums:
    exact, overlap_, span_units, claim_units, unmatched, claim, stance, certainty, conf, kappa = (
        data
    )
    return Sums(
        exact=exact,
        overlap=overlap_,
        span_units=span_units,
        claim_units=claim_units,
        unmatched=unmatched,
        claim=_coincidences_in(claim),
        stance=_coincidences_in(stance),
        certainty=_coincidences_in(certainty),
        confidence=_coincidences_in(conf),
        kappa=_table_in(kappa),
    )


def sums_to_json(article: ArticleSums) -> dict[str, Any]:
    """The counts of `article` (not its disagreements: disagreements_to_json) as JSON data."""
    return {
        "annotations": article.annotations,
        "pairs": [[a, b, _sums_out(s)] for (a, b), s in article.pairs.items()],
        "all": _sums_out(article.all),
        "agreed": article.agreed,
    }


def sums_from_json(article_id: int, data: dict[str, Any]) -> ArticleSums:
    return ArticleSums(
        article_id=article_id,
        annotations=data["annotations"],
        pairs={(a, b): _sums_in(s) for a, b, s in data["pairs"]},
        all=_sums_in(data["all"]),
        agreed=data["agreed"],
    )


def disagreements_to_json(article: ArticleSums) -> list[dict[str, Any]]:
    return [
        {
            "kind": d.kind,
            "fields": list(d.fields),
            "members": [
                [
                    it.id,
                    it.reviewer,
                    it.claim,
                    it.start,
                    it.end,
                    it.stance,
                    it.certainty,
                    it.confidence,
                ]
                for it in d.members
            ],  # fmt: skip
        }
        for d in article.disagreements
    ]


def disagreements_from_json(article_id: int, data: list[dict[str, Any]]) -> list[Disagreement]:
    return [
        Disagreement(
            d["kind"],
            tuple(
                Item(i, reviewer, article_id, claim, start, end, stance, certainty, confidence)
                for i, reviewer, claim, start, end, stance, certainty, confidence in d["members"]
            ),
            tuple(d["fields"]),
        )
        for d in data
    ]
