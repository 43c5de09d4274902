"""The sample plugin's tables (app label ``errands``)."""

from tortoise import fields

from crowdgraph.core.tables import Model


class Errand(Model):
    id = fields.IntField(primary_key=True)
    project_id = fields.IntField()
    organization_id = fields.IntField()
    title = fields.CharField(max_length=120)
    reward = fields.BigIntField()
    taken_by_id = fields.IntField(null=True)
    done = fields.BooleanField(default=False)

    class Meta:
        table = "errands_errand"


class SeenEvent(Model):
    """Every event the plugin's handle_event hook received, to prove delivery."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80)
    event_id = fields.BigIntField(unique=True)

    class Meta:
        table = "errands_seen_event"
