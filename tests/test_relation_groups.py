"""Relation groups: seeded by migration 0011 and by `bootstrap`, edited in the admin, asked about
on /claims/ as one choice (the filter itself: tests/test_claims.py, tests/test_views_claims.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from annotate import services
from annotate.models import Relation, RelationGroup
from tests import factories

SUPPORT = {"supports", "arms", "funds", "advises"}


def _members(group: RelationGroup) -> set[str]:
    return set(group.relations.values_list("slug", flat=True))


@pytest.mark.django_db
def test_support_group_exists_after_migrate():
    group = RelationGroup.objects.get(slug="support")
    assert group.label == "support of any kind"
    assert _members(group) == SUPPORT


@pytest.mark.django_db
def test_starter_load_recreates_a_deleted_group_and_is_idempotent():
    RelationGroup.objects.all().delete()
    assert services.relation_groups_load_starter() == ["support"]
    assert services.relation_groups_load_starter() == []
    assert RelationGroup.objects.count() == 1
    assert _members(RelationGroup.objects.get()) == SUPPORT


@pytest.mark.django_db
def test_starter_load_leaves_an_edited_group_alone():
    group = RelationGroup.objects.get(slug="support")
    group.label = "any support"
    group.save()
    group.relations.remove(Relation.objects.get(slug="advises"))
    assert services.relation_groups_load_starter() == []
    group.refresh_from_db()
    assert group.label == "any support" and _members(group) == SUPPORT - {"advises"}


@pytest.mark.django_db
def test_starter_group_takes_only_the_relations_that_exist():
    RelationGroup.objects.all().delete()
    Relation.objects.filter(slug="advises").delete()  # an admin removed it (no claim uses it)
    services.relation_groups_load_starter()
    assert _members(RelationGroup.objects.get(slug="support")) == SUPPORT - {"advises"}


@pytest.mark.django_db
def test_bootstrap_ends_with_the_group_present(tmp_path):
    RelationGroup.objects.all().delete()
    out = io.StringIO()
    call_command("bootstrap", str(tmp_path), stdout=out, stderr=io.StringIO())
    assert "Relation groups: created support." in out.getvalue()
    assert _members(RelationGroup.objects.get(slug="support")) == SUPPORT
    out = io.StringIO()
    call_command("bootstrap", str(tmp_path), stdout=out, stderr=io.StringIO())
    assert "Relation groups" not in out.getvalue()  # quiet when nothing changed
    assert RelationGroup.objects.count() == 1


def test_migration_0011_seeds_and_unseeds(relations):
    """Back to 0010 drops the table; forward again seeds the group from the relations (the
    `relations` fixture puts back those of migration 0002: a transactional test flushed them)."""
    executor = MigrationExecutor(connection)
    executor.migrate([("annotate", "0010_curated_from")])
    assert "annotate_relationgroup" not in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("annotate"))
    assert _members(RelationGroup.objects.get(slug="support")) == SUPPORT


@pytest.mark.django_db
def test_admin_edits_a_group_and_the_claims_filter_follows(client, superuser, article, reviewer):
    contacts = factories.make_claim("China", "contacts", "Taliban")
    factories.make_annotation(article=article, reviewer=reviewer, claim=contacts)
    client.force_login(superuser)
    group = RelationGroup.objects.get(slug="support")
    change = reverse("admin:annotate_relationgroup_change", args=[group.pk])
    page = client.get(change).content.decode()
    assert 'class="selectfilter"' in page and "SelectFilter2.js" in page  # filter_horizontal
    members = list(
        Relation.objects.filter(slug__in=SUPPORT | {"contacts"}).values_list("pk", flat=True)
    )
    response = client.post(
        change,
        {"slug": "support", "label": "support or talks", "description": "", "relations": members},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    claims = client.get(reverse("annotate:claim-list"), {"relation": "group:support"})
    assert [row.claim for row in claims.context["rows"]] == [contacts]
    assert "support or talks" in claims.content.decode()
    listing = client.get(reverse("admin:annotate_relationgroup_changelist")).content.decode()
    assert "advises, arms, contacts, funds, supports" in listing
