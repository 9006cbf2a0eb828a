"""Sources as entities of an article (issue 9 item 3): identity, linking mentions, unnamed kind
and affiliation, the author, the form's "same source as", bulk linking and blind mode."""

from __future__ import annotations

import functools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotate import services
from annotate.models import (
    Annotation,
    Article,
    SiteSettings,
    Source,
    SourceKind,
    UnnamedKind,
    author_label,
)
from tests import factories
from tests.test_views_articles import HX, form_data

NDS_TEXT = (
    "An official with the National Directorate of Security said Russia was arming the Taliban. "
    "The Afghan official added that Moscow paid for fuel. "
    "The official said Iran also supplied weapons. "
    "Analysts said the claims were plausible."
)


@pytest.fixture
def nds_article(db):
    return factories.make_article(NDS_TEXT, outlet="Los Angeles Times", byline="Jane Doe")


def _unnamed(article, reviewer, phrase, words, **extra):
    """An unnamed source's annotation; its words are picked as the source span if in the text."""
    return factories.make_annotation(
        article=article,
        reviewer=reviewer,
        phrase=phrase,
        source_kind=SourceKind.UNNAMED,
        source_description=words,
        source_words=words if words in article.text else None,
        **extra,
    )


def test_author_label_names_outlet_and_byline():
    assert author_label("Los Angeles Times", "") == "Los Angeles Times (author)"
    assert author_label("Foreign Policy", "Lynne O'Donnell") == (
        "Lynne O'Donnell, Foreign Policy (author)"
    )
    assert author_label("", "") == "Author of the article"


def test_named_mentions_in_one_article_are_one_source(article, reviewer, other_reviewer):
    votel = factories.make_actor("Joseph Votel")
    a = factories.make_annotation(
        article=article, reviewer=reviewer, phrase="Russia was supporting the Taliban",
        source_kind=SourceKind.NAMED, source_actor=votel,
    )  # fmt: skip
    b = factories.make_annotation(
        article=article, reviewer=other_reviewer, phrase="Russia denies",
        source_kind=SourceKind.NAMED, source_actor=votel,
    )  # fmt: skip
    elsewhere = factories.make_annotation(
        reviewer=reviewer, phrase="Russia denies", source_kind=SourceKind.NAMED, source_actor=votel
    )
    assert a.source_id == b.source_id
    assert elsewhere.source_id != a.source_id  # sources belong to an article
    source = Source.objects.get(pk=a.source_id)
    assert (source.kind, source.actor, source.label) == ("named", votel, "Joseph Votel")


def test_the_author_is_one_source_named_by_outlet_and_byline(nds_article, reviewer):
    a = factories.make_annotation(article=nds_article, reviewer=reviewer, phrase="Analysts said")
    b = factories.make_annotation(article=nds_article, reviewer=reviewer, phrase="Iran also")
    assert a.source_id == b.source_id
    assert Source.objects.get(pk=a.source_id).label == "Jane Doe, Los Angeles Times (author)"


def test_unnamed_sources_carry_kind_and_affiliation(nds_article, reviewer):
    afghan = factories.make_actor("Afghan government")
    official = _unnamed(
        nds_article, reviewer, "Russia was arming the Taliban",
        "An official with the National Directorate of Security",
        source_unnamed_kind=UnnamedKind.PERSON, source_affiliation=afghan,
    )  # fmt: skip
    analysts = _unnamed(
        nds_article, reviewer, "the claims were plausible", "Analysts",
        source_unnamed_kind=UnnamedKind.GROUP,
    )  # fmt: skip
    source = official.source
    assert (source.kind, source.unnamed_kind, source.affiliation) == (
        "unnamed", "person", afghan
    )  # fmt: skip
    assert (
        source.label == "An official with the National Directorate of Security (Afghan government)"
    )
    assert analysts.source.unnamed_kind == "group" and analysts.source_id != official.source_id
    # The same description, kind and affiliation (case and spacing aside) is the same source.
    again = _unnamed(
        nds_article, reviewer, "Moscow paid for fuel",
        "an official  with the national directorate of security",
        source_unnamed_kind=UnnamedKind.PERSON, source_affiliation=afghan,
    )  # fmt: skip
    assert again.source_id == official.source_id
    assert again.source_description == source.description  # the copy follows the source


