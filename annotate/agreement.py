"""Inter-annotator agreement: pure maths, no Django, no numpy.

What is measured, and how (the agreement page and `manage.py agreement_report` show the same):

* **Krippendorff's alpha** (nominal and ordinal), by the coincidence-matrix method of
  Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011): any number of coders, missing
  values allowed. Units with fewer than two values are not pairable and are left out. Alpha is
  *undefined* when no unit is pairable or when every pairable value is the same (expected
  disagreement is 0); we then return ``None`` with a reason. (The ``krippendorff`` package raises
  ``ValueError`` when the value domain has one value and returns NaN when pairable values do not
  vary; ``None`` plus a reason covers both.)
* **Cohen's kappa** for two coders on the same items; undefined (``None``) when chance agreement
  is 1.
* **Span overlap ratio**: ``overlap / union``, i.e. the number of characters (code points) both
  spans cover divided by the number covered by either — character-level Jaccard. 1.0 for identical
  spans, 0.0 for disjoint ones; ``[0, 10)`` vs ``[0, 5)`` is 5/10 = 0.5 (matched at the 50 %
  threshold), ``[0, 10)`` vs ``[5, 15)`` is 5/15 = 0.33 (not matched).
* **Detection F1** between two reviewers' content spans in one article: spans are paired one-to-one
  (exactly equal offsets, or greedily by overlap ratio ≥ 0.5, best ratio first); with one-to-one
  pairs, precision and recall are symmetric and ``F1 = 2·matched / (|A| + |B|)``.
* **Matching annotations into units** (the items whose labels are compared): two annotations by
  different reviewers in the same article are candidates when their content spans overlap (at least
  one character). Candidates are merged greedily, best first (same claim, then higher overlap ratio,
  then lower ids), never putting two annotations of one reviewer into one unit. With two reviewers
  this is one-to-one greedy matching by overlap. Two matchings are made:
  - *span units* ignore the claim, and give alpha for the **claim** label;
  - *claim units* also require the same claim, and give alpha for **stance**, **certainty**
    (ordinal, certain > probable > possible; ``unspecified`` is treated as missing, because it says
    the source gave no cue, not that it sits below "possible") and **confidence** (ordinal 1–5), and
    Cohen's kappa for stance per pair of reviewers.
  Counts of matched and unmatched annotations are reported next to every score, so a high alpha on
  three matches is visible as such.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from annotate.spans import overlap

OVERLAP_THRESHOLD = 0.5
CERTAINTY_ORDER = ("possible", "probable", "certain")  # ascending; "unspecified" is missing
CONFIDENCE_ORDER = (1, 2, 3, 4, 5)

# A label a coder gives: a claim id or a confidence (int), a stance or a certainty (str). Values
# must be comparable among themselves for ordinal alpha without an explicit order.
Label = str | int


# ---------------------------------------------------------------- scores


@dataclass(frozen=True)
class Score:
    """A number, or None with the reason it is undefined (shown as 'n/a')."""

    value: float | None
    reason: str = ""

    def __str__(self) -> str:
        return "n/a" if self.value is None else f"{self.value:.3f}"

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "reason": self.reason}


def _undefined(reason: str) -> Score:
    return Score(None, reason)


# ---------------------------------------------------------------- Krippendorff's alpha


def _ordinal_distances(
    totals: dict[Label, float], order: Sequence[Label]
) -> dict[tuple[Label, Label], float]:
    """Squared ordinal distances from the coincidence marginals (Krippendorff 2011)."""
    ranked = [v for v in order if v in totals]
    cumulative = [0.0]
    for v in ranked:
        cumulative.append(cumulative[-1] + totals[v])
    distances = {}
    for i, c in enumerate(ranked):
        for j, k in enumerate(ranked):
            lo, hi = (i, j) if i <= j else (j, i)
            between = cumulative[hi + 1] - cumulative[lo]
            distances[(c, k)] = (between - (totals[c] + totals[k]) / 2) ** 2
    return distances


#: Pairable values counted exactly: (value c, value k, m) → ordered pairs (c, k) within units of m
#: values. Coincidence o_ck is the sum over m of count / (m − 1). Kept as integers so that the
#: counts of many articles add up exactly (annotate.agreement_sums stores them per article), and
#: alpha from their sum is the very float the one-shot computation gives.
CoincidenceCounts = Counter[tuple[Label, Label, int]]


def count_two_values(counts: CoincidenceCounts, a: Label | None, b: Label | None) -> None:
    """Add the pairable value pairs of one unit of two values to `counts` (coincidence_counts)."""
    if a is None or b is None:
        return
    # dict.get: a new key through Counter's __missing__ costs a Python call.
    if a == b:
        counts[(a, a, 2)] = counts.get((a, a, 2), 0) + 2
    else:
        counts[(a, b, 2)] = counts.get((a, b, 2), 0) + 1
        counts[(b, a, 2)] = counts.get((b, a, 2), 0) + 1


def coincidence_counts(units: Iterable[Iterable[Label | None]]) -> CoincidenceCounts:
    """Count the pairable value pairs of `units` (each the values its coders gave; None = missing)."""
    counts: CoincidenceCounts = Counter()
    get = counts.get
    for unit in units:
        if not isinstance(unit, Sequence):
            unit = list(unit)
        if len(unit) == 2:  # most units: two coders, counted without a Counter
            count_two_values(counts, *unit)
            continue
        values: dict[Label, int] = {}  # in order of first appearance, as a Counter would be
        for v in unit:
            if v is not None:
                values[v] = values.get(v, 0) + 1
        m = sum(values.values())
        if m < 2:
            continue  # not pairable
        for c, nc in values.items():
            for k, nk in values.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                if pairs:
                    counts[(c, k, m)] = get((c, k, m), 0) + pairs
    return counts


_NO_PAIRABLE = "no unit has values from two or more coders"
_NO_VARIATION = "every value is the same, so there is no variation to agree on"


def alpha_from_counts(
    counts: CoincidenceCounts, level: str = "nominal", order: Sequence[Label] | None = None
) -> Score:
    """Krippendorff's alpha from coincidence counts (see krippendorff_alpha for the arguments)."""
    if level not in ("nominal", "ordinal"):
        raise ValueError(f"Unknown level {level!r}: use 'nominal' or 'ordinal'.")
    if not counts:  # no matched unit (common for one pair in one article): what both paths find
        return _undefined(_NO_PAIRABLE)
    if level == "nominal":
        paired = _nominal_alpha_of_pairs(counts)
        if paired is not None:
            return paired
    return _alpha_of_coincidences(counts, level, order)


