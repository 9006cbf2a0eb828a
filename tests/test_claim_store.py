"""annotate/claim_tally.py and annotate/claim_store.py: attributions counted once across
reviewers, and the stored tallies equal to a count made afresh after every kind of write."""

from __future__ import annotations

import functools
import random

import pytest

from annotate import claim_store, services
from annotate.claim_tally import ClaimTally, tally_claims
from annotate.claims import ClaimFilters, ClaimRow, _tally_of, claim_rows, claim_tallies
from annotate.models import Annotation, ClaimSummary, SourceKind, Stance, Status
from annotate.permissions import Scope, Visibility
from tests import factories

pytestmark = pytest.mark.django_db

EVERYTHING = Visibility(None, curator=True, scope=Scope.ALL)  # type: ignore[arg-type]


def _fresh(accepted_only: bool = False, reviewer: int = 0) -> dict[int, ClaimTally]:
    """Every claim's tally counted now from the annotations (of one reviewer, or everyone's)."""
    live = Annotation.objects.live()
    if accepted_only:
        live = live.filter(status=Status.ACCEPTED)
    if reviewer:
        live = live.filter(reviewer_id=reviewer)
    return {t.claim_id: t for t in tally_claims(claim_store.tally_rows(live))}


def _stored(accepted_only: bool = False, reviewer: int = 0) -> dict[int, ClaimTally]:
    claim_store.refresh()
    rows = ClaimSummary.objects.filter(
        accepted_only=accepted_only, by_reviewer=reviewer, attributions__gt=0
    )
    assert not ClaimSummary.objects.filter(stale=True).exists()
    return {s.claim_id: _tally_of(s) for s in rows}


def _all_equal(*reviewers) -> bool:
    """Every stored tally (everyone's and each reviewer's, both scopes) equals a fresh count."""
    return all(
        _stored(accepted, who) == _fresh(accepted, who)
        for accepted in (False, True)
        for who in (0, *(r.pk for r in reviewers))
    )


def _one(**filters) -> ClaimRow:
    [row] = claim_rows(claim_tallies(EVERYTHING, ClaimFilters(**filters)))
    return row


def test_overlapping_marks_of_two_reviewers_are_one_attribution(reviewer, other_reviewer, article):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    votel = factories.make_actor("Joseph Votel", kind="person")
    make = functools.partial(
        factories.make_annotation, article=article, claim=claim, source_kind=SourceKind.NAMED,
        source_actor=votel,
    )  # fmt: skip
    make(reviewer=reviewer, phrase="fair to assume Russia was supporting")
    make(reviewer=other_reviewer, phrase="Russia was supporting the Taliban", certainty="probable")
    make(reviewer=other_reviewer, phrase="Russia denies", stance=Stance.DENIES)  # apart
    row = _one()
    assert (row.total, row.marks, row.reviewers) == (2, 3, 2)
    said = {g.stance: [(s.label, s.attributions, s.reviewers) for s in g.sources]
            for g in row.by_stance}  # fmt: skip
    assert said == {"asserts": [("Joseph Votel", 1, 2)], "denies": [("Joseph Votel", 1, 1)]}
    assert row.by_stance[0].sources[0].text == "Joseph Votel (probable, 2 reviewers)"
    assert row.disputed


def test_a_passage_counts_once_per_source_article_and_claim(reviewer, other_reviewer):
    """The same words by another source, in another article or of another claim are not the
    same attribution."""
    claim = factories.make_claim("Russia", "supports", "Taliban")
    other_claim = factories.make_claim("Russia", "arms", "Taliban")
    first, second = factories.make_article(), factories.make_article()
    votel = factories.make_actor("Joseph Votel", kind="person")
    phrase = "Russia was supporting"
    factories.make_annotation(article=first, reviewer=reviewer, claim=claim, phrase=phrase,
                              source_kind=SourceKind.NAMED, source_actor=votel)  # fmt: skip
    factories.make_annotation(article=first, reviewer=other_reviewer, claim=claim, phrase=phrase)
    factories.make_annotation(article=second, reviewer=other_reviewer, claim=claim, phrase=phrase)
    factories.make_annotation(article=first, reviewer=reviewer, claim=other_claim, phrase=phrase)
    row = _one(relations=frozenset({"supports"}))
    assert (row.total, row.marks, row.sources, row.articles) == (3, 3, 3, 2)


def test_an_attribution_takes_the_stance_most_of_its_marks_give(curator, article):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    reviewers = [factories.make_user(f"r{i}") for i in range(3)]
    for user, stance in zip(reviewers, ["reports", "asserts", "reports"], strict=True):
        factories.make_annotation(
            article=article, reviewer=user, claim=claim, phrase="Russia was", stance=stance
        )
    row = _one()
    assert dict(row.stance_counts) == {"asserts": 0, "denies": 0, "reports": 1, "questions": 0}
    assert (row.total, row.marks, row.reviewers) == (1, 3, 3)


