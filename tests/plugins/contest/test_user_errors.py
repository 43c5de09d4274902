"""userErrors of the contest mutations: fields are paths into the input, phases named as the API
shows them, money as the organization sees it."""

from crowdgraph.core import ledger
from crowdgraph.plugins.contest import contests, entries
from crowdgraph.plugins.contest.models import Contest
from tests.plugins.contest.conftest import FUNDS, gid

MOVE = """mutation($input: MoveContestPhaseInput!) { moveContestPhase(input: $input) {
    contest { phase } userErrors { field code message } } }"""
ADD_JUDGE = """mutation($input: AddContestJudgeInput!) { addContestJudge(input: $input) {
    contest { id } userErrors { field code message } } }"""


async def _move(arena, contest_id: int, to: str) -> dict:
    client = await arena.client(arena.owner)
    result = await client.query(
        MOVE, {"input": {"contestId": gid("Contest", contest_id), "to": to}}
    )
    return result.data["moveContestPhase"]


async def test_a_refused_phase_move_names_the_phases_as_the_api_shows_them(arena):
    contest = await arena.launch()
    payload = await _move(arena, contest.id, "SUBMISSION")
    assert payload["userErrors"] == [
        {
            "field": "to",
            "code": "PHASE_RULE",
            "message": "the organizer cannot move a contest from REGISTRATION to SUBMISSION; "
            "allowed now: CANCELLED (cancel before any submission; releases the pool)",
        }
    ]


async def test_a_judge_added_too_late_is_told_the_phase_as_the_api_shows_it(arena):
    contest = await arena.launch()
    (person,) = await arena.enter(contest, 1)
    arena.clock.advance(days=1)
    await entries.submit(person.actor, contest.id, entries.Work(text="x"))
    arena.clock.advance(days=1)
    late = await arena.factory.worker()
    client = await arena.client(arena.owner)
    result = await client.query(
        ADD_JUDGE,
        {"input": {"contestId": gid("Contest", contest.id), "email": late.account.email}},
    )
    assert result.data["addContestJudge"]["userErrors"] == [
        {
            "field": "contestId",
            "code": "PHASE_RULE",
            "message": "judges can be added until the REVIEW phase starts "
            "(the contest is in its REVIEW phase)",
        }
    ]


async def test_a_launch_beyond_the_budget_names_the_contest_and_the_available_balance(arena):
    draft = await contests.create_contest(
        arena.owner.actor, arena.project.id, arena.draft(prizes=[1_500_000, 500_025])
    )
    await contests.add_judge(arena.owner.actor, draft.id, arena.judge.account.email)
    payload = await _move(arena, draft.id, "REGISTRATION")
    assert payload == {
        "contest": None,
        "userErrors": [
            {
                "field": "contestId",
                "code": "INSUFFICIENT_FUNDS",
                "message": "launching the contest holds its prize pool and judges' fees: "
                "the organization's available balance is 10,000.00 USD; "
                "20,000.25 USD is needed",
            }
        ],
    }
    assert (await Contest.get(id=draft.id)).phase == "draft"
    budget = await ledger.budget(arena.owner.actor, arena.org.id)
    assert (budget.available, budget.held) == (FUNDS, 0)


async def test_a_judges_fee_beyond_the_budget_names_the_judge_field(arena):
    contest = await arena.launch(prizes=[FUNDS - 5_000], judge_fee=5_000)
    assert (await ledger.budget(arena.owner.actor, arena.org.id)).available == 0
    second = await arena.factory.worker()
    client = await arena.client(arena.owner)
    result = await client.query(
        ADD_JUDGE,
        {"input": {"contestId": gid("Contest", contest.id), "email": second.account.email}},
    )
    assert result.data["addContestJudge"]["userErrors"] == [
        {
            "field": "email",
            "code": "INSUFFICIENT_FUNDS",
            "message": "a judge added after the launch is paid from the prize pool's hold: "
            "the organization's available balance is 0.00 USD; 50.00 USD is needed",
        }
    ]


async def test_a_launch_after_registration_would_have_ended_names_an_input_field(arena):
    draft = await contests.create_contest(arena.owner.actor, arena.project.id, arena.draft())
    await contests.add_judge(arena.owner.actor, draft.id, arena.judge.account.email)
    arena.clock.advance(days=1.5)
    payload = await _move(arena, draft.id, "REGISTRATION")
    (error,) = payload["userErrors"]
    assert (error["field"], error["code"]) == ("contestId", "IN_THE_PAST")
    assert "editContestDraft" in error["message"]