def test_three_mentions_link_to_one_source_each_with_its_own_span(nds_article, reviewer):
    first = _unnamed(
        nds_article, reviewer, "Russia was arming the Taliban",
        "An official with the National Directorate of Security",
        source_unnamed_kind=UnnamedKind.PERSON,
    )  # fmt: skip
    later = [
        factories.make_annotation(
            article=nds_article,
            reviewer=reviewer,
            phrase=phrase,
            source=first.source,
            source_words=words,
        )  # fmt: skip
        for phrase, words in (
            ("Moscow paid for fuel", "The Afghan official"),
            ("Iran also supplied weapons", "The official"),
        )
    ]
    assert {a.source_id for a in later} == {first.source_id}
    for annotation, words in zip(later, ["The Afghan official", "The official"], strict=True):
        annotation.refresh_from_db()
        assert annotation.source_quote == words  # this mention's own words
        assert annotation.source_kind == SourceKind.UNNAMED
        assert annotation.source_description == first.source_description
    assert Source.objects.filter(article=nds_article).count() == 1


def test_a_source_of_another_article_is_refused(nds_article, article, reviewer):
    theirs = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    with pytest.raises(ValidationError) as caught:
        factories.make_annotation(
            article=nds_article, reviewer=reviewer, phrase="Analysts", source=theirs.source
        )
    assert "not one of this article's" in str(caught.value)
    assert not Annotation.objects.filter(article=nds_article).exists()


def test_an_edit_keeps_an_unnamed_source_kind_and_affiliation(nds_article, reviewer):
    afghan = factories.make_actor("Afghan government")
    ann = _unnamed(
        nds_article, reviewer, "Russia was arming the Taliban", "An official",
        source_unnamed_kind=UnnamedKind.PERSON, source_affiliation=afghan,
    )  # fmt: skip
    edited = services.annotation_update(annotation=ann, user=reviewer, version=1, stance="denies")
    assert edited.source_id == ann.source_id
    moved = services.annotation_update(
        annotation=ann, user=reviewer, version=2, source_description="A senior official"
    )
    assert moved.source_id != ann.source_id  # another description: another source
    assert (moved.source.unnamed_kind, moved.source.affiliation) == ("person", afghan)


def test_link_unlinked_gives_bulk_written_rows_their_sources(article, reviewer):
    votel = factories.make_actor("Joseph Votel")
    claim = factories.make_claim()
    text = article.text
    rows = [
        Annotation(article=article, reviewer=reviewer, claim=claim, start=n, end=n + 4,
                   quote=text[n : n + 4], stance="asserts", confidence=3, **source)
        for n, source in enumerate((
            {"source_kind": "named", "source_actor": votel},
            {"source_kind": "named", "source_actor": votel},
            {"source_kind": "author"},
            {"source_kind": "unnamed", "source_description": "Officials"},
            {"source_kind": "unnamed", "source_description": "officials "},
            {"source_kind": "unnamed", "source_description": "Analysts"},
        ))
    ]  # fmt: skip
    Annotation.objects.bulk_create(rows)
    assert services.link_unlinked() == 6
    linked = list(Annotation.objects.order_by("id").values_list("source_id", flat=True))
    assert None not in linked
    assert linked[0] == linked[1] and linked[3] == linked[4]
    assert len(set(linked)) == 4
    assert services.link_unlinked() == 0  # nothing left to link


# ---------------------------------------------------------------- the form


def _create(client, article, **overrides):
    url = reverse("annotate:annotation-create", args=[article.pk])
    return client.post(url, form_data(article, **overrides), headers=HX)


def test_the_form_offers_the_sources_of_the_article_and_links_a_pick(
    reviewer_client, reviewer, relations
):
    article = factories.make_article(factories.SAMPLE_TEXT + "\n" + NDS_TEXT)
    first = _unnamed(
        article, reviewer, "Russia was arming the Taliban",
        "An official with the National Directorate of Security",
    )  # fmt: skip
    page = reviewer_client.get(reverse("annotate:article-detail", args=[article.pk]))
    html = page.content.decode()
    assert "Same source as" in html
    assert "An official with the National Directorate of Security (1 mention)" in html
    response = _create(
        reviewer_client, article, phrase="Moscow paid for fuel", source_kind="unnamed",
        source="The Afghan official", same_source=str(first.source_id),
    )  # fmt: skip
    assert response.status_code == 200 and "HX-Retarget" not in response
    saved = Annotation.objects.exclude(pk=first.pk).get()
    assert saved.source_id == first.source_id
    assert saved.source_description == first.source_description
    # The blank form the save sends back offers it with its new count.
    assert "An official with the National Directorate of Security (2 mentions)" in (
        response.content.decode()
    )


