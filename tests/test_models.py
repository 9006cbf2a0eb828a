"""Database constraints hold even when the services are bypassed."""

import pytest
from django.db import IntegrityError, transaction

from annotate.models import Annotation, Relation, SiteSettings
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
    assert SiteSettings.load().pk == 1
    assert SiteSettings.load().pk == 1
    assert Annotation.objects.count() == 0
