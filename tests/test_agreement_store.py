"""annotate/agreement_store.py: stored per-article figures and totals equal a fresh computation
after every kind of write (create, edit, delete, restore, review, bulk delete, import), each write
marks its article stale in its own transaction, and a read that races a write stores nothing stale."""

import io

import pytest
from django.core.management import call_command
from django.urls import set_script_prefix

from annotate import agreement, agreement_store, export, services
from annotate.adjudication import adjudication_url
from annotate.agreement import Item
from annotate.agreement_sums import Totals
from annotate.models import AgreementTotals, Annotation, ArticleAgreement, Stance, Status
from tests import factories

pytestmark = pytest.mark.django_db


def _fresh() -> dict:
    """The one-shot report over the live annotations, read now: the reference."""
    rows = (
        Annotation.objects.live()
        .order_by("article_id", "start", "id")
        .values_list(*agreement_store.FIELDS[:1], "reviewer__username", *agreement_store.FIELDS[2:])
    )
    return agreement.build_report([Item(*row) for row in rows]).overall.as_dict()


def _stored() -> dict:
    return agreement_store.overall().as_dict()


def _stale(article) -> bool:
    row = ArticleAgreement.objects.filter(article=article).first()
    return row is None or row.stale


@pytest.fixture
def annotated(reviewer, other_reviewer, article):
    claim = factories.make_claim()
    other_claim = factories.make_claim("Iran", "supports", "Taliban")
    mine = factories.make_annotation(
        article=article, reviewer=reviewer, claim=claim, phrase="Russia was supporting"
    )
    theirs = factories.make_annotation(
        article=article,
        reviewer=other_reviewer,
        claim=claim,
        phrase="Russia was supporting",
        stance=Stance.DENIES,
    )
    near = factories.make_annotation(
        article=article, reviewer=reviewer, claim=other_claim, phrase="Russia denies"
    )
    second = factories.make_article(title="Second", text="Another text about Russia and Iran.")
    factories.make_annotation(article=second, reviewer=other_reviewer, claim=claim, phrase="Russia")
    assert _stored() == _fresh()  # computes and stores every article
    assert not _stale(article) and not _stale(second)
    return {"mine": mine, "theirs": theirs, "near": near, "claim": claim, "second": second}


def test_only_live_annotations_count(annotated, article, other_reviewer):
    gone = factories.make_annotation(article=article, reviewer=other_reviewer, phrase="Russia")
    services.annotation_delete(annotation=gone, user=other_reviewer)
    overall = agreement_store.overall()
    assert overall.annotations == 4
    assert overall.as_dict() == _fresh()


def test_create_marks_stale_and_the_read_equals_a_fresh_computation(annotated, article, reviewer):
    factories.make_annotation(article=article, reviewer=reviewer, phrase="money")
    assert _stale(article) and not _stale(annotated["second"])
    assert _stored() == _fresh()
    assert not _stale(article)


def test_edit(annotated, article, reviewer):
    mine = annotated["mine"]
    services.annotation_update(
        annotation=mine, user=reviewer, version=mine.version, stance=Stance.DENIES
    )
    assert _stale(article)
    before = _stored()
    assert before == _fresh()
    assert before["pairs"][0]["alpha_stance"]["value"] is None  # both deny now: no variation


def test_delete_and_restore(annotated, article, other_reviewer):
    theirs = annotated["theirs"]
    services.annotation_delete(annotation=theirs, user=other_reviewer)
    assert _stale(article)
    assert _stored() == _fresh()
    services.annotation_restore(annotation=theirs, user=other_reviewer)
    assert _stale(article)
    assert _stored() == _fresh()


def test_review_changes_no_figure(annotated, curator):
    services.annotation_review(
        annotation=annotated["mine"], curator=curator, status=Status.ACCEPTED
    )
    assert _stored() == _fresh()


def test_bulk_delete_and_restore(annotated, article, superuser):
    ids = [annotated["mine"].pk, annotated["near"].pk]
    services.annotations_set_deleted_bulk(annotation_ids=ids, user=superuser, deleted=True)
    assert _stale(article) and not _stale(annotated["second"])
    assert _stored() == _fresh()
    services.annotations_set_deleted_bulk(annotation_ids=ids, user=superuser, deleted=False)
    assert _stored() == _fresh()


