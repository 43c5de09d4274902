from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('webhooks', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Endpoint',
            name='secret',
            field=fields.CharField(max_length=255),
        ),
    ]
