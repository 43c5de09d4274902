from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crowdgraph.core.models import StageStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0002_engagement_outcome')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FlowStage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('core.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='flow', on_delete=OnDelete.CASCADE)),
                ('position', fields.SmallIntField()),
                ('model', fields.CharField(max_length=40)),
                ('title', fields.CharField(max_length=200)),
                ('settings', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('gate', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('carry', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('requirements', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=StageStatus.PENDING, description='PENDING: pending\nRUNNING: running\nCOMPLETED: completed\nCANCELLED: cancelled', enum_type=StageStatus, max_length=16)),
                ('detail_type', fields.CharField(default='', max_length=60)),
                ('detail_id', fields.CharField(default='', max_length=60)),
                ('created_by', fields.ForeignKeyField('core.Account', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='stages_created', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'core_flow_stage', 'app': 'core', 'unique_together': (('project', 'position'),), 'indexes': [Index(fields=['detail_type', 'detail_id'])], 'pk_attr': 'id', 'table_description': "One stage of a combined project: a batch, contest or job run in turn by its model's plugin."},
            bases=['Model'],
        ),
    ]
