"""Agreement maths: published worked examples, the reference package, and the edge cases."""

import math
import random

import krippendorff
import numpy as np
import pytest

from annotate import agreement
from annotate.agreement import Item

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers,
# 12 units, values 1-5, with missing data. Published: nominal .743, ordinal .815.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _to_nan(matrix):
    return [[np.nan if v is None else v for v in row] for row in matrix]


def test_krippendorff_2011_nominal_published_value():
    assert round(agreement.alpha_from_matrix(K2011).value, 3) == 0.743


def test_krippendorff_2011_ordinal_published_value():
    score = agreement.alpha_from_matrix(K2011, level="ordinal")
    assert round(score.value, 3) == 0.815


def test_krippendorff_2011_matches_reference_package_exactly():
    for level in ("nominal", "ordinal"):
        ours = agreement.alpha_from_matrix(K2011, level=level).value
        ref = krippendorff.alpha(reliability_data=_to_nan(K2011), level_of_measurement=level)
        assert ours == pytest.approx(ref, abs=1e-12)


def test_cohen_kappa_wikipedia_worked_example():
    # Wikipedia "Cohen's kappa", simple example: 50 grant proposals, 20 yes/yes, 5 yes/no,
    # 10 no/yes, 15 no/no → p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert agreement.cohen_kappa(pairs).value == pytest.approx(0.4)


def test_cohen_kappa_undefined_when_one_label_throughout():
    score = agreement.cohen_kappa([("asserts", "asserts")] * 3)
    assert score.value is None and "same label" in score.reason
    assert agreement.cohen_kappa([]).value is None


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
@pytest.mark.parametrize("seed", range(40))
def test_alpha_matches_krippendorff_package_on_random_data_with_missing_values(level, seed):
    rng = random.Random(seed)
    coders, units = rng.randint(2, 6), rng.randint(3, 30)
    values = list(range(1, rng.randint(2, 7) + 1))
    # Bias toward agreement so alpha is spread over its range, not always near 0.
    truth = [rng.choice(values) for _ in range(units)]
    matrix = [
        [
            None
            if rng.random() < 0.3
            else (truth[u] if rng.random() < rng.random() else rng.choice(values))
            for u in range(units)
        ]
        for _ in range(coders)
    ]
    ours = agreement.alpha_from_matrix(matrix, level=level)
    try:
        ref = krippendorff.alpha(
            reliability_data=_to_nan(matrix),
            level_of_measurement=level,
            value_domain=values,
        )
    except ValueError:
        ref = math.nan
    if ours.value is None:
        assert ours.reason
        assert math.isnan(ref)
    else:
        assert ours.value == pytest.approx(ref, abs=1e-9)


def test_alpha_with_string_labels_uses_given_order():
    units = [["certain", "probable"], ["possible", "possible"], ["certain", "certain"]]
    order = agreement.CERTAINTY_ORDER
    ours = agreement.krippendorff_alpha(units, level="ordinal", order=order)
    rank = {v: i for i, v in enumerate(order)}
    ref = krippendorff.alpha(
        reliability_data=np.array([[rank[a] for a, _ in units], [rank[b] for _, b in units]]),
        level_of_measurement="ordinal",
    )
    assert ours.value == pytest.approx(ref)


def test_alpha_all_labels_the_same_is_undefined_with_reason():
    score = agreement.krippendorff_alpha([["asserts", "asserts"], ["asserts", "asserts"]])
    assert score.value is None
    assert "same" in score.reason
    assert str(score) == "n/a"


def test_alpha_no_pairable_units_is_undefined():
    score = agreement.krippendorff_alpha([["asserts", None], [None, "denies"]])
    assert score.value is None and "two or more" in score.reason


def test_alpha_perfect_agreement_is_one():
    units = [["asserts", "asserts"], ["denies", "denies"], ["reports", "reports"]]
    assert agreement.krippendorff_alpha(units).value == 1.0


