"""A contract's logged time as a connection next to the plain list."""

from __future__ import annotations

from crowdgraph.plugins.marketplace import contracts
from crowdgraph.plugins.marketplace.models import Pricing

ENTRIES = """query($last: Int) { marketplaceContracts { nodes {
    timeEntries { minutes }
    timeEntriesConnection(last: $last) { totalCount nodes { minutes }
    pageInfo { hasPreviousPage hasNextPage } } } } }"""


async def test_logged_time_pages_backward_and_counts_every_entry(scene, make_client, market, clock):
    job = await scene.job(pricing=Pricing.HOURLY, budget=5_000, weekly_hours_cap=10)
    proposal = await scene.proposal(job, bid=4_000)
    contract = await contracts.hire(scene.owner.actor, proposal.id, [])
    for minutes in (30, 40, 50):
        await contracts.log_time(scene.worker.actor, contract.id, clock.now().date(), minutes, "")
    result = await make_client(scene.worker.token, on=market).query(ENTRIES, {"last": 2})
    (node,) = result.data["marketplaceContracts"]["nodes"]
    assert node["timeEntries"] == [{"minutes": 30}, {"minutes": 40}, {"minutes": 50}]
    page = node["timeEntriesConnection"]
    assert (page["totalCount"], page["nodes"]) == (3, [{"minutes": 40}, {"minutes": 50}])
    assert page["pageInfo"] == {"hasPreviousPage": True, "hasNextPage": False}
