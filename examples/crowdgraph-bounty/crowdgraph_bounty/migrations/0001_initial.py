from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crowdgraph.core.models import Audience
from crowdgraph_bounty.models import BountyStatus, FulfilmentStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Bounty',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization_id', fields.IntField(db_index=True)),
                ('project_id', fields.IntField(db_index=True)),
                ('created_by_id', fields.IntField()),
                ('title', fields.CharField(max_length=160)),
                ('description', fields.TextField(unique=False)),
                ('requirements', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('audience', fields.CharEnumField(description='INTERNAL: internal\nEXTERNAL: external\nBOTH: both', enum_type=Audience, max_length=16)),
                ('currency', fields.CharField(max_length=3)),
                ('reward', fields.BigIntField()),
                ('max_accepted', fields.IntField()),
                ('accepted_count', fields.IntField(default=0)),
                ('status', fields.CharEnumField(default=BountyStatus.OPEN, description='OPEN: open\nCLOSED: closed', enum_type=BountyStatus, max_length=16)),
                ('posted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bounty_bounty', 'app': 'bounty', 'pk_attr': 'id', 'table_description': 'An open call for work: any eligible worker may fulfil it, the funder accepts up to a maximum.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BountyFulfilment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('bounty', fields.ForeignKeyField('bounty.Bounty', source_field='bounty_id', db_constraint=True, to_field='id', related_name='fulfilments', on_delete=OnDelete.CASCADE)),
                ('worker_id', fields.IntField(db_index=True)),
                ('account_id', fields.IntField()),
                ('engagement_id', fields.IntField(null=True)),
                ('text', fields.TextField(unique=False)),
                ('links', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=FulfilmentStatus.SUBMITTED, description='SUBMITTED: submitted\nACCEPTED: accepted\nDECLINED: declined', enum_type=FulfilmentStatus, max_length=16)),
                ('decline_reason', fields.TextField(default='', unique=False)),
                ('ledger_entry_id', fields.BigIntField(null=True)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bounty_fulfilment', 'app': 'bounty', 'unique_together': (('bounty', 'worker_id'),), 'pk_attr': 'id', 'table_description': 'One answer to a bounty by one worker, the detail of their core engagement.'},
            bases=['Model'],
        ),
    ]