def test_nested_and_chained_spans_join_one_attribution(reviewer, other_reviewer, article):
    """Overlap is transitive along the text: a span overlapping two others joins them."""
    claim = factories.make_claim("Russia", "supports", "Taliban")
    make = functools.partial(factories.make_annotation, article=article, claim=claim)
    make(reviewer=reviewer, start=0, end=10)
    make(reviewer=other_reviewer, start=2, end=5)  # inside the first
    make(reviewer=other_reviewer, start=8, end=20)  # overlapping the first
    make(reviewer=reviewer, start=20, end=30)  # touching, not overlapping: its own
    assert (_one().total, _one().marks) == (2, 4)


def test_stored_tallies_equal_a_fresh_count_after_every_kind_of_write(
    reviewer, other_reviewer, curator
):
    rng = random.Random(5)
    articles = [factories.make_article() for _ in range(3)]
    claims = [factories.make_claim(s, "supports", "Taliban") for s in ("Russia", "Iran", "China")]
    actors = [factories.make_actor(n, kind="person") for n in ("Joseph Votel", "Zamir Kabulov")]
    made = []
    for _ in range(40):
        start = rng.randrange(0, 150)
        source = rng.choice([{"source_kind": "author"}, {"source_kind": "unnamed",
                             "source_description": rng.choice(["an official", "analysts"])},
                             {"source_kind": "named", "source_actor": rng.choice(actors)}])  # fmt: skip
        try:
            made.append(
                factories.make_annotation(
                    article=rng.choice(articles),
                    reviewer=rng.choice([reviewer, other_reviewer]),
                    claim=rng.choice(claims),
                    start=start,
                    end=start + rng.randint(3, 30),
                    stance=rng.choice(Stance.values),
                    certainty=rng.choice(["certain", "probable", "possible"]),
                    **source,
                )  # fmt: skip
            )
        except services.DuplicateAnnotation:
            pass
    assert _all_equal(reviewer, other_reviewer) and _fresh(True) == {}
    assert _stored(reviewer=reviewer.pk) != _stored(reviewer=other_reviewer.pk)
    for a in made[:8]:
        services.annotation_review(annotation=a, curator=curator, status=Status.ACCEPTED)
    services.annotations_review_bulk(
        annotation_ids=[a.pk for a in made[8:12]], curator=curator, status=Status.ACCEPTED
    )
    assert _all_equal(reviewer, other_reviewer) and _fresh(True) != {}
    edited = Annotation.objects.get(pk=made[0].pk)
    services.annotation_update(
        annotation=edited, user=edited.reviewer, version=edited.version, claim=claims[0],
        stance=Stance.DENIES,
    )  # fmt: skip
    services.annotation_delete(annotation=made[1], user=made[1].reviewer)
    services.annotation_delete(annotation=made[2], user=made[2].reviewer)
    services.annotation_restore(annotation=made[2], user=made[2].reviewer)
    staff = factories.make_user("staff", staff=True)
    services.annotations_set_deleted_bulk(
        annotation_ids=[a.pk for a in made[3:6]], user=staff, deleted=True
    )
    assert _all_equal(reviewer, other_reviewer)
    for a in Annotation.objects.live().filter(reviewer=reviewer):  # a reviewer with none left
        services.annotation_delete(annotation=a, user=reviewer)
    assert _all_equal(reviewer, other_reviewer) and _stored(reviewer=reviewer.pk) == {}


def test_a_write_during_a_refresh_leaves_the_tally_stale(reviewer, article, monkeypatch):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    factories.make_annotation(article=article, reviewer=reviewer, claim=claim, phrase="Russia was")
    computed = claim_store._computed

    def racing(ids, only):
        yield from computed(ids, only)  # read before the write below lands
        factories.make_annotation(
            article=article, reviewer=reviewer, claim=claim, phrase="Russia denies"
        )

    monkeypatch.setattr(claim_store, "_computed", racing)
    claim_store.refresh()
    monkeypatch.undo()
    # Everyone's and the reviewer's, of everything and of the accepted ones.
    assert ClaimSummary.objects.filter(claim=claim, stale=True).count() == 4
    assert _one().total == 2  # the next read counts the second one


