# Issue 9 item 6: relation groups ("support of any kind" = supports, arms, funds, advises), asked
# about as one choice on /claims/. `bootstrap` creates the starter groups too if they are missing.

from django.db import migrations, models

from annotate.services.relations import seed_groups


def seed(apps, schema_editor):
    seed_groups(apps.get_model("annotate", "RelationGroup"), apps.get_model("annotate", "Relation"))


class Migration(migrations.Migration):

    dependencies = [
        ("annotate", "0010_curated_from"),
    ]

    operations = [
        migrations.CreateModel(
            name="RelationGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(help_text="Used in links: /claims/?relation=group:SLUG.", unique=True)),
                ("label", models.CharField(help_text="As asked: “Who is said to … ”, e.g. 'support of any kind'.", max_length=100)),
                ("description", models.CharField(blank=True, max_length=300)),
                ("relations", models.ManyToManyField(blank=True, help_text="The relations the group stands for.", related_name="groups", to="annotate.relation")),
            ],
            options={
                "ordering": ["label"],
            },
        ),
        # Backwards, the groups go with their table (reversing CreateModel). Deleting the rows first
        # would leave PostgreSQL's deferred foreign-key checks pending when the table is dropped.
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
