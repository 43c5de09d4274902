"""A whole contest through the GraphQL API, as docs/api.md tells it: the admin vets a judge, the
organizer funds, drafts, edits and launches, entrants register, submit (twice, with a qualifying
round), appeal and win, the judges score blind, and the ledger accounts for every cent."""

from collections import Counter
from typing import Any

from crowdgraph.core import ledger
from crowdgraph.testing import Client, Person
from tests.plugins.contest.conftest import gid

ERRORS = "userErrors { field code message }"


async def act(client: Client, name: str, input_type: str, selection: str, input: dict) -> Any:
    """Send one mutation that must succeed; returns its payload."""
    query = (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"
    )
    return await client.mutate(name, query, {"input": input})


async def contest_view(client: Client, contest_id: str, selection: str) -> dict:
    result = await client.query(
        f"query($id: ID!) {{ node(id: $id) {{ ... on Contest {{ {selection} }} }} }}",
        {"id": contest_id},
    )
    return result.data["node"]


async def score_all(judge: Client, contest_id: str, scores: dict[str, int]) -> None:
    """The judge scores every submission to judge; ``scores`` by the text of the work (they never
    learn whose it is)."""
    view = await contest_view(
        judge, contest_id, "submissionsToJudge { nodes { id text entry { id } } }"
    )
    nodes = view["submissionsToJudge"]["nodes"]
    assert sorted(n["text"] for n in nodes) == sorted(scores)
    assert all(n["entry"] is None for n in nodes)  # blind
    for node in nodes:
        points = scores[node["text"]]
        await act(
            judge,
            "scoreContestSubmission",
            "ScoreContestSubmissionInput",
            "score { total }",
            {
                "submissionId": node["id"],
                "values": {"Concept": points, "Craft": points},
                "feedback": f"{points} of 10",
            },
        )


async def submit(client: Client, contest_id: str, text: str) -> None:
    await act(
        client,
        "submitToContest",
        "SubmitToContestInput",
        "submission { version }",
        {"contestId": contest_id, "text": text},
    )


async def earned(client: Client) -> int:
    result = await client.query("{ me { earnings { amount currency } } }")
    return sum(e["amount"] for e in result.data["me"]["earnings"])


