"""Per-article sums (annotate/agreement_sums.py): the project's figures re-summed from its articles
equal the one-shot report exactly, and the disagreement list on hand-built cases."""

import json
import random

import pytest

from annotate import agreement, agreement_sums
from annotate.agreement import Item
from annotate.agreement_sums import Totals, article_sums

REVIEWERS = ("ann", "bob", "cat", "dan", "eve")


def _random_items(seed: int, articles: int = 6, per_article: int = 40) -> list[Item]:
    rng = random.Random(seed)
    reviewers = REVIEWERS[: rng.randint(2, 5)]
    items, next_id = [], 1
    for article in range(1, articles + 1):
        for _ in range(rng.randint(0, per_article)):
            start = rng.randrange(0, 600)
            items.append(
                Item(
                    next_id,
                    rng.choice(reviewers),
                    article,
                    rng.randint(1, 4),
                    start,
                    start + rng.randint(1, 60),
                    rng.choice(["asserts", "denies", "reports", "questions"]),
                    rng.choice(["certain", "probable", "possible", "unspecified"]),
                    rng.randint(1, 5),
                )
            )
            next_id += 1
    rng.shuffle(items)
    return items


def _by_article(items):
    groups = {}
    for it in items:
        groups.setdefault(it.article, []).append(it)
    return groups


def _summed(items, *, through_json: bool = False) -> Totals:
    totals = Totals()
    for article_id, group in sorted(_by_article(items).items()):
        sums = article_sums(article_id, group)
        if through_json:  # as the store keeps them
            data = json.loads(json.dumps(agreement_sums.sums_to_json(sums)))
            sums = agreement_sums.sums_from_json(article_id, data)
        totals.add(sums)
    return totals


@pytest.mark.parametrize("through_json", [False, True])
@pytest.mark.parametrize("seed", range(25))
def test_sum_of_articles_equals_the_one_shot_report_exactly(seed, through_json):
    items = _random_items(seed)
    report = agreement.build_report(items)
    summed = _summed(items, through_json=through_json).section("All articles", None)
    # Equal as data: every count and every float (alpha, kappa, F1), not merely close.
    assert summed.as_dict() == report.overall.as_dict()
    for section in report.articles:
        group = _by_article(items)[section.article_id]
        one = agreement_sums.article_section(
            article_sums(section.article_id, group), section.label, {}
        )
        assert one.as_dict() == section.as_dict()


def test_renamed_reviewers_keep_pairs_in_name_order_and_kappa_turned():
    items = _random_items(3, articles=3)
    keys = {name: str(9 - i) for i, name in enumerate(REVIEWERS)}  # reverses the order
    renamed = [Item(*(keys[it.reviewer] if f == "reviewer" else getattr(it, f)
                      for f in Item.__dataclass_fields__)) for it in items]  # fmt: skip
    names = {v: k for k, v in keys.items()}
    totals = Totals()
    for article_id, group in _by_article(renamed).items():
        totals.add(article_sums(article_id, group), names)
    expected = agreement.build_report(items).overall.as_dict()
    assert totals.section("All articles", None).as_dict() == expected


def test_empty_and_single_reviewer():
    assert Totals().section("All", None).all.alpha_stance.reason == "no annotations"
    one = article_sums(1, [Item(1, "ann", 1, 1, 0, 10, "asserts", "certain", 3)])
    assert one.disagreements == [] and one.agreed_share is None
    section = agreement_sums.article_section(one, "A", {})
    assert section.all.alpha_stance.reason == "only one reviewer"


# ---------------------------------------------------------------- disagreements


def _it(i, reviewer, start, end, claim=1, stance="asserts", certainty="certain", confidence=4):
    return Item(i, reviewer, 1, claim, start, end, stance, certainty, confidence)


def test_disagreement_list_kinds_on_a_hand_built_article():
    items = [
        # Same claim, same span, same labels: agreed, not listed.
        _it(1, "ann", 0, 20),
        _it(2, "bob", 0, 20),
        # Same claim, overlapping, stance and confidence differ: a label disagreement.
        _it(3, "ann", 100, 140, stance="asserts", confidence=4),
        _it(4, "bob", 105, 140, stance="denies", confidence=2),
        # Overlapping spans, different claims: a near miss (not also "unmatched").
        _it(5, "ann", 200, 240, claim=1),
        _it(6, "bob", 210, 250, claim=2),
        # Nobody else marked this passage.
        _it(7, "bob", 400, 420),
    ]
    sums = article_sums(1, items)
    listed = [(d.kind, [m.id for m in d.members], d.fields) for d in sums.disagreements]
    assert listed == [
        ("label", [3, 4], ("stance", "confidence")),
        ("near-miss", [5, 6], ("claim",)),
        ("unmatched", [7], ()),
    ]
    assert (sums.count("label"), sums.count("near-miss"), sums.count("unmatched")) == (1, 1, 1)
    assert sums.agreed == 2 and sums.agreed_share == pytest.approx(2 / 7)
    assert sums.disagreements[0].first_id == 3
    # The near miss is not a claim unit: the report's "matched" count leaves it out.
    assert sums.all.claim_units == 2 and sums.all.span_units == 3


def test_three_reviewers_one_outlier_is_one_label_disagreement():
    items = [
        _it(1, "ann", 0, 30, stance="asserts"),
        _it(2, "bob", 0, 30, stance="asserts"),
        _it(3, "cat", 2, 30, stance="reports", certainty="possible"),
    ]
    [d] = article_sums(1, items).disagreements
    assert d.kind == "label" and d.fields == ("stance", "certainty")
    assert [m.reviewer for m in d.members] == ["ann", "bob", "cat"]


def test_one_reviewer_lists_nothing_as_unmatched():
    items = [_it(1, "ann", 0, 10), _it(2, "ann", 50, 60)]
    assert article_sums(1, items).disagreements == []


def test_disagreements_survive_json():
    items = [
        _it(3, "ann", 100, 140),
        _it(4, "bob", 105, 140, stance="denies"),
        _it(7, "bob", 400, 420),
    ]
    sums = article_sums(1, items)
    data = json.loads(json.dumps(agreement_sums.disagreements_to_json(sums)))
    assert agreement_sums.disagreements_from_json(1, data) == sums.disagreements
