from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('microtask', '0002_task_keys_and_appeal_money')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Batch',
            name='pay_floor_per_hour',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Batch',
            name='auto_approve_hours',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Batch',
            name='appeal_window_hours',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Batch',
            name='allow_preview',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        # Answers submitted or rejected before this migration keep null: the server's delay and
        # window hold for them (review.auto_approve, review.close_lapsed_appeals).
        ops.AddField(
            model_name='Assignment',
            name='auto_approve_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Assignment',
            name='appeal_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Assignment',
            index=Index(fields=['status', 'auto_approve_at']),
        ),
    ]
