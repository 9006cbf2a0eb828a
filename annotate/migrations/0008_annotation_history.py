# Issue 10 item 4: the history of annotations (AnnotationEvent, written by annotate.services.history
# in the same transaction as each change). A new table; existing annotations get no events.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotate', '0006_changed_after_review'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AnnotationEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('create', 'Created'), ('import', 'Imported'), ('edit', 'Edited'), ('delete', 'Deleted'), ('restore', 'Restored'), ('accept', 'Accepted'), ('reject', 'Rejected'), ('pending', 'Set back to pending')], help_text='What happened.', max_length=10)),
                ('at', models.DateTimeField(help_text='When the change was saved.')),
                ('version', models.PositiveIntegerField(help_text="The annotation's version after the change.")),
                ('changes', models.JSONField(default=dict, help_text='Changed fields: {field: [before, after]}.')),
                ('annotation', models.ForeignKey(help_text='The annotation that changed.', on_delete=django.db.models.deletion.CASCADE, related_name='events', to='annotate.annotation')),
                ('user', models.ForeignKey(blank=True, help_text='Who made the change (empty for an import from a file).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='annotation_events', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'annotation event',
                'ordering': ['annotation', 'at', 'id'],
                'indexes': [models.Index(fields=['annotation', 'at'], name='annevent_annotation_at_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['create', 'import', 'edit', 'delete', 'restore', 'accept', 'reject', 'pending'])), name='annevent_kind')],
            },
        ),
    ]
