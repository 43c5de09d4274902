from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crowdgraph.core.models import Audience
from crowdgraph.plugins.microtask.models import AppealStatus, AssignmentStatus, BatchStatus, Scheduling, TaskStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Batch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization_id', fields.IntField()),
                ('project_id', fields.IntField(db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('instructions', fields.TextField(default='', unique=False)),
                ('answer_spec', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reward', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('overlap', fields.SmallIntField(default=3)),
                ('max_overlap', fields.SmallIntField(default=3)),
                ('confidence_threshold', fields.FloatField(null=True)),
                ('gold_overlap', fields.SmallIntField(default=20)),
                ('gold_rate', fields.FloatField(default=0.0)),
                ('lease_seconds', fields.IntField(default=600)),
                ('deadline', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('requirements', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('priority', fields.SmallIntField(default=0)),
                ('audience', fields.CharEnumField(default=Audience.BOTH, description='INTERNAL: internal\nEXTERNAL: external\nBOTH: both', enum_type=Audience, max_length=16)),
                ('status', fields.CharEnumField(default=BatchStatus.DRAFT, description='DRAFT: draft\nOPEN: open\nPAUSED: paused\nCLOSED: closed\nCOMPLETED: completed', enum_type=BatchStatus, max_length=16)),
                ('scheduling', fields.CharEnumField(default=Scheduling.DEPTH_FIRST, description='DEPTH_FIRST: depth_first\nBREADTH_FIRST: breadth_first', enum_type=Scheduling, max_length=16)),
                ('aggregator', fields.CharField(default='majority', max_length=40)),
                ('skill_id', fields.IntField(null=True)),
                ('skill_level', fields.SmallIntField(default=1)),
                ('held', fields.BigIntField(default=0)),
                ('created_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'microtask_batch', 'app': 'microtask', 'indexes': [Index(fields=['status', 'priority', 'id']), Index(fields=['organization_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A set of tasks answered under one instruction, answer spec, reward and overlap.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Block',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization_id', fields.IntField()),
                ('batch_id', fields.IntField(null=True)),
                ('worker_id', fields.IntField()),
                ('reason', fields.CharField(default='', max_length=1024)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'microtask_block', 'app': 'microtask', 'unique_together': (('organization_id', 'batch_id', 'worker_id'),), 'indexes': [Index(fields=['worker_id', 'organization_id'])], 'pk_attr': 'id', 'table_description': "A worker kept out of one batch, or (without a batch) out of the organization's batches."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Task',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('batch', fields.ForeignKeyField('microtask.Batch', source_field='batch_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('input', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('gold_answer', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('is_gold', fields.BooleanField(default=False)),
                ('answers_needed', fields.SmallIntField()),
                ('answers_received', fields.SmallIntField(default=0)),
                ('taken', fields.SmallIntField(default=0)),
                ('status', fields.CharEnumField(default=TaskStatus.OPEN, description='OPEN: open\nFULL: full\nCOMPLETED: completed', enum_type=TaskStatus, max_length=16)),
                ('result', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('confidence', fields.FloatField(null=True)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'microtask_task', 'app': 'microtask', 'indexes': [Index(fields=['batch_id', 'status', 'is_gold', 'id']), Index(fields=['batch_id', 'status', 'is_gold', 'taken', 'id'])], 'pk_attr': 'id', 'table_description': 'One item to answer, with the gold answer of a gold task (never shown to workers).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Assignment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('task', fields.ForeignKeyField('microtask.Task', source_field='task_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('batch_id', fields.IntField()),
                ('worker_id', fields.IntField()),
                ('worker_account_id', fields.IntField()),
                ('engagement_id', fields.IntField(null=True)),
                ('status', fields.CharEnumField(description='CLAIMED: claimed\nSUBMITTED: submitted\nAPPROVED: approved\nREJECTED: rejected\nEXPIRED: expired\nRELEASED: released', enum_type=AssignmentStatus, max_length=16)),
                ('is_gold', fields.BooleanField(default=False)),
                ('lease_expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('time_on_task', fields.IntField(null=True)),
                ('answer', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('correct', fields.BooleanField(null=True)),
                ('too_fast', fields.BooleanField(default=False)),
                ('feedback', fields.CharField(default='', max_length=1024)),
                ('appeal_status', fields.CharEnumField(default=AppealStatus.NONE, description='NONE: none\nOPEN: open\nUPHELD: upheld\nDENIED: denied', enum_type=AppealStatus, max_length=16)),
                ('appeal_reason', fields.CharField(default='', max_length=1024)),
                ('appeal_response', fields.CharField(default='', max_length=1024)),
                ('paid', fields.BigIntField(default=0)),
            ],
            options={'table': 'microtask_assignment', 'app': 'microtask', 'unique_together': (('task_id', 'worker_id'),), 'indexes': [Index(fields=['batch_id', 'status', 'id']), Index(fields=['status', 'lease_expires_at']), Index(fields=['status', 'submitted_at']), Index(fields=['status', 'reviewed_at']), Index(fields=['worker_id', 'id'])], 'pk_attr': 'id', 'table_description': "One worker's claim on a task, and the answer they gave."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WorkerStanding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('batch_id', fields.IntField()),
                ('worker_id', fields.IntField()),
                ('answers', fields.IntField(default=0)),
                ('gold_answers', fields.IntField(default=0)),
                ('gold_correct', fields.IntField(default=0)),
                ('restricted', fields.BooleanField(default=False)),
            ],
            options={'table': 'microtask_worker_standing', 'app': 'microtask', 'unique_together': (('batch_id', 'worker_id'),), 'pk_attr': 'id', 'table_description': "A worker's record in one batch: answers, gold answers, gold accuracy, restriction."},
            bases=['Model'],
        ),
    ]
