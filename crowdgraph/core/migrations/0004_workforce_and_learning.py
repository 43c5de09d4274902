from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0003_flow_stage')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EngagementComment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('engagement', fields.ForeignKeyField('core.Engagement', source_field='engagement_id', db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('core.Account', source_field='author_id', db_constraint=True, to_field='id', related_name='engagement_comments', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_engagement_comment', 'app': 'core', 'indexes': [Index(fields=['engagement_id', 'id'])], 'pk_attr': 'id', 'table_description': "A note on a piece of work: a mentor's feedback to a mentee, or the worker's reply."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Engagement',
            name='seconds_worked',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Organization',
            name='classification_window_days',
            field=fields.SmallIntField(default=365, db_default=365),
        ),
        ops.AddField(
            model_name='Organization',
            name='independent_earnings_limit',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='independent_hours_limit',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Project',
            name='learning',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Project',
            name='mentor',
            field=fields.ForeignKeyField('core.Account', source_field='mentor_id', null=True, db_constraint=True, to_field='id', related_name='mentored_projects', on_delete=OnDelete.SET_NULL),
        ),
    ]