def test_a_bulk_load_is_counted_on_the_first_read(reviewer, article):
    """Rows written past the services (a bulk load) have no tally: the first read makes it."""
    claim = factories.make_claim("Russia", "supports", "Taliban")
    Annotation.objects.bulk_create(
        Annotation(article=article, reviewer=reviewer, claim=claim, start=n * 20, end=n * 20 + 5,
                   quote=article.text[n * 20 : n * 20 + 5], stance="asserts", confidence=3,
                   source_kind="author")
        for n in range(4)
    )  # fmt: skip
    assert not ClaimSummary.objects.exists()
    assert _one().total == 4
    assert ClaimSummary.objects.filter(claim=claim).count() == 4


def test_renaming_an_actor_in_the_admin_renames_it_on_the_claims_page(
    client, superuser, reviewer, article
):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    votel = factories.make_actor("Joseph Votel", kind="person")
    factories.make_annotation(article=article, reviewer=reviewer, claim=claim, phrase="Russia was",
                              source_kind=SourceKind.NAMED, source_actor=votel)  # fmt: skip
    assert _one().source_names == ["Joseph Votel"]
    client.force_login(superuser)
    response = client.post(
        f"/admin/annotate/actor/{votel.pk}/change/",
        {"name": "Gen. Joseph Votel", "kind": "person", "affiliation": "",
         "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _one().source_names == ["Gen. Joseph Votel"]


def test_a_reviewer_filter_and_a_reviewer_who_sees_only_their_own_read_stored_tallies(
    reviewer, other_reviewer, article, django_assert_num_queries
):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    for user, phrase in ((reviewer, "Russia was"), (other_reviewer, "Russia was"),
                         (other_reviewer, "Russia denies")):  # fmt: skip
        factories.make_annotation(article=article, reviewer=user, claim=claim, phrase=phrase)
    claim_store.refresh()
    own = Visibility(reviewer, curator=False, scope=Scope.OWN)
    with django_assert_num_queries(3):  # is anything stale or missing; the tallies
        [mine] = claim_rows(claim_tallies(own, ClaimFilters()))
    assert (mine.total, mine.reviewers) == (1, 1)
    with django_assert_num_queries(3):
        [theirs] = claim_rows(claim_tallies(EVERYTHING, ClaimFilters(reviewer="other")))
    assert (theirs.total, theirs.marks) == (2, 2)
    # Blind mode mixes others' work in on finished articles: counted at request time, the same.
    blind = Visibility(reviewer, curator=False, scope=Scope.OWN_AND_DONE)
    [counted] = claim_rows(claim_tallies(blind, ClaimFilters()))
    assert counted.tally == mine.tally


@pytest.mark.parametrize("count", [10, 1000])
def test_a_refresh_runs_the_same_queries_whatever_the_number_of_annotations(
    reviewer, other_reviewer, count, django_assert_max_num_queries
):
    """Five claims recomputed, whether they hold 10 annotations or 1,000 (the count grows only
    with the claims a refresh computes: BATCH per statement)."""
    articles = [factories.make_article() for _ in range(4)]
    claims = [factories.make_claim(f"State {i}", "supports", "Taliban") for i in range(5)]
    factories.bulk_annotations(
        Annotation(article=articles[i % 4], reviewer=(reviewer, other_reviewer)[i % 2],
                   claim=claims[i % 5], start=i % 150, end=i % 150 + 5,
                   quote=articles[i % 4].text[i % 150 : i % 150 + 5], source_kind="author",
                   stance=Stance.values[i % 4], confidence=3)
        for i in range(count)
    )  # fmt: skip
    # Stale and missing, the annotations, the lock, the update, a savepoint and its release.
    with django_assert_max_num_queries(7):
        assert claim_store.refresh() == 5
    assert _all_equal(reviewer, other_reviewer)


def test_after_an_edit_only_the_changed_tallies_are_recomputed(reviewer, other_reviewer, article):
    claim = factories.make_claim("Russia", "supports", "Taliban")
    mine = factories.make_annotation(article=article, reviewer=reviewer, claim=claim,
                                     phrase="Russia was")  # fmt: skip
    factories.make_annotation(article=article, reviewer=other_reviewer, claim=claim,
                              phrase="Russia denies")  # fmt: skip
    claim_store.refresh()
    theirs = ClaimSummary.objects.get(claim=claim, by_reviewer=other_reviewer.pk, accepted_only=0)
    services.annotation_update(annotation=mine, user=reviewer, version=mine.version,
                               stance=Stance.DENIES)  # fmt: skip
    stale = set(ClaimSummary.objects.filter(stale=True).values_list("by_reviewer", flat=True))
    assert stale == {0, reviewer.pk}
    claim_store.refresh()
    # The other reviewer's tally was left as it was (not rewritten), and everything is right.
    assert ClaimSummary.objects.get(pk=theirs.pk).computed_at == theirs.computed_at
    assert _all_equal(reviewer, other_reviewer)
