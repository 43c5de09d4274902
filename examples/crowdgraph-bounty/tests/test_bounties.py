"""Open bounties end to end through GraphQL: posting, fulfilling, accepting, declining, closing."""

from __future__ import annotations

import asyncio

from bounty_api import CLOSE, DECLINE, SUBMIT, Bounties

from crowdgraph.core.models import Audience, Engagement, EngagementStatus, LedgerEntry
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import recorded_events

DETAIL = """
query($id: ID!) {
  node(id: $id) {
    ... on Engagement { status outcome pay { amount } detail { id model ... on BountyFulfilment { status } } }
  }
}
"""


async def test_posting_a_bounty_holds_its_reward_for_every_place(bounties: Bounties):
    bounty = await bounties.post(reward=2_000, max_accepted=3)
    assert bounty["status"] == "OPEN"
    assert bounty["reward"] == {"amount": 2000, "currency": "USD"}
    assert bounty["held"] == {"amount": 6000}
    assert await bounties.budget() == {"available": 94_000, "held": 6_000, "spent": 0}
    [posted] = await recorded_events("bounty.")
    assert posted.name == "bounty.bounty.posted"
    assert posted.payload["max_accepted"] == 3


async def test_a_bounty_the_budget_cannot_fund_is_refused_and_nothing_is_held(bounties: Bounties):
    result = await bounties.funder.query(
        "mutation($input: PostBountyInput!) { postBounty(input: $input) "
        "{ bounty { id } userErrors { field code message } } }",
        {
            "input": {
                "projectId": to_global_id("Project", bounties.funded.project.id),
                "title": "Too dear",
                "description": "More than the budget",
                "reward": 60_000,
                "maxAccepted": 2,
            }
        },
    )
    payload = result.data["postBounty"]
    assert payload["bounty"] is None
    assert payload["userErrors"] == [
        {
            "field": "reward",
            "code": "INSUFFICIENT_FUNDS",
            "message": "2 fulfilments of 60000 need 120000 USD minor units; "
            "the organization has 100000 available",
        }
    ]
    assert await bounties.budget() == {"available": 100_000, "held": 0, "spent": 0}


async def test_max_accepted_is_capped_by_the_plugins_setting(make_platform, factory, client_as):
    platform = await make_platform(
        plugins=["bounty"], plugin_settings={"bounty": {"max_accepted": 5}}
    )
    bounties = Bounties(platform, await factory.funded_project(100_000), client_as)
    result = await bounties.funder.query(
        "mutation($input: PostBountyInput!) { postBounty(input: $input) "
        "{ userErrors { field code message } } }",
        {
            "input": {
                "projectId": to_global_id("Project", bounties.funded.project.id),
                "title": "Many",
                "description": "Many places",
                "reward": 10,
                "maxAccepted": 6,
            }
        },
    )
    assert result.data["postBounty"]["userErrors"] == [
        {
            "field": "maxAccepted",
            "code": "OUT_OF_RANGE",
            "message": "maxAccepted must be <= 5 (got 6)",
        }
    ]


async def test_a_fulfilment_starts_an_engagement_whose_detail_is_the_fulfilment(
    bounties: Bounties, factory
):
    bounty = await bounties.post()
    worker = await factory.worker()
    fulfilment_id = await bounties.submit(worker, bounty["id"])
    engagement = await Engagement.get(model="bounty")
    result = await bounties.client_as(worker).query(
        DETAIL, {"id": to_global_id("Engagement", engagement.id)}
    )
    assert result.data["node"] == {
        "status": "ACTIVE",
        "outcome": "",
        "pay": {"amount": 1000},
        "detail": {"id": fulfilment_id, "model": "bounty", "status": "SUBMITTED"},
    }


