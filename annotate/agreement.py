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
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any, NotRequired, TypedDict

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
    position = {v: i for i, v in enumerate(ranked)}
    cumulative = [0.0]
    for v in ranked:
        cumulative.append(cumulative[-1] + totals[v])
    distances = {}
    for c in ranked:
        for k in ranked:
            lo, hi = sorted((position[c], position[k]))
            between = cumulative[hi + 1] - cumulative[lo]
            distances[(c, k)] = (between - (totals[c] + totals[k]) / 2) ** 2
    return distances


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
    coincidences: dict[tuple[Label, Label], float] = defaultdict(float)
    for unit in units:
        counts = Counter(v for v in unit if v is not None)
        m = sum(counts.values())
        if m < 2:
            continue  # not pairable
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                if pairs:
                    coincidences[(c, k)] += pairs / (m - 1)
    totals: dict[Label, float] = defaultdict(float)
    for (c, _k), o in coincidences.items():
        totals[c] += o
    n = sum(totals.values())
    if n == 0:
        return _undefined("no unit has values from two or more coders")
    if len(totals) < 2:
        return _undefined("every value is the same, so there is no variation to agree on")
    if level == "nominal":
        distances = {(c, k): 0.0 if c == k else 1.0 for c in totals for k in totals}
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
        return _undefined("every value is the same, so there is no variation to agree on")
    return Score(1 - (n - 1) * observed / expected)


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
    pairs = list(pairs)
    if not pairs:
        return _undefined("no items labelled by both coders")
    n = len(pairs)
    agree = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    chance = sum(first[label] * second[label] for label in first) / (n * n)
    if chance == 1:
        return _undefined("both coders used one and the same label throughout")
    return Score((agree - chance) / (1 - chance))


# ---------------------------------------------------------------- spans and matching


def overlap_ratio(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    """Shared characters / characters covered by either span (character Jaccard), in [0, 1]."""
    shared = overlap(a_start, a_end, b_start, b_end)
    union = (a_end - a_start) + (b_end - b_start) - shared
    return shared / union if union > 0 else 0.0


@dataclass(frozen=True)
class Item:
    """One annotation as the agreement maths sees it."""

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


def match_units(items: Sequence[Item], *, same_claim: bool) -> list[list[Item]]:
    """Group items into units of at most one item per reviewer (see the module docstring).

    Returns every unit, including singletons (unmatched items), in a deterministic order.
    """
    candidates = []
    for a, b in _overlapping_pairs(items):
        if same_claim and a.claim != b.claim:
            continue
        ratio = overlap_ratio(a.start, a.end, b.start, b.end)
        candidates.append((a.claim != b.claim, -ratio, min(a.id, b.id), max(a.id, b.id), a, b))
    candidates.sort(key=lambda c: c[:4])
    unit_of: dict[int, int] = {item.id: item.id for item in items}
    members: dict[int, list[Item]] = {item.id: [item] for item in items}
    for *_, a, b in candidates:
        ua, ub = unit_of[a.id], unit_of[b.id]
        if ua == ub:
            continue
        reviewers_a = {it.reviewer for it in members[ua]}
        if any(it.reviewer in reviewers_a for it in members[ub]):
            continue
        for it in members[ub]:
            unit_of[it.id] = ua
        members[ua].extend(members.pop(ub))
    units = [sorted(unit, key=lambda it: it.reviewer) for unit in members.values()]
    units.sort(key=lambda unit: (unit[0].article, min(it.start for it in unit), unit[0].id))
    return units


def _exact_matches(a: Sequence[Item], b: Sequence[Item]) -> int:
    keys_a = Counter((it.article, it.start, it.end) for it in a)
    keys_b = Counter((it.article, it.start, it.end) for it in b)
    return sum((keys_a & keys_b).values())


def _overlap_matches(a: Sequence[Item], b: Sequence[Item], threshold: float) -> int:
    """One-to-one greedy pairs with overlap ratio ≥ threshold, best ratio first."""
    candidates = []
    for x, y in _overlapping_pairs([*a, *b]):
        ratio = overlap_ratio(x.start, x.end, y.start, y.end)
        if ratio >= threshold:
            candidates.append((-ratio, min(x.id, y.id), max(x.id, y.id)))
    candidates.sort()
    used: set[int] = set()
    matched = 0
    for _, x_id, y_id in candidates:
        if x_id not in used and y_id not in used:
            used.update((x_id, y_id))
            matched += 1
    return matched


def detection_f1(matched: int, total: int) -> Score:
    """F1 of one-to-one span pairs: 2·matched / (|A| + |B|)."""
    if total == 0:
        return _undefined("neither reviewer annotated anything here")
    return Score(2 * matched / total)


# ---------------------------------------------------------------- the report


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

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in vars(self).items():
            if isinstance(value, Score):
                data[key] = value.as_dict()
        return data


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


@dataclass
class Report:
    overall: Section
    articles: list[Section]

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": {
                "overlap_ratio": "shared characters / characters in the union of both spans",
                "overlap_threshold": OVERLAP_THRESHOLD,
                "certainty_order": list(CERTAINTY_ORDER),
                "certainty_missing": ["unspecified"],
            },
            "overall": self.overall.as_dict(),
            "articles": [s.as_dict() for s in self.articles],
        }


