import asyncio

from crowdgraph.core.models import LedgerEntry
from crowdgraph.plugins.contest import contests, entries, judging, phases
from crowdgraph.plugins.contest.models import ContestAward, ContestSubmission, Phase
from tests.plugins.contest.conftest import gid
from tests.plugins.contest.test_phases import SCORES

AWARD = """mutation($input: ContestIdInput!) { awardContest(input: $input) {
    contest { phase } awards { kind place amount { amount } } userErrors { field code message } } }"""


async def test_awards_are_paid_once_when_the_award_mutation_is_sent_twice_at_once(
    arena, make_client
):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    await arena.to_appeals_with(contest, people, SCORES)
    arena.clock.advance(days=2)
    client = make_client(await arena.token(arena.owner), on=arena.platform)
    first, second = await asyncio.gather(
        client.query(AWARD, {"input": {"contestId": gid("Contest", contest.id)}}),
        client.query(AWARD, {"input": {"contestId": gid("Contest", contest.id)}}),
    )
    for result in (first, second):
        payload = result.data["awardContest"]
        assert payload["userErrors"] == []
        assert payload["contest"]["phase"] == "WINNERS_ANNOUNCED"
        assert [a["amount"]["amount"] for a in payload["awards"]] == [50_000, 30_000, 20_000]
    assert await LedgerEntry.filter(kind="prize").count() == 3
    assert await ContestAward.all().count() == 3


async def test_awarding_before_the_appeals_window_closes_is_a_clear_user_error(arena, make_client):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    await arena.to_appeals_with(contest, people, SCORES)
    client = make_client(await arena.token(arena.owner), on=arena.platform)
    result = await client.query(AWARD, {"input": {"contestId": gid("Contest", contest.id)}})
    (error,) = result.data["awardContest"]["userErrors"]
    assert error["code"] == "APPEALS_OPEN"
    assert "entrants may appeal until" in error["message"]