async def test_a_worker_fulfils_a_bounty_once(bounties: Bounties, factory):
    bounty = await bounties.post()
    worker = await factory.worker()
    client = bounties.client_as(worker)
    both = await asyncio.gather(
        *[client.query(SUBMIT, {"input": {"bountyId": bounty["id"], "text": t}}) for t in "ab"]
    )
    codes = sorted(e["code"] for r in both for e in r.data["submitBountyFulfilment"]["userErrors"])
    assert codes == ["ALREADY_SUBMITTED"]
    again = await client.query(SUBMIT, {"input": {"bountyId": bounty["id"], "text": "More"}})
    [error] = again.data["submitBountyFulfilment"]["userErrors"]
    assert error["code"] == "ALREADY_SUBMITTED"
    assert await Engagement.filter(model="bounty").count() == 1


async def test_only_eligible_workers_may_fulfil(bounties: Bounties, factory):
    internal = await bounties.post(audience="INTERNAL")
    outsider = await factory.worker()
    result = await bounties.client_as(outsider).query(
        SUBMIT, {"input": {"bountyId": internal["id"], "text": "Me"}}
    )
    # Internal work is invisible to the external crowd: not even its existence leaks.
    assert result.codes == ["NOT_FOUND"]
    employee = await factory.worker(employer=bounties.funded.organization)
    assert await bounties.submit(employee, internal["id"])

    veterans_only = await bounties.post(requirements=[{"kind": "bounty.accepted", "min": 1}])
    result = await bounties.client_as(outsider).query(
        SUBMIT, {"input": {"bountyId": veterans_only["id"], "text": "Me"}}
    )
    assert result.data["submitBountyFulfilment"]["userErrors"] == [
        {
            "field": "bountyId",
            "code": "NOT_ELIGIBLE",
            "message": "needs 1 or more accepted bounty fulfilments (has 0)",
        }
    ]


async def test_the_funder_accepts_several_fulfilments_and_pays_each_once(
    bounties: Bounties, factory
):
    bounty = await bounties.post(reward=1_000, max_accepted=3)
    workers = [await factory.worker() for _ in range(3)]
    fulfilments = [await bounties.submit(w, bounty["id"]) for w in workers]
    first = await bounties.accept(fulfilments[0])
    assert first["fulfilment"]["status"] == "ACCEPTED"
    assert first["fulfilment"]["bounty"] == {"acceptedCount": 1, "status": "OPEN"}
    await bounties.accept(fulfilments[1])
    again = await bounties.funder.query(
        "mutation($input: AcceptBountyFulfilmentInput!) { acceptBountyFulfilment(input: $input) "
        "{ userErrors { code message } } }",
        {"input": {"fulfilmentId": fulfilments[0]}},
    )
    assert again.data["acceptBountyFulfilment"]["userErrors"] == [
        {"code": "ALREADY_DECIDED", "message": "this fulfilment was accepted already"}
    ]
    payments = await LedgerEntry.filter(model="bounty", kind="bounty_reward").order_by("id")
    assert [(p.worker_id, p.amount) for p in payments] == [
        (workers[0].account.id, 1_000),
        (workers[1].account.id, 1_000),
    ]
    assert await bounties.budget() == {"available": 97_000, "held": 1_000, "spent": 2_000}
    earnings = await bounties.client_as(workers[0]).query("{ me { earnings { amount currency } } }")
    assert earnings.data["me"]["earnings"] == [{"amount": 1000, "currency": "USD"}]
    engagement = await Engagement.get(model="bounty", worker_id=workers[0].worker.id)
    assert (engagement.status, engagement.outcome) == (EngagementStatus.COMPLETED, "accepted")
    record = await bounties.funder.query(
        "query($id: ID!) { node(id: $id) { ... on Worker { record { facts { model kind value } } } } }",
        {"id": to_global_id("Worker", workers[0].worker.id)},
    )
    assert record.data["node"]["record"]["facts"] == [
        {"model": "bounty", "kind": "accepted", "value": 1.0}
    ]