async def test_a_contest_from_draft_to_winners_accounts_for_every_cent(arena):
    factory, clock = arena.factory, arena.clock
    org, owner = await factory.organization()
    project = await factory.project(owner, org)
    admin, member_judge, skilled_judge = (
        await factory.admin(),
        await factory.manager(org, owner),
        await factory.worker(),
    )
    people: dict[str, Person] = {name: await factory.worker() for name in "ABCDEF"}
    roles = {"owner": owner, "admin": admin, "member": member_judge, "skilled": skilled_judge}
    c = {role: await arena.client(person) for role, person in roles.items()}
    entrant = {name: await arena.client(p) for name, p in people.items()}

    # The admin adds a judging skill and verifies the skilled judge at level 4.
    await act(
        c["admin"],
        "createSkill",
        "CreateSkillInput",
        "skill { slug }",
        {"slug": "logo-judging", "name": "Logo judging", "category": "design"},
    )
    await act(
        c["admin"],
        "verifyWorkerSkill",
        "VerifyWorkerSkillInput",
        "workerSkill { level verified }",
        {"workerId": gid("Worker", skilled_judge.worker.id), "skill": "logo-judging", "level": 4},
    )

    # The organizer funds the budget, drafts the contest, adds a member judge and edits the draft.
    funded = await act(
        c["owner"],
        "fundBudget",
        "FundBudgetInput",
        "budget { available { amount } }",
        {
            "organizationId": gid("Organization", org.id),
            "amount": 200_000,
            "idempotencyKey": "po-1",
        },
    )
    assert funded["budget"]["available"]["amount"] == 200_000
    created = await act(
        c["owner"],
        "createContest",
        "CreateContestInput",
        "contest { id phase guaranteedPool { amount } }",
        {
            "projectId": gid("Project", project.id),
            "title": "Logo",
            "brief": "A logo for Acme",
            "prizes": [60_000, 30_000, 20_000],
            "criteria": [{"name": "Concept", "weight": 1}, {"name": "Craft", "weight": 1}],
            "registrationEndsAt": arena.at(1).isoformat(),
            "qualifyingEndsAt": arena.at(2).isoformat(),
            "qualifyingReviewEndsAt": arena.at(3).isoformat(),
            "submissionEndsAt": arena.at(4).isoformat(),
            "reviewEndsAt": arena.at(5).isoformat(),
            "appealsEndsAt": arena.at(6).isoformat(),
            "honorableMentions": 1,
            "honorableMentionAmount": 1_000,
            "finalists": 4,
            "participationAward": 700,
            "passingScore": 6000,
            "judgeFee": 2_000,
            "judgeSkill": "logo-judging",
        },
    )
    contest_id = created["contest"]["id"]
    assert created["contest"]["guaranteedPool"]["amount"] == 111_000
    judge_input = {"contestId": contest_id, "email": member_judge.account.email}
    await act(c["owner"], "addContestJudge", "AddContestJudgeInput", "contest { id }", judge_input)
    edited = await act(
        c["owner"],
        "editContestDraft",
        "EditContestDraftInput",
        "contest { phase guaranteedPool { amount } judgeFee { amount } }",
        {"contestId": contest_id, "prizes": [50_000, 30_000, 20_000], "judgeFee": 2_500},
    )
    assert edited["contest"] == {
        "phase": "DRAFT",
        "guaranteedPool": {"amount": 101_000},
        "judgeFee": {"amount": 2_500},
    }

    # Launch holds the prizes, the mention, four participation awards and the judge's fee.
    launched = await act(
        c["owner"],
        "moveContestPhase",
        "MoveContestPhaseInput",
        "contest { phase }",
        {"contestId": contest_id, "to": "REGISTRATION"},
    )
    assert launched["contest"]["phase"] == "REGISTRATION"
    held_at_launch = 101_000 + 4 * 700 + 2_500
    budget = await ledger.budget(owner.actor, org.id)
    assert (budget.held, budget.available) == (held_at_launch, 200_000 - held_at_launch)
    refused = await c["owner"].query(
        """mutation($input: EditContestDraftInput!) { editContestDraft(input: $input) {
            userErrors { field code } } }""",
        {"input": {"contestId": contest_id, "title": "Too late"}},
    )
    assert refused.data["editContestDraft"]["userErrors"] == [
        {"field": "contestId", "code": "WRONG_PHASE"}
    ]
    # A skilled worker judges too: their fee is held when they are added.
    judge_input = {"contestId": contest_id, "email": skilled_judge.account.email}
    await act(c["owner"], "addContestJudge", "AddContestJudgeInput", "contest { id }", judge_input)

    # Six workers register; F changes their mind.
    for client in entrant.values():
        await act(
            client,
            "registerForContest",
            "ContestIdInput",
            "entry { status }",
            {"contestId": contest_id},
        )
    await act(
        entrant["F"],
        "withdrawFromContest",
        "ContestIdInput",
        "entry { status }",
        {"contestId": contest_id},
    )

    # Qualifying round: A to D submit, E never does; both judges score blind.
    clock.advance(days=1)
    for name in "ABCD":
        await submit(entrant[name], contest_id, f"sketch {name}")
    clock.advance(days=1)
    qualifying = {"sketch A": 9, "sketch B": 7, "sketch C": 6, "sketch D": 5}
    for judge in ("member", "skilled"):
        await score_all(c[judge], contest_id, qualifying)
    moved = await act(
        c["owner"],
        "moveContestPhase",
        "MoveContestPhaseInput",
        "contest { phase round }",
        {"contestId": contest_id, "to": "SUBMISSION"},
    )
    assert moved["contest"] == {"phase": "SUBMISSION", "round": 2}

    # Final round: A and B submit, finalist C does not; D was not picked.
    await submit(entrant["A"], contest_id, "final A")
    await submit(entrant["B"], contest_id, "final B")
    late = await entrant["D"].query(
        """mutation($input: SubmitToContestInput!) { submitToContest(input: $input) {
            userErrors { code message } } }""",
        {"input": {"contestId": contest_id, "text": "final D"}},
    )
    assert late.data["submitToContest"]["userErrors"] == [
        {"code": "ENTRY_CLOSED", "message": "your entry is ELIMINATED: it takes no work"}
    ]
    clock.advance(days=2)
    for judge in ("member", "skilled"):
        await score_all(c[judge], contest_id, {"final A": 9, "final B": 7})
    await act(
        c["owner"],
        "moveContestPhase",
        "MoveContestPhaseInput",
        "contest { phase }",
        {"contestId": contest_id, "to": "APPEALS"},
    )

    # B appeals one score; the judge who gave it raises it.
    mine = await contest_view(entrant["B"], contest_id, "myEntry { scores { id total } }")
    assert [s["total"] for s in mine["myEntry"]["scores"]] == [7000] * 4  # both rounds
    final_scores = mine["myEntry"]["scores"][2:]
    appealed = await act(
        entrant["B"],
        "appealContestScore",
        "AppealContestScoreInput",
        "appeal { id score { id total } }",
        {"scoreId": final_scores[0]["id"], "reason": "The craft deserves a second look"},
    )
    assert appealed["appeal"]["score"] == final_scores[0]
    (answering,) = [
        judge
        for judge in ("member", "skilled")
        if (await contest_view(c[judge], contest_id, "appeals { id }"))["appeals"]
    ]
    answered = await act(
        c[answering],
        "answerContestAppeal",
        "AnswerContestAppealInput",
        "appeal { status totalBefore totalAfter score { total } }",
        {
            "appealId": appealed["appeal"]["id"],
            "answer": "Agreed",
            "values": {"Concept": 8, "Craft": 8},
        },
    )
    assert answered["appeal"] == {
        "status": "ACCEPTED",
        "totalBefore": 7000,
        "totalAfter": 8000,
        "score": {"total": 8000},
    }

    # After the appeals window the organizer announces the winners.
    clock.advance(days=2)
    awarded = await act(
        c["owner"],
        "awardContest",
        "ContestIdInput",
        "contest { phase } awards { kind place amount { amount } entry { entrantName } }",
        {"contestId": contest_id},
    )
    # Place 3 and the mention found no one: their 21,000 is split between the two winners.
    assert awarded["contest"]["phase"] == "WINNERS_ANNOUNCED"
    assert [
        (a["kind"], a["place"], a["amount"]["amount"], a["entry"]["entrantName"])
        for a in awarded["awards"]
        if a["kind"] == "PLACE"
    ] == [
        ("PLACE", 1, 60_500, people["A"].account.name),
        ("PLACE", 2, 40_500, people["B"].account.name),
    ]
    statuses = {}
    for name, client in entrant.items():
        view = await contest_view(client, contest_id, "myEntry { status rank finalist }")
        statuses[name] = tuple(view["myEntry"].values())
    assert statuses == {
        "A": ("FINISHED", 1, True),
        "B": ("FINISHED", 2, True),
        "C": ("NO_SUBMISSION", None, True),
        "D": ("ELIMINATED", 4, False),
        "E": ("ELIMINATED", None, False),
        "F": ("WITHDRAWN", None, False),
    }
    board = await contest_view(
        await arena.client(None), contest_id, "leaderboard { rank entrantName prize { amount } }"
    )
    assert board["leaderboard"] == [
        {"rank": 1, "entrantName": people["A"].account.name, "prize": {"amount": 60_500}},
        {"rank": 2, "entrantName": people["B"].account.name, "prize": {"amount": 40_500}},
    ]

    # The admin audits the organization's money: every hold, payment and refund, to the cent.
    audit = await c["admin"].query(
        """query($slug: String!) { organization(slug: $slug) {
            budget { funded { amount } available { amount } held { amount } spent { amount } }
            ledgerEntries(first: 100) { nodes { kind amount { amount currency } } } } }""",
        {"slug": org.slug},
    )
    books = audit.data["organization"]
    entries = Counter((n["kind"], n["amount"]["amount"]) for n in books["ledgerEntries"]["nodes"])
    assert {n["amount"]["currency"] for n in books["ledgerEntries"]["nodes"]} == {"USD"}
    assert entries == Counter(
        {
            ("fund", 200_000): 1,
            ("hold", held_at_launch): 1,  # prizes, mention, participation, the member judge
            ("hold", 2_500): 1,  # the judge added after the launch
            ("participation", 700): 3,  # finalists A, B and C
            ("judge_fee", 2_500): 2,
            ("prize", 60_500): 1,
            ("prize", 40_500): 1,
            ("release", 700): 1,  # the fourth finalist's participation award: nobody qualified
        }
    )
    spent = 3 * 700 + 2 * 2_500 + 60_500 + 40_500
    assert books["budget"] == {
        "funded": {"amount": 200_000},
        "available": {"amount": 200_000 - spent},
        "held": {"amount": 0},
        "spent": {"amount": spent},
    }
    assert held_at_launch + 2_500 == spent + 700  # every held cent paid or given back

    paid = {name: await earned(client) for name, client in entrant.items()}
    assert paid == {"A": 60_500 + 700, "B": 40_500 + 700, "C": 700, "D": 0, "E": 0, "F": 0}
    assert [await earned(c[j]) for j in ("member", "skilled")] == [2_500, 2_500]
    listed = await c["admin"].query("{ contests { nodes { id phase } } }")
    assert {"id": contest_id, "phase": "WINNERS_ANNOUNCED"} in listed.data["contests"]["nodes"]
