"""Database constraints hold even when the services are bypassed."""

import pytest
from django.db import IntegrityError, transaction

from annotate.models import Relation, SiteSettings
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