@pytest.mark.parametrize("seed", range(40))
def test_nominal_alpha_of_two_value_units_in_integers_is_the_float_computation_exactly(seed):
    # alpha_from_counts sums two-value units' counts as integers (no sort); the Score must be the
    # very one the float computation through the coincidences gives, up to large counts.
    rng = random.Random(seed)
    labels = rng.sample(["asserts", "denies", "reports", "questions", "x", "y"], rng.randint(1, 6))
    scale = rng.choice([1, 1000, 2**18])  # up to n ≈ 2**25
    units = [[rng.choice(labels), rng.choice(labels)] for _ in range(rng.randint(0, 60))]
    counts = agreement.coincidence_counts(units)
    for key in counts:
        counts[key] *= scale
    ours = agreement.alpha_from_counts(counts)
    assert ours == agreement._alpha_of_coincidences(counts, "nominal", None)


def test_alpha_rejects_unknown_level_and_values_outside_order():
    with pytest.raises(ValueError, match="Unknown level"):
        agreement.krippendorff_alpha([[1, 2]], level="interval")
    with pytest.raises(ValueError, match="not in the ordinal order"):
        agreement.krippendorff_alpha([["x", "y"]], level="ordinal", order=["x"])


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ((0, 10), (0, 10), 1.0),
        ((0, 10), (0, 5), 0.5),
        ((0, 10), (5, 15), 5 / 15),
        ((0, 10), (10, 20), 0.0),
        ((2, 4), (0, 10), 0.2),
    ],
)
def test_overlap_ratio_is_character_jaccard(a, b, ratio):
    assert agreement.overlap_ratio(*a, *b) == pytest.approx(ratio)
    assert agreement.overlap_ratio(*b, *a) == pytest.approx(ratio)


_ids = iter(range(1, 10_000))


def item(reviewer, start, end, *, claim=1, stance="asserts", certainty="certain", confidence=4,
         article=1):  # fmt: skip
    return Item(next(_ids), reviewer, article, claim, start, end, stance, certainty, confidence)


def test_match_units_is_one_to_one_greedy_by_overlap():
    a1 = item("ann", 0, 10)
    b1 = item("bob", 0, 9)  # best partner for a1
    b2 = item("bob", 5, 10)  # overlaps a1 too, but a1 is taken
    units = agreement.match_units([a1, b1, b2], same_claim=True)
    paired = [u for u in units if len(u) == 2]
    assert [{it.id for it in u} for u in paired] == [{a1.id, b1.id}]
    assert sum(len(u) == 1 for u in units) == 1


def test_match_units_respects_claims_and_articles():
    a = item("ann", 0, 10, claim=1)
    b = item("bob", 0, 10, claim=2)
    c = item("cat", 0, 10, claim=1, article=2)
    assert all(len(u) == 1 for u in agreement.match_units([a, b, c], same_claim=True))
    span_units = agreement.match_units([a, b, c], same_claim=False)
    assert sorted(len(u) for u in span_units) == [1, 2]


def test_match_units_never_puts_two_items_of_one_reviewer_together():
    items = [item("ann", 0, 10), item("ann", 0, 10), item("bob", 0, 10), item("cat", 2, 8)]
    for unit in agreement.match_units(items, same_claim=True):
        reviewers = [it.reviewer for it in unit]
        assert len(reviewers) == len(set(reviewers))


def test_report_identical_annotations_score_one():
    spans = [(0, 10, "asserts", "certain", 5), (20, 30, "denies", "possible", 2),
             (40, 50, "reports", "probable", 3)]  # fmt: skip
    items = [
        item(r, s, e, claim=i, stance=st, certainty=ce, confidence=co)
        for r in ("ann", "bob")
        for i, (s, e, st, ce, co) in enumerate(spans)
    ]
    report = agreement.build_report(items, {1: "Votel"})
    pair = report.overall.pairs[0]
    assert pair.reviewers == ["ann", "bob"]
    for score in (pair.detection_exact, pair.detection_overlap, pair.alpha_claim,
                  pair.alpha_stance, pair.alpha_certainty, pair.alpha_confidence,
                  pair.kappa_stance):  # fmt: skip
        assert score.value == 1.0
    assert (pair.claim_units_matched, pair.unmatched) == (3, 0)
    assert report.articles[0].label == "Votel"


def test_report_one_reviewer_is_not_applicable_not_an_error():
    report = agreement.build_report([item("ann", 0, 10), item("ann", 20, 30)])
    assert report.overall.pairs == []
    assert report.overall.all.alpha_stance.value is None
    assert report.overall.all.alpha_stance.reason == "only one reviewer"
    assert report.overall.all.unmatched == 2
    assert report.as_dict()["overall"]["all"]["detection_exact"]["value"] is None