def _alpha_of_coincidences(
    counts: CoincidenceCounts, level: str, order: Sequence[Label] | None
) -> Score:
    """alpha_from_counts in floats, through the coincidences o_ck (any counts)."""
    # Summed in sorted order, so equal counts give the same float whatever order they came in.
    # (A first term is stored as is: 0.0 + x is x, so this is the same float as starting at 0.0.)
    coincidences: dict[tuple[Label, Label], float] = {}
    for (c, k, m), count in sorted(counts.items()):  # keys are unique: counts never compared
        o = count / (m - 1)
        previous = coincidences.get((c, k))
        coincidences[(c, k)] = o if previous is None else previous + o
    totals: dict[Label, float] = {}
    for (c, _k), o in coincidences.items():
        previous = totals.get(c)
        totals[c] = o if previous is None else previous + o
    n = sum(totals.values())
    if n == 0:
        return _undefined(_NO_PAIRABLE)
    if len(totals) < 2:
        return _undefined(_NO_VARIATION)
    if level == "nominal":  # distance 1 between any two different values: sums in closed form
        observed = sum(o for (c, k), o in coincidences.items() if c != k)
        expected = n * n - sum(t * t for t in totals.values())
    else:
        if order is None:
            order = sorted(totals)
        unknown = set(totals) - set(order)
        if unknown:
            raise ValueError(f"Values {sorted(map(str, unknown))} are not in the ordinal order.")
        distances = _ordinal_distances(totals, order)
        observed = sum(o * distances[pair] for pair, o in coincidences.items())
        expected = sum(totals[c] * totals[k] * distances[(c, k)] for c in totals for k in totals)
    if expected == 0:
        return _undefined(_NO_VARIATION)
    return Score(1 - (n - 1) * observed / expected)