async def test_a_judge_never_learns_who_made_a_submission(arena, make_client):
    contest = await arena.launch()
    people = await arena.enter(contest, 2)
    arena.clock.advance(days=1)
    await arena.submit_all(contest, people)
    arena.clock.advance(days=1)
    judge = make_client(await arena.token(arena.judge), on=arena.platform)
    listed = await judge.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { phase submissionsToJudge {
            nodes { id text entry { id entrantName } } } } } }""",
        {"id": gid("Contest", contest.id)},
    )
    contest_data = listed.data["node"]
    assert contest_data["phase"] == "REVIEW"
    nodes = contest_data["submissionsToJudge"]["nodes"]
    assert [n["entry"] for n in nodes] == [None, None]
    names = {p.account.name for p in people}
    assert not any(name in str(listed.body) for name in names)
    submission = await ContestSubmission.filter(contest_id=contest.id).first()
    direct = await judge.query(
        """query($s: ID!, $e: ID!, $g: ID!) {
            s: node(id: $s) { ... on ContestSubmission { text entry { id } } }
            e: node(id: $e) { id }
            g: node(id: $g) { id } }""",
        {
            "s": gid("ContestSubmission", submission.id),
            "e": gid("ContestEntry", submission.entry_id),
            "g": gid("Engagement", (await submission.entry).engagement_id),
        },
    )
    assert direct.data == {"s": {"text": "design 0", "entry": None}, "e": None, "g": None}
    organizer = make_client(await arena.token(arena.owner), on=arena.platform)
    seen = await organizer.query(
        """query($s: ID!) { node(id: $s) { ... on ContestSubmission { entry { entrantName } } } }""",
        {"s": gid("ContestSubmission", submission.id)},
    )
    assert seen.data["node"]["entry"]["entrantName"] == people[0].account.name


BLIND_VIEW = """query($c: ID!, $s: ID!, $e: ID!, $g: ID!) {
    engagements(model: "contest") { nodes { id title } }
    s: node(id: $s) { ... on ContestSubmission { text entry { id } } }
    e: node(id: $e) { id }
    g: node(id: $g) { id }
    c: node(id: $c) { ... on Contest { leaderboard { entrantName } } } }"""
ENTRIES = (
    """query($c: ID!) { node(id: $c) { ... on Contest { entries { nodes { entrantName } } } } }"""
)


async def test_an_organizer_who_judges_stays_blind_until_winners_are_announced(arena, make_client):
    contest = await arena.launch()
    await contests.add_judge(arena.owner.actor, contest.id, arena.owner.account.email)
    colleague = await arena.factory.manager(arena.org, arena.owner)
    people = await arena.enter(contest, 2)
    names = {p.account.name for p in people}
    arena.clock.advance(days=1)
    await arena.submit_all(contest, people)
    arena.clock.advance(days=1)
    submission = await ContestSubmission.filter(contest_id=contest.id).order_by("id").first()
    entry = await submission.entry
    ids = {
        "c": gid("Contest", contest.id),
        "s": gid("ContestSubmission", submission.id),
        "e": gid("ContestEntry", entry.id),
        "g": gid("Engagement", entry.engagement_id),
    }
    owner = make_client(await arena.token(arena.owner), on=arena.platform)
    for phase in ("REVIEW", "APPEALS"):
        blind = await owner.query(BLIND_VIEW, ids)
        assert blind.data == {
            "engagements": {"nodes": []},
            "s": {"text": "design 0", "entry": None},
            "e": None,
            "g": None,
            "c": {"leaderboard": None},
        }, phase
        refused = await owner.query(ENTRIES, {"c": ids["c"]})
        assert refused.codes == ["FORBIDDEN"]
        assert "hidden until winners are announced" in refused.errors[0]["message"]
        assert not any(name in str(blind.body) + str(refused.body) for name in names)
        if phase == "REVIEW":
            for row in await ContestSubmission.filter(contest_id=contest.id, judged=True):
                for judge in (arena.judge, arena.owner):
                    await judging.score(judge.actor, row.id, SCORES[0], "feedback")
            await phases.move_by_organizer(
                arena.owner.actor, await arena.reload(contest), Phase.APPEALS
            )

    # A manager who does not judge was never blind.
    other = make_client(await arena.token(colleague), on=arena.platform)
    listed = await other.query(ENTRIES, {"c": ids["c"]})
    assert {n["entrantName"] for n in listed.data["node"]["entries"]["nodes"]} == names

    arena.clock.advance(days=2)
    assert (await arena.reload(contest)).phase == Phase.WINNERS_ANNOUNCED
    seen = await owner.query(BLIND_VIEW, ids)
    assert len(seen.data["engagements"]["nodes"]) == 2
    assert seen.data["e"] == {"id": ids["e"]} and seen.data["g"] == {"id": ids["g"]}
    assert {row["entrantName"] for row in seen.data["c"]["leaderboard"]} == names


async def test_register_through_graphql_starts_a_contest_entry_engagement(arena, make_client):
    contest = await arena.launch()
    worker = await arena.factory.worker()
    client = make_client(await arena.token(worker), on=arena.platform)
    registered = await client.mutate(
        "registerForContest",
        """mutation($input: ContestIdInput!) { registerForContest(input: $input) {
            entry { id status } userErrors { field code message } } }""",
        {"input": {"contestId": gid("Contest", contest.id)}},
    )
    assert registered["entry"]["status"] == "ACTIVE"
    mine = await client.query("""{ me { worker { id } } }""")
    assert mine.data["me"]["worker"]
    stages = await make_client(await arena.token(arena.owner), on=arena.platform).query(
        """query($id: ID!) { node(id: $id) { ... on Project { stages { title model
            ... on Contest { phase guaranteedPool { amount } entries { nodes { entrantName } } } } } } }""",
        {"id": gid("Project", arena.project.id)},
    )
    (stage,) = stages.data["node"]["stages"]
    assert stage == {
        "title": "Logo",
        "model": "contest",
        "phase": "REGISTRATION",
        "guaranteedPool": {"amount": 100_000},
        "entries": {"nodes": [{"entrantName": worker.account.name}]},
    }


async def _statements_for(arena, make_client, count_statements, n: int) -> tuple[int, int]:
    contest = await arena.launch(title=f"Contest {n}", max_submissions_per_entrant=2)
    people = await arena.enter(contest, n)
    arena.clock.advance(days=1)
    await arena.submit_all(contest, people)
    arena.clock.advance(days=1)
    contest = await arena.reload(contest)
    await arena.score_all(contest, [SCORES[i % 3] for i in range(n)])
    arena.clock.advance(days=1)
    contest = await arena.reload(contest)
    arena.clock.advance(days=1)
    contest = await arena.reload(contest)
    assert contest.phase == Phase.WINNERS_ANNOUNCED
    client = make_client(await arena.token(arena.owner), on=arena.platform)
    variables = {"id": gid("Contest", contest.id)}
    count_statements.statements.clear()
    board = await client.query(
        """query($id: ID!) { node(id: $id) { ... on Contest {
            leaderboard { rank entrantName finalScore prize { amount } } } } }""",
        variables,
    )
    assert len(board.data["node"]["leaderboard"]) == n
    leaderboard = len(count_statements.statements)
    count_statements.statements.clear()
    listed = await client.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { entries(first: 100) {
            nodes { entrantName status rank submissions { version } scores { total } awards { amount { amount } } } } } } }""",
        variables,
    )
    assert len(listed.data["node"]["entries"]["nodes"]) == n
    return leaderboard, len(count_statements.statements)


