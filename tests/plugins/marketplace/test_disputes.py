import pytest

from crowdgraph.core import ledger
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.plugins.marketplace import contracts, disputes
from crowdgraph.plugins.marketplace.models import DisputeOutcome, Milestone, MilestoneStatus
from tests.plugins.marketplace.conftest import AUTO_RELEASE, FEEDBACK_WINDOW, gid, run


async def disputed(scene, by):
    contract = await scene.contract([("Everything", 90_000)])
    (milestone,) = await Milestone.filter(contract_id=contract.id)
    await contracts.submit_milestone(scene.worker.actor, milestone.id, "done", AUTO_RELEASE)
    dispute = await disputes.open_dispute(by.actor, milestone.id, "The work does not run at all.")
    return contract, milestone, dispute


async def money(scene):
    budget = await ledger.budget(scene.owner.actor, scene.org.id)
    worker = await ledger.balance(ledger.worker_account(scene.worker.account.id))
    assert budget.available + budget.held + budget.spent == budget.funded
    return budget.available, budget.held, worker


@pytest.mark.parametrize(
    ("outcome", "worker_amount", "expected"),
    [
        (DisputeOutcome.RELEASE, None, (410_000, 0, 90_000)),
        (DisputeOutcome.REFUND, None, (500_000, 0, 0)),
        (DisputeOutcome.SPLIT, 30_000, (470_000, 0, 30_000)),
    ],
)
async def test_an_admin_resolves_a_dispute_without_money_appearing_or_vanishing(
    scene, outcome, worker_amount, expected
):
    _, milestone, dispute = await disputed(scene, scene.owner)

    await disputes.resolve_dispute(scene.admin.actor, dispute.id, outcome, worker_amount, "")

    assert await money(scene) == expected
    await milestone.refresh_from_db()
    assert milestone.status in (MilestoneStatus.RESOLVED, MilestoneStatus.REFUNDED)


async def test_a_disputed_milestone_is_neither_approved_nor_auto_released(scene, clock):
    contract, milestone, _ = await disputed(scene, scene.worker)

    with pytest.raises(InvalidInput, match="disputed cannot become approved"):
        await contracts.approve_milestone(scene.owner.actor, milestone.id)
    clock.advance(days=AUTO_RELEASE + 1)
    assert await contracts.release_overdue() == 0
    with pytest.raises(InvalidInput, match="decide submitted or disputed"):
        await contracts.end_contract(scene.owner.actor, contract.id, FEEDBACK_WINDOW)
    assert await money(scene) == (410_000, 90_000, 0)


async def test_only_admins_resolve_and_only_once(scene):
    _, _, dispute = await disputed(scene, scene.owner)

    with pytest.raises(Forbidden):
        await disputes.resolve_dispute(
            scene.owner.actor, dispute.id, DisputeOutcome.REFUND, None, ""
        )
    await disputes.resolve_dispute(scene.admin.actor, dispute.id, DisputeOutcome.REFUND, None, "")
    with pytest.raises(InvalidInput, match="resolved"):
        await disputes.resolve_dispute(
            scene.admin.actor, dispute.id, DisputeOutcome.RELEASE, None, ""
        )
    assert await money(scene) == (500_000, 0, 0)


async def test_a_split_must_leave_something_to_each_side(scene):
    _, _, dispute = await disputed(scene, scene.owner)

    with pytest.raises(InvalidInput, match="workerAmount must be <= 89999"):
        await disputes.resolve_dispute(
            scene.admin.actor, dispute.id, DisputeOutcome.SPLIT, 90_000, ""
        )


async def test_a_resolved_dispute_shows_what_the_worker_was_paid_as_money(
    scene, make_client, market
):
    _, _, dispute = await disputed(scene, scene.worker)
    admin = make_client(scene.admin.token, on=market)

    resolved = await run(
        admin,
        "resolveMarketplaceDispute",
        "ResolveMarketplaceDisputeInput",
        "dispute { outcome paidToWorker { amount currency } workerAmount }",
        {
            "disputeId": gid("MarketplaceDispute", dispute.id),
            "outcome": "SPLIT",
            "workerAmount": 30_000,
        },
    )

    assert resolved["dispute"] == {
        "outcome": "SPLIT",
        "paidToWorker": {"amount": 30_000, "currency": "USD"},
        "workerAmount": 30_000,
    }
    fields = await admin.query(
        '{ __type(name: "MarketplaceDispute") { fields(includeDeprecated: true) '
        "{ name isDeprecated } } }"
    )
    deprecated = {f["name"] for f in fields.data["__type"]["fields"] if f["isDeprecated"]}
    assert deprecated == {"workerAmount"}