def _nominal_alpha_of_pairs(counts: CoincidenceCounts) -> Score | None:
    """Nominal alpha_from_counts when every unit had two values (m = 2, as in every reviewer
    pair's counts), in integers; None if that is not the case.

    Each coincidence is then a count, so with fewer than 2**26 pairable values every sum and
    product alpha_from_counts makes in floats is an integer below 2**53, exact in any order: the
    same float as its computation, without sorting the counts.
    """
    totals: dict[Label, int] = {}
    n = observed = 0
    for (c, k, m), count in counts.items():
        if m != 2 or count <= 0:
            return None
        totals[c] = totals.get(c, 0) + count
        n += count
        if c != k:
            observed += count
    if n >= 2**26:
        return None
    if n == 0:
        return _undefined(_NO_PAIRABLE)
    if len(totals) < 2:
        return _undefined(_NO_VARIATION)
    expected = n * n - sum(t * t for t in totals.values())
    if expected == 0:
        return _undefined(_NO_VARIATION)
    return Score(1 - (n - 1) * observed / expected)


def krippendorff_alpha(
    units: Iterable[Iterable[Label | None]],
    level: str = "nominal",
    order: Sequence[Label] | None = None,
) -> Score:
    """Krippendorff's alpha for `units`, each the values the coders gave it (None = missing).

    `level` is "nominal" or "ordinal"; for ordinal, `order` lists the values from lowest to highest
    (default: sorted). Returns Score(None, reason) when alpha is undefined.
    """
    if level not in ("nominal", "ordinal"):
        raise ValueError(f"Unknown level {level!r}: use 'nominal' or 'ordinal'.")
    return alpha_from_counts(coincidence_counts(units), level=level, order=order)


def alpha_from_matrix(
    matrix: Sequence[Sequence[Label | None]],
    level: str = "nominal",
    order: Sequence[Label] | None = None,
) -> Score:
    """Alpha for reliability data laid out coders × units (as in Krippendorff's papers)."""
    return krippendorff_alpha(zip(*matrix, strict=True), level=level, order=order)


# ---------------------------------------------------------------- Cohen's kappa


def cohen_kappa(pairs: Iterable[tuple[Label, Label]]) -> Score:
    """Cohen's kappa for two coders' labels on the same items: (p_o − p_e) / (1 − p_e)."""
    return kappa_from_table(Counter(pairs))


def kappa_from_table(table: Counter[tuple[Label, Label]]) -> Score:
    """Cohen's kappa from the counts of (first coder's label, second coder's label); integers are
    summed before dividing, so tables added up over articles give the one-shot float exactly."""
    n = sum(table.values())
    if not n:
        return _undefined("no items labelled by both coders")
    agree = sum(count for (a, b), count in table.items() if a == b)
    first: Counter[Label] = Counter()
    second: Counter[Label] = Counter()
    for (a, b), count in table.items():
        first[a] += count
        second[b] += count
    chance_pairs = sum(first[label] * second[label] for label in first)
    if chance_pairs == n * n:
        return _undefined("both coders used one and the same label throughout")
    chance = chance_pairs / (n * n)
    return Score((agree / n - chance) / (1 - chance))


# ---------------------------------------------------------------- spans and matching