async def test_leaderboard_and_entries_take_a_constant_number_of_statements(
    arena, make_client, count_statements
):
    small = await _statements_for(arena, make_client, count_statements, 10)
    large = await _statements_for(arena, make_client, count_statements, 100)
    assert small == large


async def test_every_entrant_sees_their_own_scores_and_feedback(arena, make_client):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    await arena.to_appeals_with(contest, people, SCORES)
    client = make_client(await arena.token(people[1]), on=arena.platform)
    result = await client.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { myEntry { scores { total feedback } } leaderboard { rank } } } }""",
        {"id": gid("Contest", contest.id)},
    )
    assert result.data["node"] == {
        "myEntry": {"scores": [{"total": 7000, "feedback": "feedback"}]},
        "leaderboard": None,
    }
    assert entries


async def test_results_of_an_open_contest_are_public_once_winners_are_announced(arena, make_client):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    await arena.to_appeals_with(contest, people, SCORES)
    anonymous = make_client(None, on=arena.platform)
    board = """query($id: ID!) { node(id: $id) { ... on Contest { title phase
        leaderboard { rank entrantName prize { amount } } } } }"""
    during_appeals = await anonymous.query(board, {"id": gid("Contest", contest.id)})
    assert during_appeals.data == {"node": None}
    assert (await anonymous.query("{ contests { nodes { title } } }")).data == {
        "contests": {"nodes": []}
    }

    arena.clock.advance(days=2)
    announced = await anonymous.query(board, {"id": gid("Contest", contest.id)})
    node = announced.data["node"]
    assert node["phase"] == "WINNERS_ANNOUNCED"
    assert [(row["rank"], row["prize"]["amount"]) for row in node["leaderboard"]] == [
        (1, 50_000),
        (2, 30_000),
        (3, 20_000),
    ]
    assert node["leaderboard"][0]["entrantName"] == people[0].account.name
    listed = await anonymous.query("{ contests { nodes { title } } }")
    assert listed.data == {"contests": {"nodes": [{"title": "Logo"}]}}
    refused = await anonymous.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { entries { nodes { id } } } } }""",
        {"id": gid("Contest", contest.id)},
    )
    assert refused.codes == ["UNAUTHENTICATED"]