def test_a_pick_the_page_does_not_offer_is_refused_and_saves_nothing(
    reviewer_client, reviewer, other_reviewer, relations
):
    article = factories.make_article()
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"reviewers_see_others": True, "blind_annotation": True}
    )
    hidden = _unnamed(article, other_reviewer, "Russia denies", "A diplomat")
    before = Annotation.objects.count()
    response = _create(
        reviewer_client, article, source_kind="unnamed", source="Someone",
        same_source=str(hidden.source_id),
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Annotation.objects.count() == before


def test_blind_mode_offers_only_what_the_reviewer_may_see(reviewer, other_reviewer, article):
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"reviewers_see_others": True, "blind_annotation": True}
    )
    _unnamed(article, other_reviewer, "Russia denies", "A diplomat")
    mine = _unnamed(article, reviewer, "Russia was supporting", "An aide")
    from annotate.permissions import reader_state

    state = reader_state(reviewer, article)
    offered = services.sources_offered(article, state.annotations(others=True))
    assert [o.pk for o in offered] == [mine.source_id]


def test_unnamed_kind_and_affiliation_through_the_form(reviewer_client, reviewer, relations):
    article = factories.make_article(NDS_TEXT)
    factories.make_actor("Afghan government")
    response = _create(
        reviewer_client, article, phrase="Russia was arming the Taliban", source_kind="unnamed",
        source="An official with the National Directorate of Security",
        source_unnamed_kind="person", source_affiliation="afghan government",
    )  # fmt: skip
    assert response.status_code == 200
    source = Annotation.objects.get().source
    assert (source.unnamed_kind, source.affiliation.name) == ("person", "Afghan government")


def test_an_unknown_affiliation_asks_before_creating_it(reviewer_client, reviewer, relations):
    article = factories.make_article(NDS_TEXT)
    response = _create(
        reviewer_client, article, phrase="Russia was arming the Taliban", source_kind="unnamed",
        source="An official", source_unnamed_kind="person", source_affiliation="Afgan govt",
    )  # fmt: skip
    assert "is a new actor" in response.content.decode()
    assert not Annotation.objects.exists() and not Source.objects.exists()


def test_an_unknown_unnamed_kind_is_a_form_error(reviewer_client, reviewer, relations):
    article = factories.make_article(NDS_TEXT)
    response = _create(
        reviewer_client, article, phrase="Russia was arming the Taliban", source_kind="unnamed",
        source="An official", source_unnamed_kind="martian",
    )  # fmt: skip
    assert "Select a valid choice" in response.content.decode()
    assert not Annotation.objects.exists() and not Article.objects.get().sources.exists()


# ---------------------------------------------------------------- duplicates (issue 9 item 5)


def test_the_same_annotation_twice_is_refused_with_a_link_to_the_first(
    reviewer_client, reviewer, relations
):
    article = factories.make_article()
    first = _create(reviewer_client, article)
    assert first.status_code == 200
    (existing,) = Annotation.objects.all()
    again = _create(reviewer_client, article)
    html = again.content.decode()
    assert "You already recorded this: the same words, claim and source" in html
    assert f'data-duplicate-of="{existing.pk}"' in html
    assert f"?annotation={existing.pk}#ann-{existing.pk}" in html
    assert Annotation.objects.count() == 1
    # Another source, or another claim, for the same words is a new attribution.
    assert _create(reviewer_client, article, source="Zamir Kabulov").status_code == 200
    assert _create(reviewer_client, article, relation="arms").status_code == 200
    assert Annotation.objects.count() == 3


def test_another_reviewer_or_a_deleted_copy_is_no_duplicate(article, reviewer, other_reviewer):
    first = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    claim = first.claim
    factories.make_annotation(article=article, reviewer=other_reviewer, phrase="Russia denies",
                              claim=claim)  # fmt: skip
    with pytest.raises(services.DuplicateAnnotation) as caught:
        factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies",
                                  claim=claim)  # fmt: skip
    assert caught.value.existing_id == first.pk
    services.annotation_delete(annotation=first, user=reviewer)
    again = factories.make_annotation(
        article=article, reviewer=reviewer, phrase="Russia denies", claim=claim
    )
    with pytest.raises(services.DuplicateAnnotation):  # restoring would make two live copies
        services.annotation_restore(annotation=first, user=reviewer)
    assert again.deleted_at is None


