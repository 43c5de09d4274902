"""Every marketplace mutation and node type, end to end through GraphQL."""

from crowdgraph.plugins.marketplace import exams, offers, onboarding
from crowdgraph.plugins.marketplace.models import Milestone, Pricing, StepKind
from crowdgraph.plugins.marketplace.settings import settings_of
from tests.plugins.marketplace.conftest import gid, python_exam, run

NODE = """query($id: ID!) { node(id: $id) { id __typename } }"""


async def test_a_fixed_contract_runs_through_graphql_from_milestone_to_feedback(
    scene, make_client, market, clock
):
    contract = await scene.contract([("Schema", 30_000), ("Pipeline", 60_000)])
    first, second = await Milestone.filter(contract_id=contract.id).order_by("position")
    owner = make_client(scene.owner.token, on=market)
    worker = make_client(scene.worker.token, on=market)
    admin = make_client(scene.admin.token, on=market)
    ms = "milestone { status releaseAt }"

    submitted = await run(
        worker,
        "submitMarketplaceMilestone",
        "SubmitMarketplaceMilestoneInput",
        ms,
        {"milestoneId": gid("MarketplaceMilestone", first.id), "note": "schema.sql attached"},
    )
    settings = settings_of(market)
    assert submitted["milestone"]["status"] == "SUBMITTED"
    assert submitted["milestone"]["releaseAt"].startswith(
        f"2026-01-{5 + settings.auto_release_days:02d}"
    )
    changes = await run(
        owner,
        "requestMarketplaceMilestoneChanges",
        "RequestMarketplaceMilestoneChangesInput",
        ms,
        {"milestoneId": gid("MarketplaceMilestone", first.id), "feedback": "Add indexes"},
    )
    assert changes["milestone"] == {"status": "CHANGES_REQUESTED", "releaseAt": None}
    await run(
        worker,
        "submitMarketplaceMilestone",
        "SubmitMarketplaceMilestoneInput",
        ms,
        {"milestoneId": gid("MarketplaceMilestone", first.id), "note": "with indexes"},
    )
    approved = await run(
        owner,
        "approveMarketplaceMilestone",
        "MarketplaceMilestoneIdInput",
        ms,
        {"milestoneId": gid("MarketplaceMilestone", first.id)},
    )
    assert approved["milestone"]["status"] == "APPROVED"

    opened = await run(
        worker,
        "openMarketplaceDispute",
        "OpenMarketplaceDisputeInput",
        "dispute { id status openedBy milestoneId }",
        {"milestoneId": gid("MarketplaceMilestone", second.id), "reason": "Client went silent."},
    )
    dispute = opened["dispute"]
    assert (dispute["status"], dispute["openedBy"]) == ("OPEN", "WORKER")
    listed = await admin.query("{ marketplaceDisputes(status: OPEN) { nodes { id } } }")
    assert [d["id"] for d in listed.data["marketplaceDisputes"]["nodes"]] == [dispute["id"]]
    resolved = await run(
        admin,
        "resolveMarketplaceDispute",
        "ResolveMarketplaceDisputeInput",
        "dispute { status outcome workerAmount }",
        {"disputeId": dispute["id"], "outcome": "SPLIT", "workerAmount": 20_000},
    )
    assert resolved["dispute"] == {"status": "RESOLVED", "outcome": "SPLIT", "workerAmount": 20000}

    ended = await run(
        owner,
        "endMarketplaceContract",
        "MarketplaceContractIdInput",
        "contract { status milestones { status } }",
        {"contractId": gid("MarketplaceContract", contract.id)},
    )
    assert ended["contract"] == {
        "status": "ENDED",
        "milestones": [{"status": "APPROVED"}, {"status": "RESOLVED"}],
    }
    rated = await run(
        worker,
        "leaveMarketplaceFeedback",
        "LeaveMarketplaceFeedbackInput",
        "contract { feedback { revealed fromWorker { rating } fromClient { rating } } }",
        {"contractId": gid("MarketplaceContract", contract.id), "rating": 4},
    )
    assert rated["contract"]["feedback"] == {
        "revealed": False,
        "fromWorker": {"rating": 4},
        "fromClient": None,
    }
    reputation = await owner.query(
        "query($w: ID!) { marketplaceReputation(workerId: $w) { rating completedContracts } }",
        {"w": gid("Worker", scene.worker.worker.id)},
    )
    assert reputation.data["marketplaceReputation"] == {"rating": None, "completedContracts": 1}