async def test_accepting_the_last_place_closes_the_bounty_and_cancels_the_waiting(
    bounties: Bounties, factory
):
    bounty = await bounties.post(reward=500, max_accepted=1)
    winner, waiting = await factory.worker(), await factory.worker()
    chosen = await bounties.submit(winner, bounty["id"])
    await bounties.submit(waiting, bounty["id"])
    accepted = await bounties.accept(chosen)
    assert accepted["fulfilment"]["bounty"] == {"acceptedCount": 1, "status": "CLOSED"}
    engagement = await Engagement.get(model="bounty", worker_id=waiting.worker.id)
    assert engagement.status == EngagementStatus.CANCELLED
    assert engagement.outcome == "declined: the bounty closed (every place was filled)"
    assert await bounties.budget() == {"available": 99_500, "held": 0, "spent": 500}
    late = await factory.worker()
    result = await bounties.client_as(late).query(
        SUBMIT, {"input": {"bountyId": bounty["id"], "text": "Late"}}
    )
    assert result.codes == ["NOT_FOUND"]  # closed bounties are no longer listed to new workers
    names = [e.name for e in await recorded_events("bounty.")]
    assert names == [
        "bounty.bounty.posted",
        "bounty.fulfilment.submitted",
        "bounty.fulfilment.submitted",
        "bounty.fulfilment.accepted",
        "bounty.fulfilment.declined",
        "bounty.bounty.closed",
    ]


async def test_declining_needs_a_reason_and_the_engagement_fails_with_it(
    bounties: Bounties, factory
):
    bounty = await bounties.post()
    worker = await factory.worker()
    fulfilment = await bounties.submit(worker, bounty["id"])
    blank = await bounties.funder.query(
        DECLINE, {"input": {"fulfilmentId": fulfilment, "reason": " "}}
    )
    assert [e["code"] for e in blank.data["declineBountyFulfilment"]["userErrors"]] == ["TOO_SHORT"]
    declined = await bounties.funder.mutate(
        "declineBountyFulfilment",
        DECLINE,
        {"input": {"fulfilmentId": fulfilment, "reason": "The links are not broken"}},
    )
    assert declined["fulfilment"] == {
        "id": fulfilment,
        "status": "DECLINED",
        "declineReason": "The links are not broken",
    }
    engagement = await Engagement.get(model="bounty")
    assert engagement.status == EngagementStatus.FAILED
    assert engagement.outcome == "declined: The links are not broken"
    assert await LedgerEntry.filter(model="bounty", kind="bounty_reward").count() == 0


async def test_closing_releases_what_is_still_held(bounties: Bounties, factory):
    bounty = await bounties.post(reward=1_000, max_accepted=5)
    worker = await factory.worker()
    await bounties.accept(await bounties.submit(worker, bounty["id"]))
    closed = await bounties.funder.mutate(
        "closeBounty", CLOSE, {"input": {"bountyId": bounty["id"]}}
    )
    assert closed["bounty"]["status"] == "CLOSED"
    assert closed["bounty"]["held"] == {"amount": 0}
    assert await bounties.budget() == {"available": 99_000, "held": 0, "spent": 1_000}
    [event] = await recorded_events("bounty.bounty.closed")
    assert event.payload["released"] == 4_000
    twice = await bounties.funder.query(CLOSE, {"input": {"bountyId": bounty["id"]}})
    assert twice.data["closeBounty"]["userErrors"][0]["code"] == "BOUNTY_CLOSED"