def _certainty(value: str) -> str | None:
    return value if value in CERTAINTY_ORDER else None


class _LabelScores(TypedDict):
    """The GroupScores fields that come from matching units (see _label_scores)."""

    span_units_matched: int
    claim_units_matched: int
    unmatched: int
    alpha_claim: Score
    alpha_stance: Score
    alpha_certainty: Score
    alpha_confidence: Score
    kappa_stance: NotRequired[Score]


def _label_scores(items: Sequence[Item], reviewers: Sequence[str]) -> _LabelScores:
    """Alpha (and kappa for a pair) from the units matched among `items`."""
    span_units = [u for u in match_units(items, same_claim=False) if len(u) > 1]
    claim_units_all = match_units(items, same_claim=True)
    claim_units = [u for u in claim_units_all if len(u) > 1]
    scores: _LabelScores = {
        "span_units_matched": len(span_units),
        "claim_units_matched": len(claim_units),
        "unmatched": sum(1 for u in claim_units_all if len(u) == 1),
        "alpha_claim": krippendorff_alpha([it.claim for it in u] for u in span_units),
        "alpha_stance": krippendorff_alpha([it.stance for it in u] for u in claim_units),
        "alpha_certainty": krippendorff_alpha(
            ([_certainty(it.certainty) for it in u] for u in claim_units),
            level="ordinal",
            order=CERTAINTY_ORDER,
        ),
        "alpha_confidence": krippendorff_alpha(
            ([it.confidence for it in u] for u in claim_units),
            level="ordinal",
            order=CONFIDENCE_ORDER,
        ),
    }
    if len(reviewers) == 2:
        first, second = reviewers
        pairs = []
        for unit in claim_units:
            by = {it.reviewer: it.stance for it in unit}
            pairs.append((by[first], by[second]))
        scores["kappa_stance"] = cohen_kappa(pairs)
    return scores


def _pair_scores(items: Sequence[Item], first: str, second: str) -> GroupScores:
    mine = [it for it in items if it.reviewer == first]
    theirs = [it for it in items if it.reviewer == second]
    both = [*mine, *theirs]
    total = len(mine) + len(theirs)
    return GroupScores(
        reviewers=[first, second],
        annotations=total,
        detection_exact=detection_f1(_exact_matches(mine, theirs), total),
        detection_overlap=detection_f1(_overlap_matches(mine, theirs, OVERLAP_THRESHOLD), total),
        **_label_scores(both, [first, second]),
    )


def _micro_f1(pairs: Sequence[GroupScores], attr: str) -> Score:
    """F1 over all pairs together: 2·Σ matched / Σ (|A| + |B|), from each pair's F1 and size."""
    total = sum(p.annotations for p in pairs)
    if total == 0:
        return _undefined("no annotations")
    matched2 = sum((getattr(p, attr).value or 0) * p.annotations for p in pairs)
    return Score(matched2 / total)


def _section(label: str, article_id: int | None, items: Sequence[Item]) -> Section:
    reviewers = sorted({it.reviewer for it in items})
    section = Section(label, article_id, reviewers, len(items))
    if len(reviewers) < 2:
        reason = "only one reviewer" if reviewers else "no annotations"
        na = _undefined(reason)
        section.all = GroupScores(
            reviewers=reviewers,
            annotations=len(items),
            detection_exact=na,
            detection_overlap=na,
            span_units_matched=0,
            claim_units_matched=0,
            unmatched=len(items),
            alpha_claim=na,
            alpha_stance=na,
            alpha_certainty=na,
            alpha_confidence=na,
        )
        return section
    section.pairs = [_pair_scores(items, a, b) for a, b in combinations(reviewers, 2)]
    section.all = GroupScores(
        reviewers=reviewers,
        annotations=len(items),
        detection_exact=_micro_f1(section.pairs, "detection_exact"),
        detection_overlap=_micro_f1(section.pairs, "detection_overlap"),
        **_label_scores(items, reviewers),
    )
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
