"""What the API says about awards, appeals and entrants once a contest is decided."""

from crowdgraph.core.models import Engagement
from crowdgraph.plugins.contest import entries, judging, phases
from crowdgraph.plugins.contest.models import Phase
from tests.plugins.contest.conftest import gid
from tests.plugins.contest.test_phases import SCORES

AWARD = """mutation($input: ContestIdInput!) { awardContest(input: $input) {
    awards { kind place amount { amount } entry { entrantName rank status } }
    userErrors { field code message } } }"""


async def test_each_award_names_the_entry_that_won_it(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    await arena.to_appeals_with(contest, people, SCORES)
    arena.clock.advance(days=2)
    client = await arena.client(arena.owner)
    payload = await client.mutate(
        "awardContest", AWARD, {"input": {"contestId": gid("Contest", contest.id)}}
    )
    assert payload["awards"] == [
        {
            "kind": "PLACE",
            "place": place,
            "amount": {"amount": amount},
            "entry": {"entrantName": person.account.name, "rank": place, "status": "FINISHED"},
        }
        for place, amount, person in zip((1, 2, 3), (50_000, 30_000, 20_000), people, strict=True)
    ]


async def test_a_winner_sees_their_own_award_and_whose_entry_it_is(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    await arena.to_appeals_with(contest, people, SCORES)
    arena.clock.advance(days=2)
    client = await arena.client(people[1])
    result = await client.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { myEntry {
            awards { kind place entry { entrantName } } } } } }""",
        {"id": gid("Contest", contest.id)},
    )
    assert result.data["node"]["myEntry"]["awards"] == [
        {"kind": "PLACE", "place": 2, "entry": {"entrantName": people[1].account.name}}
    ]


async def test_participation_awards_are_their_own_kind_in_the_ledger(arena):
    contest = await arena.launch(
        finalists=2,
        participation_award=500,
        qualifying_ends_at=arena.at(1.5),
        qualifying_review_ends_at=arena.at(1.7),
    )
    people = await arena.enter(contest, 3)
    arena.clock.advance(days=1)
    await arena.submit_all(contest, people)
    arena.clock.advance(hours=12)
    contest = await arena.reload(contest)
    await arena.score_all(contest, SCORES)
    await phases.move_by_organizer(arena.owner.actor, contest, Phase.SUBMISSION)
    owner = await arena.client(arena.owner)
    result = await owner.query(
        """query($slug: String!) { organization(slug: $slug) { ledgerEntries(first: 50) {
            nodes { kind memo amount { amount } } } } }""",
        {"slug": arena.org.slug},
    )
    nodes = result.data["organization"]["ledgerEntries"]["nodes"]
    assert [n for n in nodes if n["kind"] not in ("fund", "hold")] == [
        {"kind": "participation", "memo": "Logo: participation award", "amount": {"amount": 500}},
        {"kind": "participation", "memo": "Logo: participation award", "amount": {"amount": 500}},
    ]
    finalist = await arena.client(people[0])
    mine = await finalist.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { myEntry {
            finalist awards { kind place amount { amount } } } } } }""",
        {"id": gid("Contest", contest.id)},
    )
    assert mine.data["node"]["myEntry"] == {
        "finalist": True,
        "awards": [{"kind": "PARTICIPATION", "place": 0, "amount": {"amount": 500}}],
    }


async def test_an_entrant_who_never_submitted_is_not_left_active_once_winners_are_out(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    silent = await arena.factory.worker()
    await entries.register(silent.actor, contest.id)
    await arena.to_appeals_with(contest, people, SCORES)
    arena.clock.advance(days=2)
    client = await arena.client(silent)
    result = await client.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { phase
            myEntry { status rank awards { kind } } } } }""",
        {"id": gid("Contest", contest.id)},
    )
    assert result.data["node"] == {
        "phase": "WINNERS_ANNOUNCED",
        "myEntry": {"status": "NO_SUBMISSION", "rank": None, "awards": []},
    }
    outcomes = await Engagement.filter(worker_id=silent.worker.id).values_list("status", "outcome")
    assert [(s.value, o) for s, o in outcomes] == [
        ("completed", "not ranked (no judged submission)")
    ]


async def test_an_appeal_gives_its_score_as_an_object_and_keeps_the_deprecated_id(arena):
    contest = await arena.launch()
    people = await arena.enter(contest, 3)
    contest = await arena.to_appeals_with(contest, people, SCORES)
    (mine,) = await judging.my_scores(people[2].actor, contest.id)
    client = await arena.client(people[2])
    filed = await client.mutate(
        "appealContestScore",
        """mutation($input: AppealContestScoreInput!) { appealContestScore(input: $input) {
            appeal { scoreId score { id total feedback } } userErrors { field code message } } }""",
        {"input": {"scoreId": gid("ContestScore", mine.id), "reason": "Craft was overlooked"}},
    )
    assert filed["appeal"] == {
        "scoreId": gid("ContestScore", mine.id),
        "score": {"id": gid("ContestScore", mine.id), "total": 5000, "feedback": "feedback"},
    }
    judge = await arena.client(arena.judge)
    listed = await judge.query(
        """query($id: ID!) { node(id: $id) { ... on Contest { appeals { score { total } } } } }""",
        {"id": gid("Contest", contest.id)},
    )
    assert listed.data["node"]["appeals"] == [{"score": {"total": 5000}}]
    introspected = await judge.query(
        """{ __type(name: "ContestAppeal") { fields(includeDeprecated: true) {
            name isDeprecated deprecationReason } } }"""
    )
    fields = {f["name"]: f for f in introspected.data["__type"]["fields"]}
    assert fields["scoreId"]["isDeprecated"] is True
    assert "score" in fields["scoreId"]["deprecationReason"]
    assert fields["score"]["isDeprecated"] is False
