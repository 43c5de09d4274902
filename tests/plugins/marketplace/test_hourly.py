from datetime import date

import pytest

from crowdgraph.core import ledger
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.plugins.marketplace import contracts
from crowdgraph.plugins.marketplace.models import Pricing, TimeEntry, TimeEntryStatus
from tests.plugins.marketplace.conftest import FEEDBACK_WINDOW, gid, run

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
    contract = await hourly(scene)
    clock.advance(days=6)
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


async def log(client, contract, work_date, minutes):
    return await run(
        client,
        "logMarketplaceTime",
        "LogMarketplaceTimeInput",
        "timeEntry { workDate minutes }",
        {
            "contractId": gid("MarketplaceContract", contract.id),
            "workDate": work_date,
            "minutes": minutes,
        },
    )


def refusal(payload):
    assert payload["timeEntry"] is None
    ((field, code),) = [(e["field"], e["code"]) for e in payload["userErrors"]]
    return field, code


async def test_time_is_logged_only_for_days_of_the_contract_within_their_week(
    scene, make_client, market, clock
):
    contract = await hourly(scene)  # started Monday 2026-01-05, capped at 10 hours a week
    worker = make_client(scene.worker.token, on=market)

    before = await log(worker, contract, "2020-01-06", 600)
    assert refusal(before) == ("workDate", "BEFORE_CONTRACT_START")
    assert (
        "on or after the day the contract started, 2026-01-05"
        in (before["userErrors"][0]["message"])
    )
    assert refusal(await log(worker, contract, "2026-01-06", 60)) == ("workDate", "IN_FUTURE")
    assert (await log(worker, contract, "2026-01-05", 600))["userErrors"] == []

    clock.advance(days=7)  # Monday 2026-01-12: last week may still be logged today
    assert refusal(await log(worker, contract, "2026-01-11", 1)) == ("minutes", "WEEKLY_CAP")
    assert (await log(worker, contract, "2026-01-12", 600))["userErrors"] == []

    clock.advance(days=1)  # Tuesday: last week is closed
    closed = await log(worker, contract, "2026-01-09", 60)
    assert refusal(closed) == ("workDate", "LOGGING_CLOSED")
    assert "could be logged until 2026-01-12" in closed["userErrors"][0]["message"]
    entries = await TimeEntry.filter(contract_id=contract.id).order_by("id")
    assert [(e.work_date, e.minutes) for e in entries] == [
        (date(2026, 1, 5), 600),
        (date(2026, 1, 12), 600),
    ]


async def test_only_approved_time_counts_as_hours_worked_and_survives_the_contracts_end(
    scene, make_client, market
):
    contract = await hourly(scene, rate=6_000)
    kept = await contracts.log_time(scene.worker.actor, contract.id, MONDAY, 90, "Pipeline")
    dropped = await contracts.log_time(scene.worker.actor, contract.id, MONDAY, 60, "Lunch")
    await contracts.decide_time_entry(scene.owner.actor, kept.id, approve=True)
    await contracts.decide_time_entry(scene.owner.actor, dropped.id, approve=False)
    await contracts.end_contract(scene.owner.actor, contract.id, FEEDBACK_WINDOW)

    found = await make_client(scene.worker.token, on=market).query(
        """{ engagements(first: 5) { nodes { status hoursWorked } }
            me { worker { record { earnings { total { amount } hoursWorked
                effectiveHourlyPay { amount currency } } } } } }"""
    )

    assert found.data["engagements"]["nodes"] == [{"status": "COMPLETED", "hoursWorked": 1.5}]
    assert found.data["me"]["worker"]["record"]["earnings"] == [
        {
            "total": {"amount": 9_000},
            "hoursWorked": 1.5,
            "effectiveHourlyPay": {"amount": 6_000, "currency": "USD"},
        }
    ]
