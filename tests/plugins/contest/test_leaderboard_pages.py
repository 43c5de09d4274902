"""A contest's leaderboard as a connection: ranked in memory, paged both ways, counted."""

from __future__ import annotations

from tests.plugins.contest.conftest import gid

BOARD = """query($id: ID!, $first: Int, $last: Int, $before: String) { node(id: $id) {
    ... on Contest { leaderboard { rank entrantName }
    leaderboardConnection(first: $first, last: $last, before: $before) { totalCount
    nodes { rank entrantName } pageInfo { hasNextPage hasPreviousPage startCursor } } } } }"""


async def test_the_leaderboard_pages_from_the_top_and_from_the_bottom(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 5)
    scores = [{"Concept": 9 - i, "Craft": 9 - i} for i in range(5)]
    contest = await arena.to_appeals_with(contest, people, scores)
    organizer = await arena.client(arena.owner)

    async def board(**page: int | str) -> dict:
        result = await organizer.query(BOARD, {"id": gid("Contest", contest.id), **page})
        return result.data["node"]

    top = await board(first=2)
    whole = top["leaderboard"]
    assert [row["rank"] for row in whole] == [1, 2, 3, 4, 5]
    pages = top["leaderboardConnection"]
    assert (pages["totalCount"], pages["nodes"]) == (5, whole[:2])
    assert (pages["pageInfo"]["hasNextPage"], pages["pageInfo"]["hasPreviousPage"]) == (True, False)
    bottom = (await board(last=2))["leaderboardConnection"]
    assert bottom["nodes"] == whole[3:]
    assert (bottom["pageInfo"]["hasNextPage"], bottom["pageInfo"]["hasPreviousPage"]) == (
        False,
        True,
    )
    above = (await board(last=2, before=bottom["pageInfo"]["startCursor"]))["leaderboardConnection"]
    assert above["nodes"] == whole[1:3]
    entrant = await (await arena.client(people[0])).query(BOARD, {"id": gid("Contest", contest.id)})
    assert entrant.data["node"]["leaderboardConnection"] is None  # not public before winners
