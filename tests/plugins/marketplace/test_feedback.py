import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.plugins.marketplace import contracts, feedback
from crowdgraph.plugins.marketplace.models import Contract, Feedback, Milestone
from tests.plugins.marketplace.conftest import AUTO_RELEASE, FEEDBACK_WINDOW, gid

FEEDBACK = """query($id: ID!) { node(id: $id) { ... on MarketplaceContract {
    feedback { revealed fromClient { rating comment } fromWorker { rating } } } } }"""


async def ended_contract(scene):
    contract = await scene.contract([("Everything", 90_000)])
    (milestone,) = await Milestone.filter(contract_id=contract.id)
    await contracts.submit_milestone(scene.worker.actor, milestone.id, "done", AUTO_RELEASE)
    await contracts.approve_milestone(scene.owner.actor, milestone.id)
    return await contracts.end_contract(scene.worker.actor, contract.id, FEEDBACK_WINDOW)


async def seen_by(client, contract):
    result = await client.query(FEEDBACK, {"id": gid("MarketplaceContract", contract.id)})
    return result.data["node"]["feedback"]


async def test_a_rating_stays_hidden_from_the_other_side_until_both_are_in(
    scene, make_client, market
):
    contract = await ended_contract(scene)
    client_view = make_client(scene.owner.token, on=market)
    worker_view = make_client(scene.worker.token, on=market)

    await feedback.leave_feedback(scene.owner.actor, contract.id, 5, "Great pipeline")
    assert await seen_by(worker_view, contract) == {
        "revealed": False,
        "fromClient": None,
        "fromWorker": None,
    }
    assert (await seen_by(client_view, contract))["fromClient"]["rating"] == 5
    assert (await feedback.reputations([scene.worker.worker.id]))[
        scene.worker.worker.id
    ].rating is None

    await feedback.leave_feedback(scene.worker.actor, contract.id, 4, "Clear brief")
    assert await seen_by(worker_view, contract) == {
        "revealed": True,
        "fromClient": {"rating": 5, "comment": "Great pipeline"},
        "fromWorker": {"rating": 4},
    }


async def worker_sees(scene, contract):
    rows = await Feedback.filter(contract_id=contract.id)
    return feedback.view(scene.worker.actor, await Contract.get(id=contract.id), rows)


async def test_a_lone_rating_shows_when_the_window_closes(scene, clock):
    contract = await ended_contract(scene)
    await feedback.leave_feedback(scene.owner.actor, contract.id, 2, "Late")

    clock.advance(days=FEEDBACK_WINDOW, seconds=-1)
    assert (await worker_sees(scene, contract)).from_client is None
    clock.advance(seconds=1)

    shown = await worker_sees(scene, contract)
    assert (shown.revealed, shown.from_client.rating) == (True, 2)
    with pytest.raises(InvalidInput, match="window has closed"):
        await feedback.leave_feedback(scene.worker.actor, contract.id, 5, "")
    rep = (await feedback.reputations([scene.worker.worker.id]))[scene.worker.worker.id]
    assert (rep.rating, rep.job_success, rep.completed_contracts) == (2.0, 0, 1)


async def test_feedback_opens_only_after_the_contract_ends(scene):
    contract = await scene.contract([("Everything", 90_000)])

    with pytest.raises(InvalidInput, match="opens when the contract has ended"):
        await feedback.leave_feedback(scene.owner.actor, contract.id, 5, "")


async def test_each_side_rates_once(scene):
    contract = await ended_contract(scene)
    await feedback.leave_feedback(scene.owner.actor, contract.id, 5, "")

    with pytest.raises(InvalidInput, match="already left feedback"):
        await feedback.leave_feedback(scene.owner.actor, contract.id, 1, "")


async def test_job_success_counts_well_rated_contracts(scene):
    for rating in (5, 4, 2, 5):
        contract = await ended_contract(scene)
        await feedback.leave_feedback(scene.owner.actor, contract.id, rating, "")
        await feedback.leave_feedback(scene.worker.actor, contract.id, 5, "")

    rep = (await feedback.reputations([scene.worker.worker.id]))[scene.worker.worker.id]

    assert (rep.rating, rep.ratings, rep.job_success) == (4.0, 4, 75)
