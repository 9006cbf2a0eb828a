"""Seed the relation vocabulary and the Curators group; both are editable afterwards."""

from django.db import migrations

RELATIONS = [
    ("supports", "supports", "Gives political, material or moral support to."),
    ("arms", "arms", "Supplies weapons or military equipment to."),
    ("funds", "funds", "Gives money or financing to."),
    ("advises", "advises", "Gives strategic, military or intelligence advice to."),
    ("contacts", "contacts", "Holds meetings, talks or maintains contact with."),
    ("mediates", "mediates", "Mediates or brokers talks involving."),
    ("opposes", "opposes", "Acts or speaks against."),
    ("cooperates", "cooperates with", "Works together with."),
]


def seed(apps, schema_editor):
    Relation = apps.get_model("annotate", "Relation")
    for slug, label, description in RELATIONS:
        Relation.objects.get_or_create(
            slug=slug, defaults={"label": label, "description": description}
        )
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Curators")


def unseed(apps, schema_editor):
    # Relations may already be used by claims (PROTECT); leave them in place on rollback.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("annotate", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
