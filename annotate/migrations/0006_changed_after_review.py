# Issue 10 item 2: an edit or delete after a verdict is recorded (the annotation goes back to
# pending). Adds two columns with defaults; no row is touched otherwise.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotate", "0005_accesstoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="annotation",
            name="changed_after_review",
            field=models.BooleanField(
                default=False,
                help_text="Edited or deleted after a curator accepted or rejected it (it went back "
                "to pending); cleared by the next verdict.",
            ),
        ),
        migrations.AddField(
            model_name="annotation",
            name="verdict_before_change",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The status it had when it was changed after review (accepted or "
                "rejected).",
                max_length=10,
            ),
        ),
    ]