def test_an_edit_into_a_copy_of_another_is_refused(article, reviewer):
    first = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    second = factories.make_annotation(
        article=article, reviewer=reviewer, phrase="Russia denies", claim=first.claim,
        source_kind=SourceKind.UNNAMED, source_description="Officials",
    )  # fmt: skip
    with pytest.raises(services.DuplicateAnnotation):
        services.annotation_update(
            annotation=second, user=reviewer, version=1, source_kind=SourceKind.AUTHOR,
            source_description="",
        )  # fmt: skip
    second.refresh_from_db()
    assert second.source_kind == SourceKind.UNNAMED


def test_the_database_refuses_a_duplicate_written_past_the_services(article, reviewer):
    from django.db import IntegrityError, transaction

    first = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    copy = Annotation.objects.get(pk=first.pk)
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)


def test_restoring_into_a_duplicate_is_a_clear_409(reviewer_client, reviewer, article):
    first = factories.make_annotation(article=article, reviewer=reviewer, phrase="Russia denies")
    services.annotation_delete(annotation=first, user=reviewer)
    factories.make_annotation(
        article=article, reviewer=reviewer, phrase="Russia denies", claim=first.claim
    )
    url = reverse("annotate:annotation-restore", args=[first.pk])
    response = reviewer_client.post(url, headers=HX)
    assert response.status_code == 409
    assert "You already recorded this" in response.content.decode()
    first.refresh_from_db()
    assert first.deleted_at is not None


def test_the_edit_form_offers_the_sources_too(reviewer_client, reviewer, relations):
    """The no-script ?edit= page and the htmx edit form both offer the article's sources."""
    article = factories.make_article(NDS_TEXT)
    first = _unnamed(article, reviewer, "Russia was arming the Taliban", "An official")
    other = _unnamed(article, reviewer, "Moscow paid for fuel", "A diplomat")
    page = reviewer_client.get(
        reverse("annotate:article-detail", args=[article.pk]), {"edit": other.pk}
    ).content.decode()
    edit_form = page.split('id="edit-annotation"', 1)[1].split("</form>", 1)[0]
    assert f'value="{first.source_id}"' in edit_form and "An official (1 mention)" in edit_form
    partial = reviewer_client.get(
        reverse("annotate:annotation-edit", args=[other.pk]), headers=HX
    ).content.decode()
    assert f'value="{first.source_id}"' in partial and "An official (1 mention)" in partial


def test_the_offered_sources_read_from_the_pages_rows_are_the_queried_ones(
    reviewer, other_reviewer, curator, article
):
    """sources_offered_in (the workspace, from the rows it shows) and sources_offered (a query)
    give the same choices in the same order: mentions, first marked, kinds, affiliations."""
    from annotate import rendering
    from annotate.permissions import reader_state

    afghan = factories.make_actor("Afghan government")
    votel = factories.make_actor("Joseph Votel", kind="person")
    make = functools.partial(factories.make_annotation, article=article)
    make(reviewer=reviewer, phrase="Russia denies", source_kind="unnamed",
         source_description="An official", source_unnamed_kind="person",
         source_affiliation=afghan)  # fmt: skip
    make(reviewer=other_reviewer, phrase="Russia was", source_kind="unnamed",
         source_description="an  OFFICIAL", source_unnamed_kind="person",
         source_affiliation=afghan)  # fmt: skip
    make(reviewer=reviewer, phrase="Gen. Joseph", source_kind="named", source_actor=votel)
    make(reviewer=other_reviewer, phrase="Taliban spokesman")  # the author
    state = reader_state(curator, article)  # who sees everyone's
    visible = state.annotations(others=True)
    queried = services.sources_offered(article, visible)
    from_rows = services.sources_offered_in(article, rendering.rows(visible.in_text_order()))
    assert from_rows == queried and len(queried) == 3
    assert queried[0].label == "An official (Afghan government)" and queried[0].mentions == 2
