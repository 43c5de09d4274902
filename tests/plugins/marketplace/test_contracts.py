import asyncio

import pytest

from crowdgraph.core import ledger
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Engagement, EngagementStatus, Event, LedgerEntry
from crowdgraph.plugins.marketplace import contracts
from crowdgraph.plugins.marketplace.models import (
    Contract,
    ContractStatus,
    Job,
    JobStatus,
    Milestone,
    MilestoneStatus,
    Proposal,
    ProposalStatus,
)
from tests.plugins.marketplace.conftest import AUTO_RELEASE, FEEDBACK_WINDOW, gid, run


async def budget_adds_up(scene, paid_to_worker):
    budget = await ledger.budget(scene.owner.actor, scene.org.id)
    assert budget.available + budget.held + budget.spent == budget.funded
    assert await ledger.balance(ledger.worker_account(scene.worker.account.id)) == paid_to_worker
    return budget


async def test_hiring_funds_every_milestone_into_escrow_from_the_budget(scene):
    contract = await scene.contract([("Schema", 30_000), ("Pipeline", 60_000)])

    assert contract.status == ContractStatus.ACTIVE
    milestones = await Milestone.filter(contract_id=contract.id).order_by("position")
    assert [(m.title, m.status) for m in milestones] == [
        ("Schema", MilestoneStatus.FUNDED),
        ("Pipeline", MilestoneStatus.FUNDED),
    ]
    budget = await budget_adds_up(scene, 0)
    assert (budget.available, budget.held) == (410_000, 90_000)
    engagement = await Engagement.get(id=contract.engagement_id)
    assert (engagement.status, engagement.detail_type) == (
        EngagementStatus.ACTIVE,
        "MarketplaceContract",
    )


async def test_escrow_pays_approved_milestones_and_refunds_the_rest_on_ending(scene):
    contract = await scene.contract([("Schema", 30_000), ("Pipeline", 60_000)])
    first, second = await Milestone.filter(contract_id=contract.id).order_by("position")

    await contracts.submit_milestone(scene.worker.actor, first.id, "schema.sql", AUTO_RELEASE)
    await contracts.approve_milestone(scene.owner.actor, first.id)
    await budget_adds_up(scene, 30_000)
    await contracts.end_contract(scene.owner.actor, contract.id, FEEDBACK_WINDOW)

    budget = await budget_adds_up(scene, 30_000)
    assert (budget.available, budget.held, budget.spent) == (470_000, 0, 30_000)
    assert (await Milestone.get(id=second.id)).status == MilestoneStatus.REFUNDED
    names = await Event.filter(name__startswith="marketplace.").values_list("name", flat=True)
    assert "marketplace.milestone.approved" in names
    assert "marketplace.contract.ended" in names


async def test_hiring_with_too_little_budget_changes_nothing(scene, factory):
    poor, owner = await factory.organization(funds=1_000)
    project = await factory.project(owner, poor)
    scene.owner, scene.project, scene.org = owner, project, poor
    job = await scene.job()
    proposal = await scene.proposal(job)

    with pytest.raises(InvalidInput) as refused:
        await contracts.hire(scene.owner.actor, proposal.id, [])

    assert refused.value.problems[0].code == "INSUFFICIENT_FUNDS"
    assert not await Contract.exists()
    assert not await Engagement.exists()
    assert (await Proposal.get(id=proposal.id)).status == ProposalStatus.SUBMITTED
    assert (await Job.get(id=job.id)).status == JobStatus.OPEN


async def test_two_concurrent_graphql_approvals_pay_a_milestone_once(scene, make_client, market):
    contract = await scene.contract([("Everything", 90_000)])
    (milestone,) = await Milestone.filter(contract_id=contract.id)
    await contracts.submit_milestone(scene.worker.actor, milestone.id, "done", AUTO_RELEASE)
    client = make_client(scene.owner.token, on=market)

    approve = [
        run(
            client,
            "approveMarketplaceMilestone",
            "MarketplaceMilestoneIdInput",
            "milestone { status }",
            {"milestoneId": gid("MarketplaceMilestone", milestone.id)},
        )
        for _ in range(2)
    ]
    results = await asyncio.gather(*approve)

    assert sorted(bool(r["userErrors"]) for r in results) == [False, True]
    assert await LedgerEntry.filter(kind="payment").count() == 1
    await budget_adds_up(scene, 90_000)


