"""Editing a draft contest through the GraphQL API, and what launch then holds."""

import asyncio
from datetime import datetime

from crowdgraph.core import ledger
from crowdgraph.core.models import Event
from crowdgraph.plugins.contest import contests
from crowdgraph.plugins.contest.models import Contest
from tests.plugins.contest.conftest import FUNDS, gid

EDIT = """mutation($input: EditContestDraftInput!) { editContestDraft(input: $input) {
    contest { title brief phase guaranteedPool { amount currency } prizes { place amount { amount } }
      honorableMentions honorableMentionAmount { amount } maxEntrants
      scorecard { criteria { name weight } scale passingScore }
      deadlines { registrationEndsAt submissionEndsAt reviewEndsAt appealsEndsAt } }
    userErrors { field code message } } }"""
MOVE = """mutation($input: MoveContestPhaseInput!) { moveContestPhase(input: $input) {
    contest { phase } userErrors { field code message } } }"""


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def _draft(arena) -> Contest:
    return await contests.create_contest(
        arena.owner.actor, arena.project.id, arena.draft(max_entrants=40)
    )


async def test_an_organizer_edits_a_draft_and_the_launch_holds_the_edited_pool_to_the_cent(arena):
    draft = await _draft(arena)
    client = await arena.client(arena.owner)
    edited = await client.mutate(
        "editContestDraft",
        EDIT,
        {
            "input": {
                "contestId": gid("Contest", draft.id),
                "title": "  Logo, round two ",
                "brief": "Draw a friendlier logo",
                "prizes": [40_001, 25_000],
                "honorableMentions": 1,
                "honorableMentionAmount": 999,
                "criteria": [{"name": "Idea", "weight": 2}, {"name": "Finish", "weight": 1}],
                "scale": 5,
                "passingScore": 4000,
                "maxEntrants": None,
                "registrationEndsAt": iso(arena.at(2)),
                "submissionEndsAt": iso(arena.at(3)),
                "reviewEndsAt": iso(arena.at(4)),
                "appealsEndsAt": iso(arena.at(5)),
            }
        },
    )
    contest = edited["contest"]
    assert contest["title"] == "Logo, round two"
    assert contest["brief"] == "Draw a friendlier logo"
    assert contest["phase"] == "DRAFT"
    assert contest["prizes"] == [
        {"place": 1, "amount": {"amount": 40_001}},
        {"place": 2, "amount": {"amount": 25_000}},
    ]
    assert contest["guaranteedPool"] == {"amount": 66_000, "currency": "USD"}
    assert contest["maxEntrants"] is None
    assert contest["scorecard"] == {
        "criteria": [{"name": "Idea", "weight": 2}, {"name": "Finish", "weight": 1}],
        "scale": 5,
        "passingScore": 4000,
    }
    assert contest["deadlines"]["registrationEndsAt"].startswith(arena.at(2).date().isoformat())
    budget = await ledger.budget(arena.owner.actor, arena.org.id)
    assert (budget.held, budget.available) == (0, FUNDS)  # a draft holds nothing

    await contests.add_judge(arena.owner.actor, draft.id, arena.judge.account.email)
    launched = await client.mutate(
        "moveContestPhase",
        MOVE,
        {"input": {"contestId": gid("Contest", draft.id), "to": "REGISTRATION"}},
    )
    assert launched["contest"]["phase"] == "REGISTRATION"
    budget = await ledger.budget(arena.owner.actor, arena.org.id)
    assert (budget.held, budget.available) == (66_000, FUNDS - 66_000)
    (event,) = await Event.filter(name="contest.contest.edited").values_list("payload", flat=True)
    assert event["fields"] == sorted(
        [
            "appealsEndsAt",
            "brief",
            "criteria",
            "honorableMentionAmount",
            "honorableMentions",
            "maxEntrants",
            "passingScore",
            "prizes",
            "registrationEndsAt",
            "reviewEndsAt",
            "scale",
            "submissionEndsAt",
            "title",
        ]
    )


