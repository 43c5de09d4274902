from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Errand",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("project_id", fields.IntField()),
                ("organization_id", fields.IntField()),
                ("title", fields.CharField(max_length=120)),
                ("reward", fields.BigIntField()),
                ("taken_by_id", fields.IntField(null=True)),
                ("done", fields.BooleanField(default=False)),
            ],
            options={"table": "errands_errand", "app": "errands", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SeenEvent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=80)),
                ("event_id", fields.BigIntField(unique=True)),
            ],
            options={
                "table": "errands_seen_event",
                "app": "errands",
                "pk_attr": "id",
                "table_description": "Every event the plugin's handle_event hook received, to prove delivery.",
            },
            bases=["Model"],
        ),
    ]
