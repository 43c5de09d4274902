"""The marketplace as its three people live it, through GraphQL only, and its ledger to the cent.

A requester (Rita) funds an organization, posts a screened job, finds and hires a worker, funds
milestones one at a time, approves, disputes, adds a milestone and ends the contract, then hires the
same worker from an hourly offer. The worker (Wes) passes the screening exam, pitches an offer,
applies, delivers, logs time. The admin curates the skill and the exam and settles the dispute. At
the end every cent is where it should be: each hold is paid out or given back, the worker holds
exactly what was approved, and the budget adds up.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from crowdgraph.testing import PASSWORD, Client
from tests.plugins.marketplace.conftest import run

FUNDS = 500_000


async def ok(client: Client, name: str, input_type: str, fields: str, input: dict[str, Any]):
    """Send a mutation that must succeed; returns its payload."""
    payload = await run(client, name, input_type, fields, input)
    assert payload["userErrors"] == [], (name, payload["userErrors"])
    return payload


async def register(anonymous: Client, name: str, role: str) -> Client:
    signed_up = await ok(
        anonymous,
        "register",
        "RegisterInput",
        "token",
        {
            "email": f"{name.lower()}@example.org",
            "name": name,
            "password": PASSWORD,
            "role": role,
        },
    )
    return anonymous.as_(signed_up["token"])


async def test_a_requester_a_worker_and_an_admin_leave_every_cent_accounted_for(
    market, factory, make_client, clock
):
    admin = make_client((await factory.admin()).token, on=market)
    rita = await register(make_client(on=market), "Rita", "CLIENT")
    wes = await register(make_client(on=market), "Wes", "WORKER")

    # The admin: a skill and the platform exam that verifies it.
    await ok(
        admin,
        "createSkill",
        "CreateSkillInput",
        "skill { slug }",
        {"slug": "python", "name": "Python", "category": "engineering"},
    )
    exam = (
        await ok(
            admin,
            "createMarketplaceExam",
            "CreateMarketplaceExamInput",
            "exam { id requirement }",
            {
                "title": "Python fundamentals",
                "skill": "python",
                "level": 4,
                "timeLimitMinutes": 30,
                "passMark": 60,
                "cooldownHours": 24,
                "questions": [
                    {
                        "kind": "CHOICE",
                        "prompt": "Immutable?",
                        "choices": ["list", "tuple"],
                        "answerKey": ["1"],
                    },
                    {
                        "kind": "SHORT",
                        "prompt": "[x for x in xs] is a list ...?",
                        "answerKey": ["comprehension"],
                    },
                ],
            },
        )
    )["exam"]

    # The worker: a profile, the exam passed, an hourly offer.
    await ok(
        wes,
        "updateWorkerProfile",
        "UpdateWorkerProfileInput",
        "worker { id }",
        {
            "country": "DE",
            "hourlyRate": {"amount": 6_000, "currency": "USD"},
            "availability": "AVAILABLE",
        },
    )
    attempt = (
        await ok(
            wes,
            "startMarketplaceExam",
            "StartMarketplaceExamInput",
            "attempt { id questions { id kind } }",
            {"examId": exam["id"]},
        )
    )["attempt"]
    answers = {"CHOICE": "1", "SHORT": "comprehension"}
    passed = await ok(
        wes,
        "submitMarketplaceExam",
        "SubmitMarketplaceExamInput",
        "attempt { status score }",
        {
            "attemptId": attempt["id"],
            "answers": [
                {"questionId": q["id"], "answer": answers[q["kind"]]} for q in attempt["questions"]
            ],
        },
    )
    assert passed["attempt"] == {"status": "PASSED", "score": 100}
    offer = (
        await ok(
            wes,
            "createMarketplaceOffer",
            "CreateMarketplaceOfferInput",
            "offer { id }",
            {
                "title": "Python help by the hour",
                "description": "Scripts, fixes, reviews.",
                "pricing": "HOURLY",
                "price": 6_000,
                "currency": "USD",
                "deliveryDays": 1,
                "skills": ["python"],
            },
        )
    )["offer"]

    # The requester: an organization, its money (a retried funding counts once), a project.
    org = (
        await ok(
            rita,
            "createOrganization",
            "CreateOrganizationInput",
            "organization { id }",
            {"name": "Northwind", "slug": "northwind", "currency": "USD"},
        )
    )["organization"]
    for _ in range(2):
        await ok(
            rita,
            "fundBudget",
            "FundBudgetInput",
            "budget { funded { amount } }",
            {"organizationId": org["id"], "amount": FUNDS, "idempotencyKey": "invoice-1"},
        )
    project = (
        await ok(
            rita,
            "createProject",
            "CreateProjectInput",
            "project { id }",
            {"organizationId": org["id"], "name": "Data platform", "audience": "EXTERNAL"},
        )
    )["project"]
    job = (
        await ok(
            rita,
            "postMarketplaceJob",
            "PostMarketplaceJobInput",
            "job { id }",
            {
                "projectId": project["id"],
                "title": "Nightly ETL",
                "description": "CSV exports into PostgreSQL every night.",
                "pricing": "FIXED",
                "budget": 120_000,
                "durationDays": 30,
                "skills": ["python"],
                "requirements": [exam["requirement"]],
            },
        )
    )["job"]
    talent = await rita.query(
        """{ marketplaceTalent(filter: {skills: [{slug: "python", verified: true}],
            maxRate: 8000}) { nodes { worker { id name } reasons } } }"""
    )
    (found,) = talent.data["marketplaceTalent"]["nodes"]
    assert found["worker"]["name"] == "Wes"
    assert "hourly rate 60.00 USD within 80.00 USD" in found["reasons"]
    await ok(
        rita,
        "inviteToMarketplaceJob",
        "InviteToMarketplaceJobInput",
        "invitation { worker { name } }",
        {"jobId": job["id"], "workerId": found["worker"]["id"], "message": "Apply, please."},
    )

    # The worker finds the job, may apply, and does.
    recommended = await wes.query("{ marketplaceRecommendedJobs { nodes { job { id } } } }")
    assert [n["job"]["id"] for n in recommended.data["marketplaceRecommendedJobs"]["nodes"]] == [
        job["id"]
    ]
    verdict = await wes.query(
        "query($j: ID!) { marketplaceJobEligibility(jobId: $j) { eligible reasons } }",
        {"j": job["id"]},
    )
    assert verdict.data["marketplaceJobEligibility"] == {"eligible": True, "reasons": []}
    proposal = (
        await ok(
            wes,
            "submitMarketplaceProposal",
            "SubmitMarketplaceProposalInput",
            "proposal { id invited }",
            {
                "jobId": job["id"],
                "coverLetter": "I run nightly imports like this one for a living.",
                "bid": 100_000,
                "timelineDays": 20,
            },
        )
    )["proposal"]
    assert proposal["invited"] is True

    # The requester shortlists and hires, funding the first milestone only.
    await ok(
        rita,
        "decideMarketplaceProposal",
        "DecideMarketplaceProposalInput",
        "proposal { status }",
        {"proposalId": proposal["id"], "decision": "SHORTLISTED"},
    )
    contract = (
        await ok(
            rita,
            "hireMarketplaceWorker",
            "HireMarketplaceWorkerInput",
            "contract { id status milestones { id title status } }",
            {
                "proposalId": proposal["id"],
                "milestones": [
                    {"title": "Schema", "amount": 30_000},
                    {"title": "Pipeline", "amount": 50_000},
                    {"title": "Docs", "amount": 20_000},
                ],
                "fundAllMilestones": False,
            },
        )
    )["contract"]
    schema, pipeline, _ = contract["milestones"]
    assert [m["status"] for m in contract["milestones"]] == ["FUNDED", "PLANNED", "PLANNED"]

    milestone_fields = "milestone { id status }"

    async def milestone(client, name, input_type, input):
        return (await ok(client, name, input_type, milestone_fields, input))["milestone"]

    await milestone(
        wes,
        "submitMarketplaceMilestone",
        "SubmitMarketplaceMilestoneInput",
        {"milestoneId": schema["id"], "note": "schema.sql"},
    )
    await milestone(
        rita,
        "approveMarketplaceMilestone",
        "MarketplaceMilestoneIdInput",
        {"milestoneId": schema["id"]},
    )
    await milestone(
        rita,
        "fundMarketplaceMilestone",
        "MarketplaceMilestoneIdInput",
        {"milestoneId": pipeline["id"]},
    )
    await milestone(
        wes,
        "submitMarketplaceMilestone",
        "SubmitMarketplaceMilestoneInput",
        {"milestoneId": pipeline["id"], "note": "pipeline.py"},
    )
    dispute = (
        await ok(
            rita,
            "openMarketplaceDispute",
            "OpenMarketplaceDisputeInput",
            "dispute { id }",
            {"milestoneId": pipeline["id"], "reason": "It loads only half of the files."},
        )
    )["dispute"]
    support = await milestone(
        rita,
        "addMarketplaceMilestone",
        "AddMarketplaceMilestoneInput",
        {"contractId": contract["id"], "title": "Support", "amount": 5_000, "fund": True},
    )
    assert support["status"] == "FUNDED"

    # The admin settles the dispute: 20,000 to the worker, 30,000 back to the budget.
    listed = await admin.query("{ marketplaceDisputes(status: OPEN) { nodes { id } } }")
    assert [d["id"] for d in listed.data["marketplaceDisputes"]["nodes"]] == [dispute["id"]]
    settled = await ok(
        admin,
        "resolveMarketplaceDispute",
        "ResolveMarketplaceDisputeInput",
        "dispute { paidToWorker { amount currency } }",
        {
            "disputeId": dispute["id"],
            "outcome": "SPLIT",
            "workerAmount": 20_000,
            "note": "Half the files load.",
        },
    )
    assert settled["dispute"]["paidToWorker"] == {"amount": 20_000, "currency": "USD"}

    # The requester ends the contract: Support's escrow returns; Docs was never funded.
    ended = await ok(
        rita,
        "endMarketplaceContract",
        "MarketplaceContractIdInput",
        "contract { status amount { amount } milestones { title status } }",
        {"contractId": contract["id"]},
    )
    assert ended["contract"] == {
        "status": "ENDED",
        "amount": {"amount": 105_000},
        "milestones": [
            {"title": "Schema", "status": "APPROVED"},
            {"title": "Pipeline", "status": "RESOLVED"},
            {"title": "Docs", "status": "PLANNED"},
            {"title": "Support", "status": "REFUNDED"},
        ],
    }
    for client, rating in ((rita, 4), (wes, 5)):
        await ok(
            client,
            "leaveMarketplaceFeedback",
            "LeaveMarketplaceFeedbackInput",
            "contract { id }",
            {"contractId": contract["id"], "rating": rating},
        )

    # Then the requester hires Wes by the hour from his offer; he logs time, part is approved.
    offers = await rita.query("{ marketplaceOffers(filter: {maxPrice: 8000}) { nodes { id } } }")
    assert [o["id"] for o in offers.data["marketplaceOffers"]["nodes"]] == [offer["id"]]
    hourly = (
        await ok(
            rita,
            "hireMarketplaceOffer",
            "HireMarketplaceOfferInput",
            "contract { id status }",
            {"offerId": offer["id"], "projectId": project["id"], "weeklyHoursCap": 5},
        )
    )["contract"]
    assert hourly["status"] == "ACTIVE"
    refused = await run(
        wes,
        "logMarketplaceTime",
        "LogMarketplaceTimeInput",
        "timeEntry { id }",
        {"contractId": hourly["id"], "workDate": "2020-01-06", "minutes": 600},
    )
    assert [e["code"] for e in refused["userErrors"]] == ["BEFORE_CONTRACT_START"]
    today = clock.now().date().isoformat()
    entries = [
        (
            await ok(
                wes,
                "logMarketplaceTime",
                "LogMarketplaceTimeInput",
                "timeEntry { id amount { amount } }",
                {"contractId": hourly["id"], "workDate": today, "minutes": minutes},
            )
        )["timeEntry"]
        for minutes in (90, 60)
    ]
    assert [e["amount"]["amount"] for e in entries] == [9_000, 6_000]
    for entry, approve in zip(entries, (True, False), strict=True):
        await ok(
            rita,
            "decideMarketplaceTimeEntry",
            "DecideMarketplaceTimeEntryInput",
            "timeEntry { status }",
            {"timeEntryId": entry["id"], "approve": approve},
        )
    await ok(
        rita,
        "endMarketplaceContract",
        "MarketplaceContractIdInput",
        "contract { status }",
        {"contractId": hourly["id"]},
    )

    # The ledger, to the cent.
    books = await rita.query(
        """{ organization(slug: "northwind") {
            budget { funded { amount currency } available { amount } held { amount }
                     spent { amount } }
            ledgerEntries(first: 50) { nodes { kind amount { amount currency } source
                                               destination } } } }"""
    )
    organization = books.data["organization"]
    paid = 30_000 + 20_000 + 9_000
    assert organization["budget"] == {
        "funded": {"amount": FUNDS, "currency": "USD"},
        "available": {"amount": FUNDS - paid},
        "held": {"amount": 0},
        "spent": {"amount": paid},
    }
    entries = organization["ledgerEntries"]["nodes"]
    assert {e["amount"]["currency"] for e in entries} == {"USD"}
    assert Counter((e["kind"], e["amount"]["amount"]) for e in entries) == Counter(
        [
            ("fund", FUNDS),
            ("hold", 30_000),  # Schema, at the start
            ("payment", 30_000),  # Schema approved
            ("hold", 50_000),  # Pipeline, funded later
            ("payment", 20_000),  # Pipeline's dispute: the worker's part
            ("release", 30_000),  # ... and the rest back to the budget
            ("hold", 5_000),  # Support, added funded
            ("release", 5_000),  # ... given back when the contract ended
            ("payment", 9_000),  # 90 approved minutes at 60.00 USD an hour
        ]
    )
    balance: Counter[str] = Counter()
    for e in entries:
        balance[e["destination"]] += e["amount"]["amount"]
        balance[e["source"]] -= e["amount"]["amount"]
    holds = {account: left for account, left in balance.items() if ":held:" in account}
    assert len(holds) == 3 and set(holds.values()) == {0}

    # The worker holds exactly what was approved, and an hour's pay is what was agreed.
    mine = await wes.query(
        """{ me { earnings { amount currency }
                  payments(first: 10) { nodes { amount { amount } } }
                  worker { record { earnings { total { amount } hoursWorked
                                               effectiveHourlyPay { amount } } } } }
             engagements(first: 10) { nodes { status hoursWorked pay { amount } } } }"""
    )
    me = mine.data["me"]
    assert me["earnings"] == [{"amount": paid, "currency": "USD"}]
    assert sorted(p["amount"]["amount"] for p in me["payments"]["nodes"]) == [
        9_000,
        20_000,
        30_000,
    ]
    assert me["worker"]["record"]["earnings"] == [
        {"total": {"amount": paid}, "hoursWorked": 1.5, "effectiveHourlyPay": {"amount": 6_000}}
    ]
    assert sorted(
        (e["status"], e["hoursWorked"], (e["pay"] or {}).get("amount"))
        for e in mine.data["engagements"]["nodes"]
    ) == [("COMPLETED", 0.0, 105_000), ("COMPLETED", 1.5, None)]