async def test_hourly_time_is_logged_and_approved_through_graphql(scene, make_client, market):
    job = await scene.job(pricing=Pricing.HOURLY, budget=5_000, weekly_hours_cap=5)
    proposal = await scene.proposal(job, bid=4_000)
    owner = make_client(scene.owner.token, on=market)
    worker = make_client(scene.worker.token, on=market)
    hired = await run(
        owner,
        "hireMarketplaceWorker",
        "HireMarketplaceWorkerInput",
        "contract { id }",
        {"proposalId": gid("MarketplaceProposal", proposal.id)},
    )
    contract_id = hired["contract"]["id"]

    logged = await run(
        worker,
        "logMarketplaceTime",
        "LogMarketplaceTimeInput",
        "timeEntry { id minutes amount { amount } status }",
        {"contractId": contract_id, "workDate": "2026-01-05", "minutes": 45},
    )
    entry = logged["timeEntry"]
    assert (entry["amount"], entry["status"]) == ({"amount": 3000}, "PENDING")
    decided = await run(
        owner,
        "decideMarketplaceTimeEntry",
        "DecideMarketplaceTimeEntryInput",
        "timeEntry { status }",
        {"timeEntryId": entry["id"], "approve": True},
    )
    assert decided["timeEntry"]["status"] == "APPROVED"
    contracts = await worker.query(
        "{ marketplaceContracts { nodes { id timeEntries { minutes status } worker { name } } } }"
    )
    assert contracts.data["marketplaceContracts"]["nodes"][0]["timeEntries"] == [
        {"minutes": 45, "status": "APPROVED"}
    ]


async def test_exams_onboarding_and_offers_are_managed_through_graphql(scene, make_client, market):
    owner = make_client(scene.owner.token, on=market)
    admin = make_client(scene.admin.token, on=market)
    created = await run(
        admin,
        "createMarketplaceExam",
        "CreateMarketplaceExamInput",
        "exam { id title level skill { slug } requirement }",
        {
            "title": "SQL basics",
            "skill": "python",
            "level": 2,
            "timeLimitMinutes": 10,
            "passMark": 50,
            "cooldownHours": 1,
            "questions": [
                {"kind": "CHOICE", "prompt": "2 + 2?", "choices": ["3", "4"], "answerKey": ["1"]}
            ],
        },
    )
    exam = created["exam"]
    assert (exam["level"], exam["skill"]) == (2, {"slug": "python"})
    refused = await run(
        owner,
        "createMarketplaceExam",
        "CreateMarketplaceExamInput",
        "exam { id }",
        {
            "title": "Essay",
            "organizationId": gid("Organization", scene.org.id),
            "skill": "python",
            "timeLimitMinutes": 10,
            "passMark": 50,
            "cooldownHours": 1,
            "questions": [{"kind": "ESSAY", "prompt": "Why?"}],
        },
    )
    assert {e["code"] for e in refused["userErrors"]} == {"NOT_ALLOWED", "NEEDS_MANUAL"}

    step = await run(
        owner,
        "addMarketplaceOnboardingStep",
        "AddMarketplaceOnboardingStepInput",
        "step { id kind examId }",
        {
            "organizationId": gid("Organization", scene.org.id),
            "kind": "SCREENING",
            "title": "Pass SQL basics",
            "examId": exam["id"],
        },
    )
    assert step["step"]["examId"] == exam["id"]
    steps = await owner.query(
        "query($o: ID!) { marketplaceOnboardingSteps(organizationId: $o) { title } }",
        {"o": gid("Organization", scene.org.id)},
    )
    assert steps.data["marketplaceOnboardingSteps"] == [{"title": "Pass SQL basics"}]
    paused = await run(
        make_client(scene.worker.token, on=market),
        "setMarketplaceOfferActive",
        "SetMarketplaceOfferActiveInput",
        "offer { active }",
        {
            "offerId": gid(
                "MarketplaceOffer",
                (
                    await offers.create_offer(
                        scene.worker.actor,
                        offers.OfferDraft("Help", "Any.", Pricing.HOURLY, 1_000, "USD", 1),
                    )
                ).id,
            ),
            "active": False,
        },
    )
    assert paused["offer"] == {"active": False}


async def test_every_marketplace_node_resolves_for_a_party_and_hides_from_strangers(
    scene, make_client, market, factory
):
    exam = await python_exam(scene)
    attempt = await exams.start_attempt(scene.worker.actor, exam.id)
    contract = await scene.contract([("Everything", 90_000)])
    (milestone,) = await Milestone.filter(contract_id=contract.id)
    step = await onboarding.add_step(
        scene.owner.actor, scene.org.id, StepKind.ACCEPT_TERMS, "Terms", "", None
    )
    offer = await offers.create_offer(
        scene.worker.actor, offers.OfferDraft("Help", "Any.", Pricing.HOURLY, 1_000, "USD", 1)
    )
    private = {
        "MarketplaceJob": contract.job_id,
        "MarketplaceProposal": contract.proposal_id,
        "MarketplaceContract": contract.id,
        "MarketplaceMilestone": milestone.id,
        "MarketplaceExamAttempt": attempt.id,
    }
    public = {
        "MarketplaceExam": exam.id,
        "MarketplaceOnboardingStep": step.id,
        "MarketplaceOffer": offer.id,
    }
    worker = make_client(scene.worker.token, on=market)
    stranger = make_client((await factory.worker()).token, on=market)

    for type_name, pk in {**private, **public}.items():
        found = await worker.query(NODE, {"id": gid(type_name, pk)})
        assert found.data["node"] == {"id": gid(type_name, pk), "__typename": type_name}
    for type_name, pk in private.items():
        hidden = await stranger.query(NODE, {"id": gid(type_name, pk)})
        assert hidden.data["node"] is None, type_name