def overlap_ratio(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    """Shared characters / characters covered by either span (character Jaccard), in [0, 1]."""
    shared = overlap(a_start, a_end, b_start, b_end)
    union = (a_end - a_start) + (b_end - b_start) - shared
    return shared / union if union > 0 else 0.0


# Slots: attribute reads are the matching's inner loops. Not frozen, though nothing changes an
# Item: a frozen dataclass sets every field through object.__setattr__, five times the cost of
# creating this one, and a report creates a million. Hashable by value, as a frozen one is.
@dataclass(slots=True, unsafe_hash=True)
class Item:
    """One annotation as the agreement maths sees it (a value: never changed once made)."""

    id: int
    reviewer: str
    article: int
    claim: int
    start: int
    end: int
    stance: str
    certainty: str
    confidence: int


def _overlapping_pairs(items: Sequence[Item]) -> Iterable[tuple[Item, Item]]:
    """Pairs by different reviewers in the same article whose spans overlap (sweep line)."""
    by_article: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_article[item.article].append(item)
    for group in by_article.values():
        group.sort(key=lambda it: (it.start, it.end, it.id))
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if b.start >= a.end:
                    break
                if a.reviewer != b.reviewer and overlap(a.start, a.end, b.start, b.end) > 0:
                    yield a, b


#: A candidate pair for matching: two items by different reviewers whose spans overlap, with
#: their overlap ratio.
Candidate = tuple[Item, Item, float]


def unit_order(candidate: Candidate) -> tuple[bool, float, int, int]:
    """The order units are merged in: same claim first, then higher overlap, then lower ids."""
    a, b, ratio = candidate
    return (a.claim != b.claim, -ratio, min(a.id, b.id), max(a.id, b.id))


def detection_order(candidate: Candidate) -> tuple[float, int, int]:
    """The order detection pairs are made in: higher overlap first, then lower ids."""
    a, b, ratio = candidate
    return (-ratio, min(a.id, b.id), max(a.id, b.id))


def merge_units(items: Sequence[Item], candidates: Iterable[Candidate]) -> list[list[Item]]:
    """Merge `items` into units along `candidates` (in the order given), never two items of one
    reviewer in a unit. Every item ends in exactly one unit; singletons are unmatched items."""
    # Only items in a candidate pair can join a unit: the rest are singletons, added at the end.
    unit_of: dict[int, int] = {}
    members: dict[int, list[Item]] = {}
    for a, b, _ratio in candidates:
        a_id, b_id = a.id, b.id
        ua = unit_of.get(a_id)
        if ua is None:
            ua = unit_of[a_id] = a_id
            members[a_id] = [a]
        ub = unit_of.get(b_id)
        if ub is None:
            ub = unit_of[b_id] = b_id
            members[b_id] = [b]
        if ua == ub:
            continue
        joining, joined = members[ua], members[ub]
        if len(joining) > 1 or len(joined) > 1:  # two single items never clash
            reviewers_a = {it.reviewer for it in joining}
            if any(it.reviewer in reviewers_a for it in joined):
                continue
        for it in joined:
            unit_of[it.id] = ua
        joining.extend(joined)
        del members[ub]
    return [*members.values(), *([it] for it in items if it.id not in unit_of)]


def match_units(items: Sequence[Item], *, same_claim: bool) -> list[list[Item]]:
    """Group items into units of at most one item per reviewer (see the module docstring).

    Returns every unit, including singletons (unmatched items), in a deterministic order.
    """
    candidates = [
        (a, b, overlap_ratio(a.start, a.end, b.start, b.end))
        for a, b in _overlapping_pairs(items)
        if not same_claim or a.claim == b.claim
    ]
    candidates.sort(key=unit_order)
    units = [sorted(unit, key=lambda it: it.reviewer) for unit in merge_units(items, candidates)]
    units.sort(key=lambda unit: (unit[0].article, min(it.start for it in unit), unit[0].id))
    return units


def _exact_matches(a: Sequence[Item], b: Sequence[Item]) -> int:
    keys_a = Counter((it.article, it.start, it.end) for it in a)
    keys_b = Counter((it.article, it.start, it.end) for it in b)
    return sum((keys_a & keys_b).values())


def one_to_one_pairs(candidates: Iterable[Candidate]) -> list[tuple[Item, Item]]:
    """The pairs greedy one-to-one matching makes along `candidates` (in the order given). For two
    reviewers this is what merge_units makes: a unit of two cannot grow (a third item would repeat
    a reviewer)."""
    used: set[int] = set()
    pairs = []
    for a, b, _ratio in candidates:
        if a.id not in used and b.id not in used:
            used.add(a.id)
            used.add(b.id)
            pairs.append((a, b))
    return pairs


def one_to_one(candidates: Iterable[Candidate]) -> int:
    """How many one-to-one pairs greedy matching makes along `candidates` (in the order given)."""
    return len(one_to_one_pairs(candidates))


def _overlap_matches(a: Sequence[Item], b: Sequence[Item], threshold: float) -> int:
    """One-to-one greedy pairs with overlap ratio ≥ threshold, best ratio first."""
    candidates = [
        (x, y, ratio)
        for x, y in _overlapping_pairs([*a, *b])
        if (ratio := overlap_ratio(x.start, x.end, y.start, y.end)) >= threshold
    ]
    return one_to_one(sorted(candidates, key=detection_order))


def detection_f1(matched: int, total: int) -> Score:
    """F1 of one-to-one span pairs: 2·matched / (|A| + |B|)."""
    if total == 0:
        return _undefined("neither reviewer annotated anything here")
    return Score(2 * matched / total)


# ---------------------------------------------------------------- the report


@dataclass
class Sums:
    """What the scores of a set of reviewers are computed from. Every field adds up over articles
    (units never span two articles), so the sums of the articles' Sums give the scores over the
    whole project exactly: see annotate.agreement_sums."""

    exact: int = 0  # span pairs with identical offsets (pairs only)
    overlap: int = 0  # span pairs with overlap ratio ≥ OVERLAP_THRESHOLD (pairs only)
    span_units: int = 0  # units of two or more reviewers, claim ignored
    claim_units: int = 0  # units of two or more reviewers, same claim
    unmatched: int = 0  # annotations in no claim unit with another reviewer
    claim: CoincidenceCounts = field(default_factory=Counter)
    stance: CoincidenceCounts = field(default_factory=Counter)
    certainty: CoincidenceCounts = field(default_factory=Counter)
    confidence: CoincidenceCounts = field(default_factory=Counter)
    kappa: Counter[tuple[Label, Label]] = field(default_factory=Counter)  # pairs: (first, second)

    def add(self, other: Sums, sign: int = 1) -> None:
        """Add `other` (sign=-1: take it away; counts that reach zero are dropped, so a value
        nobody gives any more is not counted as a value in use)."""
        self.exact += sign * other.exact
        self.overlap += sign * other.overlap
        self.span_units += sign * other.span_units
        self.claim_units += sign * other.claim_units
        self.unmatched += sign * other.unmatched
        for mine, theirs in (
            (self.claim, other.claim),
            (self.stance, other.stance),
            (self.certainty, other.certainty),
            (self.confidence, other.confidence),
            (self.kappa, other.kappa),
        ):
            _add_counts(mine, theirs, sign)


def _add_counts(mine: Counter[Any], theirs: Counter[Any], sign: int) -> None:
    get = mine.get
    for key, n in theirs.items():
        total = get(key, 0) + sign * n
        if total:
            mine[key] = total
        else:
            mine.pop(key, None)


def ordinal_certainty(value: str) -> str | None:
    return value if value in CERTAINTY_ORDER else None


def unit_sums(span_units: Sequence[Sequence[Item]], claim_units: Sequence[Sequence[Item]]) -> Sums:
    """The label sums of matched units (units of one item are left out by the caller or here)."""
    span = [u for u in span_units if len(u) > 1]
    claim = [u for u in claim_units if len(u) > 1]
    return Sums(
        span_units=len(span),
        claim_units=len(claim),
        claim=coincidence_counts([it.claim for it in u] for u in span),
        stance=coincidence_counts([it.stance for it in u] for u in claim),
        certainty=coincidence_counts([ordinal_certainty(it.certainty) for it in u] for u in claim),
        confidence=coincidence_counts([it.confidence for it in u] for u in claim),
    )


def stance_table(claim_units: Iterable[Sequence[Item]], first: str) -> Counter[tuple[Label, Label]]:
    """(first reviewer's stance, the other's) over a pair's matched claim units, for kappa."""
    table: Counter[tuple[Label, Label]] = Counter()
    for unit in claim_units:
        if len(unit) == 2:
            a, b = unit if unit[0].reviewer == first else (unit[1], unit[0])
            table[(a.stance, b.stance)] += 1
    return table


@dataclass
class GroupScores:
    """Agreement among a set of reviewers (a pair, or all of them) over a set of items."""

    reviewers: list[str]
    annotations: int
    detection_exact: Score
    detection_overlap: Score
    span_units_matched: int  # units with two or more reviewers, claim ignored
    claim_units_matched: int  # units with two or more reviewers, same claim
    unmatched: int  # annotations in no claim unit with another reviewer
    alpha_claim: Score
    alpha_stance: Score
    alpha_certainty: Score
    alpha_confidence: Score
    kappa_stance: Score | None = None  # pairs only
    exact_matches: int = 0  # span pairs behind detection_exact (summed over pairs for all)
    overlap_matches: int = 0  # span pairs behind detection_overlap

    def as_dict(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict (slow). The JSON report writes each article's scores
        # with orjson straight from the dataclasses: that must stay this same document (tested in
        # tests/test_agreement_report.py), so a key here is a field, in field order.
        return {
            key: value.as_dict() if isinstance(value, Score) else value
            for key, value in vars(self).items()
        } | {"reviewers": list(self.reviewers)}


def group_scores(
    reviewers: list[str],
    annotations: int,
    sums: Sums,
    *,
    pair: bool,
    unmatched: int | None = None,
) -> GroupScores:
    """The scores of `reviewers` from their sums (all reviewers together: see all_scores);
    `unmatched`, if given, in place of the sums' own."""
    return GroupScores(
        reviewers=reviewers,
        annotations=annotations,
        detection_exact=detection_f1(sums.exact, annotations),
        detection_overlap=detection_f1(sums.overlap, annotations),
        span_units_matched=sums.span_units,
        claim_units_matched=sums.claim_units,
        unmatched=sums.unmatched if unmatched is None else unmatched,
        alpha_claim=alpha_from_counts(sums.claim),
        alpha_stance=alpha_from_counts(sums.stance),
        alpha_certainty=alpha_from_counts(sums.certainty, "ordinal", CERTAINTY_ORDER),
        alpha_confidence=alpha_from_counts(sums.confidence, "ordinal", CONFIDENCE_ORDER),
        kappa_stance=kappa_from_table(sums.kappa) if pair else None,
        exact_matches=sums.exact,
        overlap_matches=sums.overlap,
    )


def all_scores(
    reviewers: list[str], annotations: int, pairs: Sequence[GroupScores], sums: Sums
) -> GroupScores:
    """All reviewers together: labels from their own units, detection F1 pooled over the pairs
    (2·Σ matched / Σ (|A| + |B|))."""
    scores = group_scores(reviewers, annotations, sums, pair=False)
    total = sum(p.annotations for p in pairs)
    scores.exact_matches = sum(p.exact_matches for p in pairs)
    scores.overlap_matches = sum(p.overlap_matches for p in pairs)
    if total == 0:
        scores.detection_exact = scores.detection_overlap = _undefined("no annotations")
    else:
        scores.detection_exact = Score(2 * scores.exact_matches / total)
        scores.detection_overlap = Score(2 * scores.overlap_matches / total)
    return scores


def not_applicable(reviewers: list[str], annotations: int) -> GroupScores:
    """Scores of fewer than two reviewers: every score n/a, every annotation unmatched."""
    na = _undefined("only one reviewer" if reviewers else "no annotations")
    return GroupScores(
        reviewers=reviewers,
        annotations=annotations,
        detection_exact=na,
        detection_overlap=na,
        span_units_matched=0,
        claim_units_matched=0,
        unmatched=annotations,
        alpha_claim=na,
        alpha_stance=na,
        alpha_certainty=na,
        alpha_confidence=na,
    )


@dataclass
class Section:
    """Scores for one article, or for all articles together."""

    label: str
    article_id: int | None
    reviewers: list[str]
    annotations: int
    pairs: list[GroupScores] = field(default_factory=list)
    all: GroupScores | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "article_id": self.article_id,
            "reviewers": self.reviewers,
            "annotations": self.annotations,
            "pairs": [p.as_dict() for p in self.pairs],
            "all": self.all.as_dict() if self.all else None,
        }


METHOD = {
    "overlap_ratio": "shared characters / characters in the union of both spans",
    "overlap_threshold": OVERLAP_THRESHOLD,
    "certainty_order": list(CERTAINTY_ORDER),
    "certainty_missing": ["unspecified"],
}


@dataclass
class Report:
    overall: Section
    articles: list[Section]

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": METHOD,
            "overall": self.overall.as_dict(),
            "articles": [s.as_dict() for s in self.articles],
        }


