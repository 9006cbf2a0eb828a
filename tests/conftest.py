"""Cheap shared fixtures. Browser fixtures live in tests/e2e/conftest.py."""

import importlib

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 costs ~0.3 s per user; tests create hundreds. Production keeps the default hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_login_throttling(settings):
    # django-axes records every login (queries, and lockouts across tests that share 127.0.0.1);
    # tests/test_login_throttling.py turns it on for itself.
    settings.AXES_ENABLED = False


@pytest.fixture
def reviewer(db):
    return factories.make_user("reviewer")


@pytest.fixture
def other_reviewer(db):
    return factories.make_user("other")


@pytest.fixture
def curator(db):
    return factories.make_user("curator", curator=True)


@pytest.fixture
def superuser(db):
    return factories.make_superuser()


@pytest.fixture
def article(db):
    return factories.make_article(title="Votel testimony")


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def relations(transactional_db):
    """The seeded relations and relation groups: transactional tests flush the rows the data
    migrations created."""
    from annotate.models import Relation

    seed = importlib.import_module("annotate.migrations.0002_seed_relations_and_curators")
    for slug, label, description in seed.RELATIONS:
        Relation.objects.get_or_create(
            slug=slug, defaults={"label": label, "description": description}
        )
    # And migration 0011's relation groups ("support of any kind"), as `bootstrap` makes them.
    from annotate import services

    services.relation_groups_load_starter()
