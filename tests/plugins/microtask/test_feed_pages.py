"""The feed, ranked by priority in the database, read backward through GraphQL."""

from __future__ import annotations

from tests.plugins.microtask.conftest import Shop

FEED = """query($first: Int, $last: Int, $before: String) {
    microtaskFeed(first: $first, last: $last, before: $before) { totalCount nodes { title }
    pageInfo { hasPreviousPage hasNextPage startCursor } } }"""


async def test_the_feed_pages_backward_in_priority_order_and_counts_every_batch(
    shop: Shop, make_client
) -> None:
    for title, priority in [("low", -5), ("urgent", 50), ("normal a", 0), ("normal b", 0)]:
        await shop.batch(title=title, priority=priority)
    worker = await shop.factory.worker()
    client = make_client(worker.token)

    async def feed(**page: int | str) -> dict:
        return (await client.query(FEED, page)).data["microtaskFeed"]

    bottom = await feed(last=2)
    assert [n["title"] for n in bottom["nodes"]] == ["normal b", "low"]
    assert (bottom["pageInfo"]["hasPreviousPage"], bottom["pageInfo"]["hasNextPage"]) == (
        True,
        False,
    )
    top = await feed(last=2, before=bottom["pageInfo"]["startCursor"])
    assert [n["title"] for n in top["nodes"]] == ["urgent", "normal a"]
    assert (top["pageInfo"]["hasPreviousPage"], top["pageInfo"]["hasNextPage"]) == (False, True)
    await shop.batch(title="Needs France", requirements=[{"kind": "country", "countries": ["FR"]}])
    assert (await feed(first=1))["totalCount"] == 4  # only the batches the worker may claim in