async def test_only_the_funders_managers_decide_and_see_every_fulfilment(
    bounties: Bounties, factory
):
    bounty = await bounties.post()
    worker, rival = await factory.worker(), await factory.worker()
    fulfilment = await bounties.submit(worker, bounty["id"])
    stranger = await factory.client()
    refused = await bounties.client_as(stranger).query(
        "mutation($input: AcceptBountyFulfilmentInput!) { acceptBountyFulfilment(input: $input) "
        "{ userErrors { code } } }",
        {"input": {"fulfilmentId": fulfilment}},
    )
    assert refused.codes == ["NOT_FOUND"]
    hidden = await bounties.client_as(rival).query(DETAIL, {"id": fulfilment})
    assert hidden.data == {"node": None}
    manager = await factory.manager(bounties.funded.organization, bounties.funded.owner)
    listing = await bounties.client_as(manager).query(
        "query($id: ID!) { node(id: $id) { ... on Bounty { fulfilments(first: 5) "
        "{ nodes { id } pageInfo { hasNextPage } } } } }",
        {"id": bounty["id"]},
    )
    assert listing.data["node"]["fulfilments"] == {
        "nodes": [{"id": fulfilment}],
        "pageInfo": {"hasNextPage": False},
    }
    accepted = await bounties.client_as(manager).query(
        "query($id: ID!) { node(id: $id) { ... on Bounty { fulfilments(status: ACCEPTED) "
        "{ nodes { id } } } } }",
        {"id": bounty["id"]},
    )
    assert accepted.data["node"]["fulfilments"]["nodes"] == []
    as_worker = await bounties.client_as(worker).query(
        "query($id: ID!) { node(id: $id) { ... on Bounty { fulfilments { nodes { id } } } } }",
        {"id": bounty["id"]},
    )
    assert as_worker.codes == ["FORBIDDEN"]


async def test_bounties_are_stages_of_their_project_and_a_paged_list(bounties: Bounties, factory):
    first = await bounties.post()
    second = await bounties.post(audience="EXTERNAL")
    project = to_global_id("Project", bounties.funded.project.id)
    stages = await bounties.funder.query(
        "query($id: ID!) { node(id: $id) { ... on Project { stages { id title model } } } }",
        {"id": project},
    )
    assert stages.data["node"]["stages"] == [
        {"id": first["id"], "title": "Find broken links", "model": "bounty"},
        {"id": second["id"], "title": "Find broken links", "model": "bounty"},
    ]
    employee = await factory.worker(employer=bounties.funded.organization)
    page = await bounties.client_as(employee).query(
        "query($p: ID!) { bounties(first: 1, projectId: $p) { nodes { id audience } "
        "pageInfo { hasNextPage } } }",
        {"p": project},
    )
    # An employee sees the bounty for both crowds, not the one for the external crowd only.
    assert page.data["bounties"] == {
        "nodes": [{"id": first["id"], "audience": Audience.BOTH.name}],
        "pageInfo": {"hasNextPage": False},
    }
    admin = await factory.admin()
    everything = await bounties.client_as(admin).query(
        "query($p: ID!) { bounties(first: 1, projectId: $p) { nodes { id } "
        "pageInfo { hasNextPage endCursor } } }",
        {"p": project},
    )
    assert everything.data["bounties"]["nodes"] == [{"id": first["id"]}]
    assert everything.data["bounties"]["pageInfo"]["hasNextPage"] is True
    rest = await bounties.client_as(admin).query(
        "query($a: String!) { bounties(first: 5, after: $a) { nodes { id } } }",
        {"a": everything.data["bounties"]["pageInfo"]["endCursor"]},
    )
    assert rest.data["bounties"]["nodes"] == [{"id": second["id"]}]


async def test_concurrent_acceptances_never_pay_beyond_the_places(bounties: Bounties, factory):
    bounty = await bounties.post(reward=700, max_accepted=1)
    one, other = await factory.worker(), await factory.worker()
    fulfilments = [await bounties.submit(w, bounty["id"]) for w in (one, other)]
    racing = [fulfilments[0], fulfilments[0], fulfilments[1]]
    results = await asyncio.gather(
        *[
            bounties.funder.query(
                "mutation($input: AcceptBountyFulfilmentInput!) { acceptBountyFulfilment"
                "(input: $input) { userErrors { code } } }",
                {"input": {"fulfilmentId": f}},
            )
            for f in racing
        ]
    )
    errors = sorted(
        e["code"] for r in results for e in r.data["acceptBountyFulfilment"]["userErrors"]
    )
    assert errors == ["ALREADY_DECIDED", "ALREADY_DECIDED"]
    assert await LedgerEntry.filter(model="bounty", kind="bounty_reward").count() == 1
    assert await bounties.budget() == {"available": 99_300, "held": 0, "spent": 700}