# ---------------------------------------------------------------- the one-shot report
# Every unit of the project matched at once: the reference the per-article sums must equal
# (tests/test_agreement_sums.py), and what tests build small reports with.


def _label_sums(items: Sequence[Item]) -> tuple[Sums, list[list[Item]]]:
    """Sums of the units matched among `items`, and the claim units (with singletons)."""
    claim_units = match_units(items, same_claim=True)
    sums = unit_sums(match_units(items, same_claim=False), claim_units)
    sums.unmatched = sum(1 for u in claim_units if len(u) == 1)
    return sums, claim_units


def _pair_scores(items: Sequence[Item], first: str, second: str) -> GroupScores:
    mine = [it for it in items if it.reviewer == first]
    theirs = [it for it in items if it.reviewer == second]
    sums, claim_units = _label_sums([*mine, *theirs])
    sums.exact = _exact_matches(mine, theirs)
    sums.overlap = _overlap_matches(mine, theirs, OVERLAP_THRESHOLD)
    sums.kappa = stance_table(claim_units, first)
    return group_scores([first, second], len(mine) + len(theirs), sums, pair=True)


def _section(label: str, article_id: int | None, items: Sequence[Item]) -> Section:
    reviewers = sorted({it.reviewer for it in items})
    section = Section(label, article_id, reviewers, len(items))
    if len(reviewers) < 2:
        section.all = not_applicable(reviewers, len(items))
        return section
    section.pairs = [_pair_scores(items, a, b) for a, b in combinations(reviewers, 2)]
    sums, _ = _label_sums(items)
    section.all = all_scores(reviewers, len(items), section.pairs, sums)
    return section


def build_report(items: Sequence[Item], article_titles: dict[int, str] | None = None) -> Report:
    """Agreement per article and over all articles, for each reviewer pair and for all."""
    titles = article_titles or {}
    by_article: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_article[item.article].append(item)
    articles = [
        _section(titles.get(article_id, f"Article {article_id}"), article_id, group)
        for article_id, group in sorted(by_article.items())
    ]
    return Report(overall=_section("All articles", None, items), articles=articles)
