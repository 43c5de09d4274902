from datetime import date

import pytest

from crowdgraph.core import ledger
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.plugins.marketplace import contracts
from crowdgraph.plugins.marketplace.models import Pricing, TimeEntryStatus
from tests.plugins.marketplace.conftest import FEEDBACK_WINDOW

MONDAY = date(2026, 1, 5)


async def hourly(scene, rate=6_000):
    scene_job = {"pricing": Pricing.HOURLY, "budget": 8_000, "weekly_hours_cap": 10}
    job = await scene.job(**scene_job)
    proposal = await scene.proposal(job, bid=rate)
    return await contracts.hire(scene.owner.actor, proposal.id, [])


async def test_time_up_to_the_weekly_cap_is_logged_and_paid_once_approved(scene):
    contract = await hourly(scene)
    entry = await contracts.log_time(scene.worker.actor, contract.id, MONDAY, 90, "Cleaning")

    assert entry.amount == 9_000
    await contracts.decide_time_entry(scene.owner.actor, entry.id, approve=True)
    with pytest.raises(InvalidInput, match="already decided"):
        await contracts.decide_time_entry(scene.owner.actor, entry.id, approve=True)

    assert await ledger.balance(ledger.worker_account(scene.worker.account.id)) == 9_000
    budget = await ledger.budget(scene.owner.actor, scene.org.id)
    assert (budget.available, budget.spent) == (491_000, 9_000)


async def test_the_weekly_cap_counts_pending_and_approved_but_not_rejected_time(scene, clock):
    clock.advance(days=6)
    contract = await hourly(scene)
    first = await contracts.log_time(scene.worker.actor, contract.id, MONDAY, 8 * 60, "")
    await contracts.log_time(scene.worker.actor, contract.id, date(2026, 1, 11), 2 * 60, "")

    with pytest.raises(InvalidInput, match="allows 600 minutes; 600 are logged"):
        await contracts.log_time(scene.worker.actor, contract.id, date(2026, 1, 7), 1, "")
    await contracts.decide_time_entry(scene.owner.actor, first.id, approve=False)

    again = await contracts.log_time(scene.worker.actor, contract.id, date(2026, 1, 7), 60, "")
    assert again.status == TimeEntryStatus.PENDING


async def test_only_the_worker_logs_time_and_not_in_the_future(scene):
    contract = await hourly(scene)

    with pytest.raises(Forbidden):
        await contracts.log_time(scene.owner.actor, contract.id, MONDAY, 60, "")
    with pytest.raises(InvalidInput, match="must not be in the future"):
        await contracts.log_time(scene.worker.actor, contract.id, date(2026, 1, 6), 60, "")


async def test_pending_time_must_be_decided_before_the_contract_ends(scene):
    contract = await hourly(scene)
    entry = await contracts.log_time(scene.worker.actor, contract.id, MONDAY, 60, "")

    with pytest.raises(InvalidInput, match="pending time entries"):
        await contracts.end_contract(scene.owner.actor, contract.id, FEEDBACK_WINDOW)
    await contracts.decide_time_entry(scene.owner.actor, entry.id, approve=True)
    ended = await contracts.end_contract(scene.owner.actor, contract.id, FEEDBACK_WINDOW)

    assert ended.feedback_closes_at is not None
