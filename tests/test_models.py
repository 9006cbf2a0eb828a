"""Database constraints hold even when the services are bypassed; the rules models.py holds once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotate.models import (
    Annotation,
    Relation,
    SiteSettings,
    SourceKind,
    confidence_problem,
    source_label,
)
from tests import factories


def test_relations_are_seeded(db):
    assert set(Relation.objects.values_list("slug", flat=True)) >= {
        "supports",
        "arms",
        "funds",
        "advises",
        "contacts",
        "mediates",
        "opposes",
        "cooperates",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"start": 10, "end": 5},
        {"start": 5, "end": 5},
        {"confidence": 0},
        {"confidence": 6},
        {"stance": "agrees"},
        {"certainty": "sure"},
        {"status": "maybe"},
        {"source_kind": "named", "source_actor": None},
        {"cue_start": 3, "cue_end": None},
    ],
)
def test_annotation_constraints(db, changes):
    annotation = factories.make_annotation()
    for field, value in changes.items():
        setattr(annotation, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        annotation.save()


def test_actor_names_unique_ignoring_case(db):
    factories.make_actor("Russia")
    from annotate.models import Actor

    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(name="RUSSIA")


def test_site_settings_singleton(db):
    first = SiteSettings.load()
    assert first.pk == 1
    first.reviewers_see_others = True
    first.save()
    again = SiteSettings.load()
    assert again.pk == 1 and again.reviewers_see_others  # the same row, not a fresh default
    assert SiteSettings.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteSettings.objects.create(pk=2)  # the check constraint allows no second row
    assert SiteSettings.objects.count() == 1


def test_article_search_is_indexed_on_postgresql_and_plain_on_sqlite(db):
    """Migration 0003: trigram indexes serve `icontains` search on PostgreSQL; SQLite scans."""
    from django.db import connection

    from annotate.models import Article
    from tests import factories

    factories.make_article("The Haqqani network is said to shelter fighters.", title="Haqqani")
    query = Article.objects.search("haqqani").values_list("id", flat=True)
    assert len(query) == 1
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A tiny test table: rule out the plain scans so the planner shows what it can use.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "annotate_article_text_trgm" in plan and "annotate_article_title_trgm" in plan
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE '%trgm%'")
            assert cursor.fetchall() == []


# ---------------------------------------------------------------- rules held once


def test_article_clean_enforces_the_frozen_text_rule(db):
    annotation = factories.make_annotation()
    article = annotation.article
    article.full_clean()  # the stored text, unchanged: fine
    article.text = article.text + " more"
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()
    assert excinfo.value.message_dict["text"] == [
        "The text is frozen: 1 annotation(s) point into it by offset. Delete or move those "
        "annotations first, or import the new text as a new article."
    ]
    draft = factories.make_article("Not annotated yet.")
    draft.text = "Changed freely."
    draft.full_clean()


@pytest.mark.parametrize(
    ("kind", "name", "description", "label"),
    [
        (SourceKind.NAMED, "Zamir Kabulov", "Russia's envoy", "Zamir Kabulov (Russia's envoy)"),
        (SourceKind.NAMED, "Zamir Kabulov", "", "Zamir Kabulov"),
        (SourceKind.UNNAMED, None, "an Afghan official", "an Afghan official"),
        (SourceKind.UNNAMED, None, "", "Unnamed source"),
        (SourceKind.AUTHOR, "ignored", "ignored", "Author of the article"),
    ],
)
def test_source_label(kind, name, description, label):
    assert source_label(kind, name, description) == label


def test_source_label_without_detail_is_the_actor_alone():
    assert source_label(SourceKind.NAMED, "Zamir Kabulov", "envoy", detail=False) == "Zamir Kabulov"
    assert source_label(SourceKind.UNNAMED, None, "an official", detail=False) == "an official"


def test_annotation_source_label_uses_the_shared_wording(db):
    actor = factories.make_actor("Zamir Kabulov")
    annotation = factories.make_annotation(source_kind="named", source_actor=actor)
    annotation.source_description = "Russia's envoy"
    assert annotation.source_label == "Zamir Kabulov (Russia's envoy)"


@pytest.mark.parametrize("value", [1, 3, 5])
def test_confidence_on_the_scale(value):
    assert confidence_problem(value) is None


@pytest.mark.parametrize("value", [0, 6, -1, "3", 3.0, True, None])
def test_confidence_off_the_scale(value):
    assert confidence_problem(value) == (
        f"Confidence {value!r} is out of range: choose a whole number from 1 to 5."
    )


def test_involving_filters_attributions_by_the_actor_role(db):
    russia_arms = factories.make_annotation(claim=factories.make_claim("Russia", "arms", "Taliban"))
    iran_opposes = factories.make_annotation(
        claim=factories.make_claim("Iran", "opposes", "Russia")
    )
    factories.make_annotation(claim=factories.make_claim("Iran", "funds", "Taliban"))
    russia = russia_arms.claim.subject
    live = Annotation.objects.live()
    assert set(live.involving(russia)) == {russia_arms, iran_opposes}
    assert list(live.involving(russia, "subject")) == [russia_arms]
    assert list(live.involving(russia, "object")) == [iran_opposes]