def test_report_empty():
    report = agreement.build_report([])
    assert report.articles == [] and report.overall.all.detection_exact.value is None


def test_report_no_overlap():
    report = agreement.build_report([item("ann", 0, 10), item("bob", 20, 30)])
    pair = report.overall.pairs[0]
    assert pair.detection_exact.value == 0.0
    assert pair.detection_overlap.value == 0.0
    assert pair.claim_units_matched == 0 and pair.unmatched == 2
    assert pair.alpha_stance.value is None
    assert pair.kappa_stance.value is None


def test_report_detection_exact_versus_overlap():
    items = [
        item("ann", 0, 10),
        item("bob", 0, 10),  # exact
        item("ann", 20, 30),
        item("bob", 21, 30),  # 9/10 overlap
        item("ann", 40, 50),
        item("bob", 45, 60),  # 5/20 overlap: not a detection match
    ]
    pair = agreement.build_report(items).overall.pairs[0]
    assert pair.detection_exact.value == pytest.approx(2 * 1 / 6)
    assert pair.detection_overlap.value == pytest.approx(2 * 2 / 6)
    # Label matching needs only overlap, so all three pairs are compared for labels.
    assert pair.claim_units_matched == 3


def test_report_claim_alpha_and_stance_disagreement():
    items = [
        item("ann", 0, 10, claim=1, stance="asserts"),
        item("bob", 0, 10, claim=1, stance="denies"),
        item("ann", 20, 30, claim=1, stance="asserts"),
        item("bob", 20, 30, claim=2, stance="asserts"),
    ]
    pair = agreement.build_report(items).overall.pairs[0]
    assert pair.span_units_matched == 2
    assert pair.claim_units_matched == 1
    assert pair.unmatched == 2
    assert pair.alpha_claim.value == pytest.approx(
        krippendorff.alpha(reliability_data=[[1, 1], [1, 2]], level_of_measurement="nominal")
    )
    # One compared pair that disagrees: alpha is defined, as in the reference package.
    ref = krippendorff.alpha(reliability_data=[[1], [2]], level_of_measurement="nominal")
    assert pair.alpha_stance.value == pytest.approx(ref) == 0.0


def test_report_certainty_unspecified_is_missing():
    items = [
        item("ann", 0, 10, certainty="unspecified", claim=1),
        item("bob", 0, 10, certainty="certain", claim=1),
        item("ann", 20, 30, certainty="possible", claim=2),
        item("bob", 20, 30, certainty="possible", claim=2),
        item("ann", 40, 50, certainty="certain", claim=3),
        item("bob", 40, 50, certainty="certain", claim=3),
    ]
    pair = agreement.build_report(items).overall.pairs[0]
    # Without the unspecified unit, the two remaining units agree perfectly.
    assert pair.alpha_certainty.value == 1.0


def test_report_three_reviewers_pairs_and_all_match_reference():
    rng = random.Random(7)
    items = []
    for unit in range(25):
        start = unit * 100
        truth = rng.choice(["asserts", "denies", "reports", "questions"])
        for reviewer in ("ann", "bob", "cat"):
            if rng.random() < 0.2:
                continue
            stance = truth if rng.random() < 0.7 else rng.choice(["asserts", "denies"])
            items.append(item(reviewer, start + rng.randint(0, 3), start + 20, stance=stance))
    report = agreement.build_report(items)
    assert [p.reviewers for p in report.overall.pairs] == [
        ["ann", "bob"],
        ["ann", "cat"],
        ["bob", "cat"],
    ]
    # All-reviewer alpha equals the package on the unit × reviewer matrix the units define.
    units = agreement.match_units(items, same_claim=True)
    codes = {"asserts": 1, "denies": 2, "reports": 3, "questions": 4}
    matrix = [
        [next((codes[it.stance] for it in u if it.reviewer == r), np.nan) for u in units]
        for r in ("ann", "bob", "cat")
    ]
    ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert report.overall.all.alpha_stance.value == pytest.approx(ref)
    assert report.overall.all.claim_units_matched == sum(len(u) > 1 for u in units)
