from tortoise import migrations
from tortoise.migrations import operations as ops
from crowdgraph.plugins.contest.models import EntryStatus
from tortoise import fields

PARTICIPATION_PAYMENTS = "model = 'contest' AND idempotency_key LIKE 'contest:%:participation:%'"
DECIDED = "contest_id IN (SELECT id FROM contest_contest WHERE phase IN ('winners_announced', 'closed'))"


class Migration(migrations.Migration):
    # core: the ledger's table, where participation awards were recorded as kind 'prize'.
    dependencies = [('contest', '0001_initial'), ('core', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ContestEntry',
            name='status',
            field=fields.CharEnumField(default=EntryStatus.ACTIVE, description='ACTIVE: active\nWITHDRAWN: withdrawn\nELIMINATED: eliminated\nFINISHED: finished\nNO_SUBMISSION: no_submission', enum_type=EntryStatus, max_length=16),
        ),
        ops.RunSQL(
            [
                f"UPDATE core_ledger_entry SET kind = 'participation' WHERE kind = 'prize' AND {PARTICIPATION_PAYMENTS}",
                # Entrants left active by winners announced before no_submission existed.
                f"UPDATE contest_entry SET status = 'no_submission' WHERE status = 'active' AND {DECIDED}",
            ],
            reverse_sql=[
                f"UPDATE core_ledger_entry SET kind = 'prize' WHERE kind = 'participation' AND {PARTICIPATION_PAYMENTS}",
                f"UPDATE contest_entry SET status = 'active' WHERE status = 'no_submission'",
            ],
        ),
    ]
