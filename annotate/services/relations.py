"""Starter relation groups: created by migration 0011 and again by `bootstrap` if missing.

The relations themselves are seeded by migration 0002; the groups are admin-editable afterwards,
so a group that exists is left exactly as it is (an admin's edits survive every `bootstrap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from annotate.models import Relation, RelationGroup


@dataclass(frozen=True)
class StarterGroup:
    slug: str
    label: str
    description: str
    relations: tuple[str, ...]  # relation slugs; those that do not exist are left out


STARTER_GROUPS = (
    StarterGroup(
        slug="support",
        label="support of any kind",
        description="Political, material, financial, military or advisory support.",
        relations=("supports", "arms", "funds", "advises"),
    ),
)


def seed_groups(group_model: Any, relation_model: Any) -> list[str]:
    """Create the starter groups that do not exist yet, with the member relations that exist.

    Takes the model classes so that the data migration can pass its historical models. Returns the
    slugs of the groups created.
    """
    created = []
    for entry in STARTER_GROUPS:
        group, new = group_model.objects.get_or_create(
            slug=entry.slug, defaults={"label": entry.label, "description": entry.description}
        )
        if new:
            group.relations.set(relation_model.objects.filter(slug__in=entry.relations))
            created.append(entry.slug)
    return created


@transaction.atomic
def relation_groups_load_starter() -> list[str]:
    """Create the starter relation groups that are missing (idempotent); returns their slugs."""
    return seed_groups(RelationGroup, Relation)