def test_every_annotation_deleted_leaves_no_article_in_the_table(annotated, superuser):
    ids = list(Annotation.objects.values_list("pk", flat=True))
    services.annotations_set_deleted_bulk(annotation_ids=ids, user=superuser, deleted=True)
    assert _stored() == _fresh()
    assert agreement_store.overall().annotations == 0
    assert not agreement_store.article_rows().exists()


def test_import_annotations_marks_its_articles_stale(annotated, superuser, tmp_path):
    data = b"".join(export.PRODUCERS["json"](export.ExportFilters()))
    path = tmp_path / "export.json"
    path.write_bytes(data)
    ids = list(Annotation.objects.values_list("pk", flat=True))
    services.annotations_set_deleted_bulk(annotation_ids=ids, user=superuser, deleted=True)
    assert _stored() == _fresh()  # nothing live
    call_command("import_annotations", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Annotation.objects.live().count() == 4  # the deleted ones came back as new rows
    assert _stale(annotated["second"])
    assert _stored() == _fresh()


def test_a_bulk_load_that_bypassed_the_services_is_found_and_computed(annotated, reviewer):
    third = factories.make_article(title="Bulk", text="Loaded by hand, no service involved.")
    Annotation.objects.bulk_create(
        [
            Annotation(
                article=third, reviewer=reviewer, claim=annotated["claim"], start=0, end=6,
                quote="Loaded", stance=Stance.ASSERTS, confidence=3, source_kind="author",
            )
        ]
    )  # fmt: skip
    assert not ArticleAgreement.objects.filter(article=third).exists()
    assert _stored() == _fresh()
    assert ArticleAgreement.objects.get(article=third).annotations == 1


def test_stored_totals_follow_each_refresh_and_equal_a_full_re_sum(annotated, article, reviewer):
    factories.make_annotation(article=article, reviewer=reviewer, phrase="money")
    agreement_store.overall()
    row = AgreementTotals.objects.get()
    totals, checksum = agreement_store._summed()
    assert row.checksum == checksum
    assert Totals.from_json(row.sums).to_json() == totals.to_json()


def test_totals_that_missed_a_change_are_not_used(annotated, article):
    ArticleAgreement.objects.filter(article=annotated["second"]).delete()  # e.g. article deleted
    assert _stored() == _fresh()  # recomputed "second", re-summed everything


def test_a_write_during_a_read_is_not_overwritten(annotated, article, reviewer, monkeypatch):
    factories.make_annotation(article=article, reviewer=reviewer, phrase="money")
    compute = agreement_store._computed

    def racing(ids):
        for sums in compute(ids):
            # A write lands after this read has read the article's annotations.
            factories.make_annotation(article=article, reviewer=reviewer, phrase="Taliban")
            yield sums

    monkeypatch.setattr(agreement_store, "_computed", racing)
    agreement_store.refresh()
    monkeypatch.undo()
    assert _stale(article)  # the older figures were not stored as current
    assert _stored() == _fresh()


def test_disagreement_href_is_the_cluster_in_the_adjudication_view(article):
    href = agreement_store.disagreement_href(article.pk, 12)
    assert href == f"/articles/{article.pk}/adjudicate/#ann-12"


@pytest.mark.parametrize("prefix", ["/", "/stancemark/", "/9/"])
def test_disagreement_links_are_reversed_links_under_any_script_prefix(prefix):
    # Built from one reverse() per script prefix: the same link reverse() gives each article.
    set_script_prefix(prefix)
    try:
        for article_id in (1, 9, 42, 987654321987):
            expected = adjudication_url(article_id) + "#ann-12"
            assert agreement_store.disagreement_href(article_id, 12) == expected
    finally:
        set_script_prefix("/")


def test_curated_copies_are_no_reviewers_judgement(article, reviewer, curator):
    original = factories.make_annotation(article=article, reviewer=reviewer, phrase="Taliban")
    copy = services.curated_copy(curator=curator, annotation=original)
    assert list(agreement_store.judged().values_list("pk", flat=True)) == [original.pk]
    assert copy.curated_from == original


def _totals_valid_and_fresh() -> None:
    """The stored totals are the ones a read uses (their checksum is every row's) and they equal
    a fresh computation: followed batch by batch, not re-summed."""
    row = AgreementTotals.objects.get()
    assert row.checksum == agreement_store._checksum()
    stored, summed = Totals.from_json(row.sums), agreement_store._summed()[0]
    # As counts (the order of their JSON lists follows the order of the additions).
    assert dict(stored.annotations) == dict(summed.annotations)
    assert dict(stored.pairs) == dict(summed.pairs) and stored.all == summed.all
    assert agreement_store.overall(refreshed=True).as_dict() == _fresh()


def test_totals_followed_over_passes_spanning_several_batches_equal_a_fresh_computation(
    reviewer, other_reviewer, superuser, monkeypatch
):
    monkeypatch.setattr(agreement_store, "BATCH", 3)
    claim = factories.make_claim()
    other_claim = factories.make_claim("Iran", "supports", "Taliban")
    articles, mine, theirs = [], [], []
    for n in range(8):
        article = factories.make_article(title=f"Batch {n}")
        articles.append(article)
        mine.append(
            factories.make_annotation(
                article=article, reviewer=reviewer, claim=claim, phrase="Russia was supporting"
            )
        )
        theirs.append(
            factories.make_annotation(
                article=article,
                reviewer=other_reviewer,
                claim=claim if n % 2 else other_claim,
                phrase="Russia was supporting" if n % 3 else "Russia was",  # near misses
                stance=Stance.DENIES if n % 4 == 0 else Stance.ASSERTS,
            )
        )
        factories.make_annotation(
            article=article, reviewer=reviewer, claim=other_claim, phrase="Russia denies"
        )
    ArticleAgreement.objects.all().delete()  # as after a bulk load: nothing stored yet
    AgreementTotals.objects.all().delete()
    assert agreement_store.refresh() == 8  # first pass: three batches, totals filled as it goes
    _totals_valid_and_fresh()

    # Stale articles in the first, second and last batch; one emptied; one new (missing).
    services.annotation_update(
        annotation=mine[0], user=reviewer, version=mine[0].version, stance=Stance.DENIES
    )
    services.annotation_delete(annotation=theirs[4], user=other_reviewer)
    services.annotation_update(
        annotation=theirs[7], user=other_reviewer, version=theirs[7].version, claim=claim
    )
    emptied = Annotation.objects.filter(article=articles[5]).values_list("pk", flat=True)
    services.annotations_set_deleted_bulk(annotation_ids=emptied, user=superuser, deleted=True)
    extra = factories.make_article(title="Batch 8")
    factories.make_annotation(article=extra, reviewer=reviewer, claim=claim, phrase="Taliban")
    factories.make_annotation(article=extra, reviewer=other_reviewer, claim=claim, phrase="Taliban")
    assert agreement_store.refresh() == 5
    _totals_valid_and_fresh()
    assert not agreement_store.article_rows().filter(article=articles[5]).exists()

    # The report's pass (article_sections) stores what it computes, batch by batch, too.
    services.annotation_restore(annotation=theirs[4], user=other_reviewer)
    services.annotations_set_deleted_bulk(annotation_ids=emptied, user=superuser, deleted=False)
    services.annotation_delete(annotation=mine[2], user=reviewer)
    sections = list(agreement_store.article_sections())
    assert len(sections) == 9
    assert not ArticleAgreement.objects.filter(stale=True).exists()
    _totals_valid_and_fresh()

    # And a last refresh pass after edits spread over every batch.
    for n in (1, 3, 6, 8):
        annotation = Annotation.objects.live().filter(reviewer=reviewer).order_by("pk")
        annotation = annotation.filter(article=extra if n == 8 else articles[n]).first()
        services.annotation_update(
            annotation=annotation,
            user=reviewer,
            version=annotation.version,
            stance=Stance.QUESTIONS,
            confidence=2,
        )
    assert agreement_store.refresh() == 4
    _totals_valid_and_fresh()
