"""The contest plugin's data migrations, from the previous schema with its data kept."""

from crowdgraph.db import migrate
from tests.test_migrations import empty_database_url, platform_on

__all__ = ["empty_database_url"]  # the fixture, shared with tests/test_migrations.py

NOW = "'2026-01-05 09:00:00+00:00'"
LEDGER = (
    "INSERT INTO core_ledger_entry (organization_id, kind, source, destination, amount, currency, "
    "worker_id, model, idempotency_key, memo, created_at) VALUES "
)
ENTRY = "INSERT INTO contest_entry (contest_id, worker_id, account_id, status, finalist, registered_at) VALUES "


def contest(phase: str) -> str:
    dates = ", ".join([NOW] * 6)
    return (
        "INSERT INTO contest_contest (organization_id, project_id, created_by_id, title, brief, "
        "requirements, audience, currency, prizes, honorable_mentions, honorable_mention_amount, "
        "finalists, participation_award, judge_fee, judge_skill, max_submissions_per_entrant, "
        "criteria, scale, passing_score, phase, round, registration_ends_at, submission_ends_at, "
        "review_ends_at, appeals_ends_at, created_at, updated_at) VALUES "
        f"(1, 1, 1, 'Logo', 'b', '[]', 'both', 'USD', '[100]', 0, 0, 2, 5, 0, '', 5, "
        f"'[]', 10, 0, '{phase}', 2, {dates});"
    )


async def test_participation_payments_and_entrants_left_active_are_corrected(
    empty_database_url,
):
    platform = platform_on(empty_database_url, ["contest"])
    await migrate(platform.db_config, target="core.0001_initial")
    await migrate(platform.db_config, target="contest.0001_initial")
    platform.make_current()
    await platform.open()
    db = platform.tortoise.db()
    await db.execute_script(
        "INSERT INTO core_organization (name, slug, currency, created_at) "
        f"VALUES ('Acme', 'acme', 'USD', {NOW});"
        "INSERT INTO core_account (email, name, password_hash, role, is_active, created_at) "
        f"VALUES ('w@example.org', 'W', 'x', 'worker', true, {NOW});"
        + LEDGER
        + "(1, 'prize', 'org:1:held:contest:1', 'worker:1', 5, 'USD', 1, 'contest', "
        f"'contest:1:participation:1', 'Logo: participation 1', {NOW}),"
        "(1, 'prize', 'org:1:held:contest:1', 'worker:1', 100, 'USD', 1, 'contest', "
        f"'contest:1:place:1', 'Logo: place 1', {NOW}),"
        "(1, 'payment', 'org:1:available', 'worker:1', 7, 'USD', 1, 'microtask', "
        f"'microtask:contest:1:participation:1', '', {NOW});"
        + contest("winners_announced")
        + contest("submission")
        + ENTRY
        + f"(1, 1, 1, 'finished', true, {NOW}), (1, 2, 1, 'active', true, {NOW}),"
        f"(2, 1, 1, 'active', true, {NOW});"
    )
    await platform.close()

    await migrate(platform.db_config)

    await platform.open()
    from crowdgraph.core.models import LedgerEntry
    from crowdgraph.plugins.contest.models import ContestEntry

    kinds = await LedgerEntry.all().order_by("id").values_list("kind", flat=True)
    assert kinds == ["participation", "prize", "payment"]
    statuses = await ContestEntry.all().order_by("id").values_list("status", flat=True)
    assert [s.value for s in statuses] == ["finished", "no_submission", "active"]
    await platform.close()
