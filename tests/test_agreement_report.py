"""`manage.py agreement_report`: text and JSON, whole corpus or one article."""

import io
import json

import orjson
import pytest
from django.core.management import CommandError, call_command

from annotate import agreement
from annotate.agreement_sums import article_sums, disagreements_to_json
from annotate.management.commands.agreement_report import article_dict, article_json
from annotate.models import Stance
from tests import factories
from tests.test_agreement_sums import _random_items

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("agreement_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def annotated(reviewer, other_reviewer, article):
    claim = factories.make_claim()
    for user, stance in ((reviewer, Stance.ASSERTS), (other_reviewer, Stance.DENIES)):
        factories.make_annotation(
            article=article, reviewer=user, claim=claim, phrase="Russia was", stance=stance
        )
    other_article = factories.make_article(title="Alone")
    factories.make_annotation(article=other_article, reviewer=reviewer, claim=claim)
    return article, other_article


def test_text_table(annotated):
    out = _run()
    assert "All articles — 3 annotations, reviewers: other, reviewer" in out
    assert "F1 exact" in out and "α stance" in out and "κ stance" in out
    assert "other + reviewer" in out
    assert "Votel testimony" in out
    assert "Alone — 1 annotations, reviewers: reviewer\n  n/a: only one reviewer" in out


def test_json_matches_the_page_numbers(annotated):
    data = json.loads(_run("--format", "json"))
    pair = data["overall"]["pairs"][0]
    assert pair["reviewers"] == ["other", "reviewer"]
    assert pair["detection_exact"]["value"] == pytest.approx(2 / 3)
    assert pair["claim_units_matched"] == 1 and pair["unmatched"] == 1
    assert data["method"]["certainty_missing"] == ["unspecified"]
    assert [a["label"] for a in data["articles"]] == ["Votel testimony", "Alone"]


def test_one_article(annotated):
    article, _ = annotated
    data = json.loads(_run("--format", "json", "--article", str(article.pk)))
    assert [a["article_id"] for a in data["articles"]] == [article.pk]
    assert data["overall"]["annotations"] == 2
    assert "Votel testimony" in _run("--article", str(article.pk))


def test_unknown_article_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No article with id 424242"):
        _run("--article", "424242")


def test_empty_database(db):
    assert "n/a: no annotations" in _run()
    assert json.loads(_run("--format", "json"))["articles"] == []


def test_json_lists_disagreements_with_links(annotated):
    article, other_article = annotated
    data = json.loads(_run("--format", "json"))
    votel, alone = data["articles"]
    assert votel["disagreement_counts"] == {"label": 1, "near-miss": 0, "unmatched": 0}
    [item] = votel["disagreements"]
    assert item["kind"] == "label" and item["fields"] == ["stance"]
    assert [a["reviewer"] for a in item["annotations"]] == ["other", "reviewer"]
    assert [a["stance"] for a in item["annotations"]] == ["denies", "asserts"]
    first = min(item["annotations"], key=lambda a: (a["start"], a["id"]))
    assert item["href"] == f"/articles/{article.pk}/adjudicate/#ann-{first['id']}"
    # One reviewer on the article: nothing to compare, so nothing listed.
    assert alone["disagreements"] == [] and alone["disagreement_counts"]["unmatched"] == 0
    # The same figures and list for one article, computed afresh.
    one = json.loads(_run("--format", "json", "--article", str(article.pk)))
    assert one["articles"][0]["disagreements"] == votel["disagreements"]
    assert one["articles"][0]["pairs"] == votel["pairs"]


def test_text_lists_one_articles_disagreements(annotated):
    article, _ = annotated
    out = _run("--article", str(article.pk))
    assert "Disagreements (1):" in out
    assert (
        "- Labels differ in stance at " in out and f"/articles/{article.pk}/adjudicate/#ann-" in out
    )
    assert "Disagreements: labels differ 1, near miss 0, unmatched 0" in _run()


def test_report_brings_the_store_up_to_date(annotated):
    from annotate.models import ArticleAgreement

    assert not ArticleAgreement.objects.filter(stale=False).exists()
    _run("--format", "json")
    assert ArticleAgreement.objects.filter(stale=False).count() == 2


def test_json_is_the_same_whatever_state_the_store_is_in(reviewer, other_reviewer, monkeypatch):
    """One pass computes stale and missing articles and reads the others: by article id, the same
    report as from a store brought up to date, across batch boundaries."""
    from annotate import agreement_store
    from annotate.models import AgreementTotals, ArticleAgreement

    monkeypatch.setattr(agreement_store, "BATCH", 2)
    claim = factories.make_claim()
    articles = [factories.make_article(title=f"Number {n}") for n in range(7)]
    for n, article in enumerate(articles):
        for user, stance in ((reviewer, Stance.ASSERTS), (other_reviewer, Stance.DENIES)):
            if n == 3 and user == other_reviewer:
                continue  # one reviewer only: nothing to compare
            factories.make_annotation(
                article=article, reviewer=user, claim=claim, phrase="Russia was", stance=stance
            )
    cold = json.loads(_run("--format", "json"))  # every article computed in the pass
    assert [a["label"] for a in cold["articles"]] == [f"Number {n}" for n in range(7)]
    assert ArticleAgreement.objects.filter(stale=False).count() == 7
    warm = json.loads(_run("--format", "json"))  # every article read from the store
    assert warm == cold
    # Mixed: one stale, one missing, one changed since, the rest read.
    agreement_store.invalidate([articles[1].pk])
    ArticleAgreement.objects.filter(article=articles[4]).delete()
    factories.make_annotation(article=articles[5], reviewer=reviewer, claim=claim, phrase="money")
    mixed = json.loads(_run("--format", "json"))
    assert not ArticleAgreement.objects.filter(stale=True).exists()
    # The totals the pass kept up to date batch by batch equal a re-sum of every row.
    stored = AgreementTotals.objects.get()
    totals, checksum = agreement_store._summed()
    assert stored.checksum == checksum and stored.sums == totals.to_json()
    assert json.loads(_run("--format", "json")) == mixed
    assert [a["article_id"] for a in mixed["articles"]] == [a.pk for a in articles]
    changed = mixed["articles"][5]
    assert changed["annotations"] == 3 and changed != cold["articles"][5]
    assert [a for n, a in enumerate(mixed["articles"]) if n != 5] == [
        a for n, a in enumerate(cold["articles"]) if n != 5
    ]
    assert mixed["overall"]["annotations"] == cold["overall"]["annotations"] + 1
    for article in mixed["articles"]:  # each as computed afresh on its own
        one = json.loads(_run("--format", "json", "--article", str(article["article_id"])))
        assert one["articles"] == [article]


@pytest.mark.parametrize("seed", range(5))
def test_article_json_is_article_dict_as_orjson_writes_it(seed):
    # The report writes each article's Section with orjson's own dataclass encoding: it must be
    # the very document Section.as_dict gives, scores, n/a reasons and all.
    items = _random_items(seed)
    report = agreement.build_report(items, {a: f"Article {a}" for a in range(1, 7)})
    names = {reviewer: reviewer.upper() for reviewer in ("ann", "bob", "cat", "dan", "eve")}
    for section in [report.overall, *report.articles]:
        assert orjson.dumps(section) == orjson.dumps(section.as_dict())
    groups: dict[int, list] = {}
    for it in items:
        groups.setdefault(it.article, []).append(it)
    for section in report.articles:
        assert section.article_id is not None
        listed = disagreements_to_json(article_sums(section.article_id, groups[section.article_id]))
        expected = orjson.dumps(article_dict(section, listed, names)).decode()
        assert article_json(section, listed, names) == expected