async def test_fields_left_out_of_an_edit_keep_their_values(arena):
    draft = await _draft(arena)
    client = await arena.client(arena.owner)
    edited = await client.mutate(
        "editContestDraft",
        EDIT,
        {"input": {"contestId": gid("Contest", draft.id), "title": "Mascot"}},
    )
    contest = edited["contest"]
    assert contest["title"] == "Mascot"
    assert contest["brief"] == "Draw a logo"
    assert contest["maxEntrants"] == 40
    assert contest["guaranteedPool"]["amount"] == 100_000


async def test_a_launched_contest_cannot_be_edited_and_stays_as_it_was(arena):
    contest = await Contest.get(id=(await arena.launch()).id)
    client = await arena.client(arena.owner)
    result = await client.query(
        EDIT,
        {"input": {"contestId": gid("Contest", contest.id), "title": "Late", "prizes": [1]}},
    )
    payload = result.data["editContestDraft"]
    assert payload["contest"] is None
    assert payload["userErrors"] == [
        {
            "field": "contestId",
            "code": "WRONG_PHASE",
            "message": "editing the contest is not possible now: the contest is in its "
            f"REGISTRATION phase until {contest.registration_ends_at.isoformat()}; "
            "only a DRAFT contest can be edited",
        }
    ]
    row = await Contest.get(id=contest.id)
    assert (row.title, row.prizes) == ("Logo", [50_000, 30_000, 20_000])
    budget = await ledger.budget(arena.owner.actor, arena.org.id)
    assert budget.held == 100_000


async def test_an_edit_is_checked_like_a_new_contest_and_writes_nothing_when_refused(arena):
    draft = await _draft(arena)
    client = await arena.client(arena.owner)
    result = await client.query(
        EDIT,
        {
            "input": {
                "contestId": gid("Contest", draft.id),
                "title": None,
                "prizes": [100, 200],
                "submissionEndsAt": iso(arena.at(0.5)),
            }
        },
    )
    payload = result.data["editContestDraft"]
    assert payload["contest"] is None
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("title", "REQUIRED"),
        ("prizes", "NOT_DESCENDING"),
        ("submissionEndsAt", "OUT_OF_ORDER"),
    }
    row = await Contest.get(id=draft.id)
    assert (row.title, row.prizes, row.submission_ends_at) == (
        "Logo",
        [50_000, 30_000, 20_000],
        draft.submission_ends_at,
    )
    assert not await Event.filter(name="contest.contest.edited").exists()


async def test_only_the_organizations_managers_edit_its_drafts(arena):
    draft = await _draft(arena)
    worker = await arena.factory.worker()
    client = await arena.client(worker)
    result = await client.query(
        EDIT, {"input": {"contestId": gid("Contest", draft.id), "title": "Mine now"}}
    )
    assert result.codes == ["NOT_FOUND"]
    assert (await Contest.get(id=draft.id)).title == "Logo"


async def test_an_edit_racing_the_launch_never_leaves_a_hold_unlike_the_prize_table(arena):
    for attempt in range(3):
        draft = await contests.create_contest(
            arena.owner.actor, arena.project.id, arena.draft(title=f"Race {attempt}")
        )
        await contests.add_judge(arena.owner.actor, draft.id, arena.judge.account.email)
        client = await arena.client(arena.owner)
        contest_id = gid("Contest", draft.id)
        edited, launched = await asyncio.gather(
            client.query(EDIT, {"input": {"contestId": contest_id, "prizes": [70_000, 7]}}),
            client.query(MOVE, {"input": {"contestId": contest_id, "to": "REGISTRATION"}}),
        )
        assert launched.data["moveContestPhase"]["userErrors"] == []
        row = await Contest.get(id=draft.id)
        held = await ledger.balance(ledger.held(arena.org.id, f"contest:{draft.id}"))
        assert held == sum(row.prizes)
        if edited.data["editContestDraft"]["userErrors"]:
            assert row.prizes == [50_000, 30_000, 20_000]
        else:
            assert row.prizes == [70_000, 7]