async def test_each_step_of_the_work_leaves_its_event(scene, market):
    from datetime import date

    from crowdgraph.core.models import Event
    from crowdgraph.plugins.marketplace import contracts, disputes, feedback
    from crowdgraph.plugins.marketplace.models import DisputeOutcome

    contract = await scene.contract([("A", 40_000), ("B", 50_000)])
    first, second = await Milestone.filter(contract_id=contract.id).order_by("position")
    await contracts.submit_milestone(scene.worker.actor, first.id, "a", 7)
    await contracts.request_changes(scene.owner.actor, first.id, "again")
    await contracts.approve_milestone(scene.owner.actor, first.id)
    dispute = await disputes.open_dispute(scene.owner.actor, second.id, "Not what we asked.")
    await disputes.resolve_dispute(scene.admin.actor, dispute.id, DisputeOutcome.REFUND, None, "")
    await contracts.end_contract(scene.owner.actor, contract.id, 14)
    await feedback.leave_feedback(scene.owner.actor, contract.id, 3, "")
    job = await scene.job(pricing=Pricing.HOURLY, budget=5_000, weekly_hours_cap=5)
    hourly = await contracts.hire(scene.owner.actor, (await scene.proposal(job, bid=1_000)).id, [])
    entry = await contracts.log_time(scene.worker.actor, hourly.id, date(2026, 1, 5), 30, "")
    await contracts.decide_time_entry(scene.owner.actor, entry.id, approve=False)

    names = set(await Event.filter(name__startswith="marketplace.").values_list("name", flat=True))

    assert {
        "marketplace.job.posted",
        "marketplace.proposal.submitted",
        "marketplace.contract.hired",
        "marketplace.milestone.funded",
        "marketplace.milestone.submitted",
        "marketplace.milestone.changes_requested",
        "marketplace.milestone.approved",
        "marketplace.dispute.opened",
        "marketplace.dispute.resolved",
        "marketplace.contract.ended",
        "marketplace.feedback.left",
        "marketplace.time_entry.logged",
        "marketplace.time_entry.rejected",
    } <= names
    assert await market.deliver_events() == await Event.all().count()


async def test_recommended_jobs_and_reputation_respect_who_may_see_what(
    scene, make_client, market, factory
):
    from crowdgraph.core import skills

    await skills.set_my_skill(scene.worker.actor, "python", 4)
    await scene.job(title="Python please")
    worker = make_client(scene.worker.token, on=market)

    found = await worker.query(
        "{ marketplaceRecommendedJobs { nodes { score reasons job { title } } } }"
    )
    assert found.data["marketplaceRecommendedJobs"]["nodes"] == [
        {
            "score": 18.0,
            "reasons": ["you have python at level 4", "1 of the 1 skills asked"],
            "job": {"title": "Python please"},
        }
    ]
    other_org, _ = await factory.organization()
    employee = await factory.worker(employer=other_org)
    hidden = await worker.query(
        "query($w: ID!) { marketplaceReputation(workerId: $w) { rating } }",
        {"w": gid("Worker", employee.worker.id)},
    )
    assert hidden.codes == ["NOT_FOUND"]


async def test_a_worker_sees_why_they_may_not_apply_and_what_onboarding_is_left(
    scene, make_client, market
):
    exam = await python_exam(scene)
    terms = await onboarding.add_step(
        scene.owner.actor, scene.org.id, StepKind.ACCEPT_TERMS, "Terms", "", None
    )
    await onboarding.add_step(
        scene.owner.actor, scene.org.id, StepKind.ACCEPT_TERMS, "Other", "", None
    )
    job = await scene.job(requirements=[exams.requirement(exam)], onboarding_step_ids=[terms.id])
    worker = make_client(scene.worker.token, on=market)
    job_id = gid("MarketplaceJob", job.id)

    verdict = await worker.query(
        "query($j: ID!) { marketplaceJobEligibility(jobId: $j) { eligible reasons } }",
        {"j": job_id},
    )
    assert verdict.data["marketplaceJobEligibility"] == {
        "eligible": False,
        "reasons": ["needs a pass in the exam 'Python fundamentals'"],
    }
    left = await worker.query(
        "query($j: ID!) { marketplaceJobOnboarding(jobId: $j) { done step { title } } }",
        {"j": job_id},
    )
    assert left.data["marketplaceJobOnboarding"] == [{"done": False, "step": {"title": "Terms"}}]


async def test_invited_workers_find_their_invitations(scene, make_client, market, factory):
    from crowdgraph.plugins.marketplace import proposals

    job = await scene.job(title="Come work with us")
    await proposals.invite_worker(scene.owner.actor, job.id, scene.worker.worker.id, "Hi!")
    query = "{ marketplaceInvitations { nodes { message job { title } } } }"

    mine = await make_client(scene.worker.token, on=market).query(query)
    theirs = await make_client((await factory.worker()).token, on=market).query(query)

    assert mine.data["marketplaceInvitations"]["nodes"] == [
        {"message": "Hi!", "job": {"title": "Come work with us"}}
    ]
    assert theirs.data["marketplaceInvitations"]["nodes"] == []
