from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('marketplace', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Contract',
            name='fund_all_at_start',
            field=fields.BooleanField(default=True, db_default=True),
        ),
    ]
