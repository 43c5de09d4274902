from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('microtask', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Assignment',
            name='appeal_closed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Assignment',
            name='reserve',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Task',
            name='key',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name='Task',
            constraint=UniqueConstraint(fields=('batch_id', 'key'), name=None),
        ),
        # Rejections made before this migration gave their slot back at once and kept no reward
        # held: there is nothing for their appeal's end to give back.
        ops.RunSQL(
            "UPDATE microtask_assignment SET appeal_closed_at = reviewed_at WHERE status = 'rejected'",
            reverse_sql="SELECT 1",
        ),
    ]