async def test_a_submitted_milestone_is_released_after_the_set_days(scene, clock):
    contract = await scene.contract([("Everything", 90_000)])
    (milestone,) = await Milestone.filter(contract_id=contract.id)
    await contracts.submit_milestone(scene.worker.actor, milestone.id, "done", AUTO_RELEASE)

    clock.advance(days=AUTO_RELEASE, minutes=-1)
    assert await contracts.release_overdue() == 0
    clock.advance(minutes=1)
    row, _ = await contracts.get_milestone(scene.worker.actor, milestone.id)

    assert (row.status, row.auto_released) == (MilestoneStatus.APPROVED, True)
    assert await contracts.release_overdue() == 0
    await budget_adds_up(scene, 90_000)


async def test_the_startup_sweeper_releases_what_fell_due_while_the_server_was_down(
    scene, market, clock
):
    contract = await scene.contract([("Everything", 90_000)])
    (milestone,) = await Milestone.filter(contract_id=contract.id)
    await contracts.submit_milestone(scene.worker.actor, milestone.id, "done", AUTO_RELEASE)
    clock.advance(days=AUTO_RELEASE)

    await market.call_async_hook("startup", platform=market)
    await market.call_async_hook("shutdown", platform=market)

    await milestone.refresh_from_db()
    assert (milestone.status, milestone.auto_released) == (MilestoneStatus.APPROVED, True)
    names = await Event.filter(name="marketplace.milestone.approved").values_list(
        "payload", flat=True
    )
    assert [p["automatic"] for p in names] == [True]


async def test_a_client_cannot_approve_a_milestone_that_was_never_submitted(
    scene, make_client, market
):
    contract = await scene.contract([("Schema", 30_000), ("Pipeline", 60_000)])
    _, second = await Milestone.filter(contract_id=contract.id).order_by("position")
    client = make_client(scene.owner.token, on=market)

    refused = await run(
        client,
        "approveMarketplaceMilestone",
        "MarketplaceMilestoneIdInput",
        "milestone { status }",
        {"milestoneId": gid("MarketplaceMilestone", second.id)},
    )

    assert refused["milestone"] is None
    assert refused["userErrors"] == [
        {
            "field": "milestoneId",
            "code": "INVALID_TRANSITION",
            "message": "a milestone that is funded cannot become approved",
        }
    ]
    assert (await Milestone.get(id=second.id)).status == MilestoneStatus.FUNDED
    assert not await LedgerEntry.filter(kind="payment").exists()
    budget = await budget_adds_up(scene, 0)
    assert (budget.held, budget.spent) == (90_000, 0)


async def test_a_client_may_accept_work_they_had_sent_back_for_changes(scene):
    contract = await scene.contract([("Everything", 90_000)])
    (milestone,) = await Milestone.filter(contract_id=contract.id)
    await contracts.submit_milestone(scene.worker.actor, milestone.id, "done", AUTO_RELEASE)
    await contracts.request_changes(scene.owner.actor, milestone.id, "Add the indexes")

    approved = await contracts.approve_milestone(scene.owner.actor, milestone.id)

    assert approved.status == MilestoneStatus.APPROVED
    await budget_adds_up(scene, 90_000)


async def test_a_client_funds_milestones_one_at_a_time_and_adds_more(
    scene, factory, make_client, market
):
    job = await scene.job()
    proposal = await scene.proposal(job)
    owner = make_client(scene.owner.token, on=market)
    contract_fields = "contract { id status amount { amount } milestones { id title status } }"
    hired = await run(
        owner,
        "hireMarketplaceWorker",
        "HireMarketplaceWorkerInput",
        contract_fields,
        {
            "proposalId": gid("MarketplaceProposal", proposal.id),
            "milestones": [
                {"title": "Schema", "amount": 30_000},
                {"title": "Pipeline", "amount": 60_000},
            ],
            "fundAllMilestones": False,
        },
    )
    contract = hired["contract"]
    first, second = contract["milestones"]
    assert [m["status"] for m in contract["milestones"]] == ["FUNDED", "PLANNED"]
    assert (await budget_adds_up(scene, 0)).held == 30_000

    early = await run(
        make_client(scene.worker.token, on=market),
        "submitMarketplaceMilestone",
        "SubmitMarketplaceMilestoneInput",
        "milestone { status }",
        {"milestoneId": second["id"], "note": "pipeline.py"},
    )
    assert [e["code"] for e in early["userErrors"]] == ["INVALID_TRANSITION"]

    async def fund(milestone):
        return await run(
            owner,
            "fundMarketplaceMilestone",
            "MarketplaceMilestoneIdInput",
            "milestone { status amount { amount currency } }",
            {"milestoneId": milestone["id"]},
        )

    _, other_owner = await factory.organization()
    for refused_by, code in ((scene.worker, "FORBIDDEN"), (other_owner, "NOT_FOUND")):
        refused = await make_client(refused_by.token, on=market).query(
            "mutation($i: MarketplaceMilestoneIdInput!) { fundMarketplaceMilestone(input: $i) "
            "{ milestone { status } } }",
            {"i": {"milestoneId": second["id"]}},
        )
        assert refused.codes == [code]
    funded = await fund(second)
    assert funded["milestone"] == {
        "status": "FUNDED",
        "amount": {"amount": 60_000, "currency": "USD"},
    }
    assert [e["code"] for e in (await fund(second))["userErrors"]] == ["INVALID_TRANSITION"]
    assert [e["code"] for e in (await fund(first))["userErrors"]] == ["INVALID_TRANSITION"]
    assert (await budget_adds_up(scene, 0)).held == 90_000

    async def add(title, amount, fund_now):
        return await run(
            owner,
            "addMarketplaceMilestone",
            "AddMarketplaceMilestoneInput",
            "milestone { title status position }",
            {"contractId": contract["id"], "title": title, "amount": amount, "fund": fund_now},
        )

    assert (await add("Docs", 10_000, True))["milestone"] == {
        "title": "Docs",
        "status": "FUNDED",
        "position": 3,
    }
    assert (await add("Support", 5_000, False))["milestone"]["status"] == "PLANNED"
    refused = await add("", 0, False)
    assert {(e["field"], e["code"]) for e in refused["userErrors"]} == {
        ("title", "TOO_SHORT"),
        ("amount", "OUT_OF_RANGE"),
    }
    budget = await budget_adds_up(scene, 0)
    assert (budget.available, budget.held) == (400_000, 100_000)
    row = await Contract.get(id=(await Milestone.get(title="Docs")).contract_id)
    assert row.amount == 105_000
    assert (await Engagement.get(id=row.engagement_id)).pay_amount == 105_000

    await contracts.end_contract(scene.owner.actor, row.id, FEEDBACK_WINDOW)
    budget = await budget_adds_up(scene, 0)
    assert (budget.available, budget.held, budget.spent) == (500_000, 0, 0)
    statuses = await Milestone.filter(contract_id=row.id).order_by("position")
    assert [m.status for m in statuses] == [MilestoneStatus.REFUNDED] * 3 + [
        MilestoneStatus.PLANNED
    ]


async def test_a_milestone_the_budget_cannot_fund_is_not_added(scene):
    contract = await scene.contract([("Everything", 90_000)])

    with pytest.raises(InvalidInput) as refused:
        await contracts.add_milestone(scene.owner.actor, contract.id, "Extra", 500_000, True)

    assert refused.value.problems[0].code == "INSUFFICIENT_FUNDS"
    assert await Milestone.filter(contract_id=contract.id).count() == 1
    assert (await Contract.get(id=contract.id)).amount == 90_000
    assert (await Engagement.get(id=contract.engagement_id)).pay_amount == 90_000
    budget = await budget_adds_up(scene, 0)
    assert (budget.available, budget.held) == (410_000, 90_000)
