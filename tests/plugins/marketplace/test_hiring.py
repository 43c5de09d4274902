import pytest

from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.core.models import Audience, Event
from crowdgraph.plugins.marketplace import contracts, jobs, proposals
from crowdgraph.plugins.marketplace.models import JobStatus, Pricing, ProposalStatus
from tests.plugins.marketplace.conftest import gid, run

JOB_FIELDS = "job { id title status pricing budget { amount currency } weeklyHoursCap }"


async def test_an_organization_posts_a_job_a_worker_applies_and_is_hired(
    scene, make_client, market
):
    owner = make_client(scene.owner.token, on=market)
    worker = make_client(scene.worker.token, on=market)

    posted = await run(
        owner,
        "postMarketplaceJob",
        "PostMarketplaceJobInput",
        JOB_FIELDS,
        {
            "projectId": gid("Project", scene.project.id),
            "title": "Data cleaning",
            "description": "Clean three years of sales data.",
            "pricing": "HOURLY",
            "budget": 5_000,
            "weeklyHoursCap": 10,
            "durationDays": 30,
            "skills": ["python"],
        },
    )
    job = posted["job"]
    assert posted["userErrors"] == []
    assert (job["status"], job["budget"], job["weeklyHoursCap"]) == (
        "OPEN",
        {"amount": 5000, "currency": "USD"},
        10,
    )
    listed = await worker.query("{ marketplaceJobs { nodes { id title organization { name } } } }")
    assert [j["id"] for j in listed.data["marketplaceJobs"]["nodes"]] == [job["id"]]

    applied = await run(
        worker,
        "submitMarketplaceProposal",
        "SubmitMarketplaceProposalInput",
        "proposal { id status bid { amount } job { title } worker { name } }",
        {
            "jobId": job["id"],
            "coverLetter": "I clean data for a living, with pandas and SQL.",
            "bid": 4_500,
            "timelineDays": 14,
        },
    )
    proposal = applied["proposal"]
    assert (proposal["status"], proposal["bid"]["amount"]) == ("SUBMITTED", 4500)
    shortlisted = await run(
        owner,
        "decideMarketplaceProposal",
        "DecideMarketplaceProposalInput",
        "proposal { status }",
        {"proposalId": proposal["id"], "decision": "SHORTLISTED"},
    )
    assert shortlisted["proposal"]["status"] == "SHORTLISTED"
    hired = await run(
        owner,
        "hireMarketplaceWorker",
        "HireMarketplaceWorkerInput",
        "contract { id status pricing amount { amount } engagementId job { status } }",
        {"proposalId": proposal["id"]},
    )
    contract = hired["contract"]
    assert (contract["status"], contract["pricing"], contract["job"]["status"]) == (
        "ACTIVE",
        "HOURLY",
        "FILLED",
    )

    engagement = await worker.query(
        """query($id: ID!) { node(id: $id) { ... on Engagement { model status
            detail { model ... on MarketplaceContract { title amount { amount } } } } } }""",
        {"id": contract["engagementId"]},
    )
    assert engagement.data["node"] == {
        "model": "marketplace",
        "status": "ACTIVE",
        "detail": {"model": "marketplace", "title": "Data cleaning", "amount": {"amount": 4500}},
    }
    stages = await owner.query(
        """query($id: ID!) { node(id: $id) { ... on Project { stages { id title model
            ... on MarketplaceJob { status } } } } }""",
        {"id": gid("Project", scene.project.id)},
    )
    assert stages.data["node"]["stages"] == [
        {"id": job["id"], "title": "Data cleaning", "model": "marketplace", "status": "FILLED"}
    ]
    names = set(await Event.filter(name__startswith="marketplace.").values_list("name", flat=True))
    assert {
        "marketplace.job.posted",
        "marketplace.proposal.submitted",
        "marketplace.proposal.shortlisted",
        "marketplace.proposal.hired",
        "marketplace.contract.hired",
        "marketplace.contract.started",
    } <= names


async def test_an_invalid_job_is_refused_with_every_problem_named(scene, make_client, market):
    owner = make_client(scene.owner.token, on=market)

    refused = await run(
        owner,
        "postMarketplaceJob",
        "PostMarketplaceJobInput",
        "job { id }",
        {
            "projectId": gid("Project", scene.project.id),
            "title": " ",
            "description": "x",
            "pricing": "HOURLY",
            "budget": 0,
            "durationDays": 10,
            "skills": ["cobol"],
        },
    )

    assert refused["job"] is None
    assert {(e["field"], e["code"]) for e in refused["userErrors"]} == {
        ("title", "TOO_SHORT"),
        ("budget", "OUT_OF_RANGE"),
        ("weeklyHoursCap", "REQUIRED"),
    }


async def test_workers_outside_the_audience_neither_see_nor_apply(scene, factory):
    job = await scene.job(audience=Audience.INTERNAL)
    outsider = await factory.worker()

    with pytest.raises(Exception, match="no such job"):
        await scene.proposal(job, worker=outsider)
    employee = await factory.worker(employer=scene.org)
    assert (await scene.proposal(job, worker=employee)).job_id == job.id


async def test_an_ineligible_worker_cannot_propose_through_graphql(scene, make_client, market):
    job = await scene.job(
        requirements=[{"kind": "skill", "skill": "python", "min_level": 4, "verified": True}]
    )
    worker = make_client(scene.worker.token, on=market)

    result = await worker.query(
        """mutation($input: SubmitMarketplaceProposalInput!) { submitMarketplaceProposal(input: $input) {
            proposal { id } userErrors { code } } }""",
        {
            "input": {
                "jobId": gid("MarketplaceJob", job.id),
                "coverLetter": "I would love to work on this with you.",
                "bid": 1000,
                "timelineDays": 3,
            }
        },
    )

    assert result.codes == ["FORBIDDEN"]
    assert "needs verified skill python at level 4" in result.errors[0]["message"]
    assert not await proposals.Proposal.exists()


async def test_an_invitation_needs_an_eligible_worker_and_marks_the_proposal(scene, factory):
    job = await scene.job(requirements=[{"kind": "country", "countries": ["DE"]}])
    abroad = await factory.worker(country="FR")

    with pytest.raises(InvalidInput, match="open to workers in DE only"):
        await proposals.invite_worker(scene.owner.actor, job.id, abroad.worker.id, "")
    await proposals.invite_worker(scene.owner.actor, job.id, scene.worker.worker.id, "Apply!")
    proposal = await scene.proposal(job)

    assert proposal.invited is True


async def test_a_declined_worker_may_not_be_hired_and_a_closed_job_takes_no_proposals(scene):
    job = await scene.job()
    proposal = await scene.proposal(job)
    await proposals.decide_proposal(scene.owner.actor, proposal.id, ProposalStatus.DECLINED)

    with pytest.raises(InvalidInput, match="declined cannot become hired"):
        await contracts.hire(scene.owner.actor, proposal.id, [])
    await jobs.set_job_status(scene.owner.actor, job.id, JobStatus.CLOSED)
    with pytest.raises(InvalidInput, match="the job is closed"):
        await scene.proposal(job)


async def test_only_the_organization_hires(scene, factory):
    job = await scene.job()
    proposal = await scene.proposal(job)
    _, stranger = await factory.organization()

    with pytest.raises(Exception, match="no such proposal"):
        await contracts.hire(stranger.actor, proposal.id, [])
    with pytest.raises(Forbidden):
        await contracts.hire(scene.worker.actor, proposal.id, [])


async def test_milestones_must_add_up_to_the_bid(scene):
    job = await scene.job(pricing=Pricing.FIXED)
    proposal = await scene.proposal(job, bid=90_000)

    with pytest.raises(
        InvalidInput, match=r"add up to the price of 900\.00 USD \(got 450\.00 USD\)"
    ):
        await contracts.hire(
            scene.owner.actor, proposal.id, [contracts.MilestonePlan("Half", 45_000)]
        )


async def test_the_job_list_costs_the_same_statements_for_10_and_100_jobs(
    scene, make_client, market, count_statements
):
    client = make_client(scene.owner.token, on=market)
    query = """{ marketplaceJobs(first: 100) { nodes { id title budget { amount }
        organization { name } } } }"""
    await client.query("{ me { email } }")  # the token's first use writes last_used_at
    counts = []
    posted = 0
    for total in (10, 100):
        for _ in range(total - posted):
            await scene.job()
        posted = total
        count_statements.statements.clear()
        result = await client.query(query)
        assert len(result.data["marketplaceJobs"]["nodes"]) == total
        counts.append(len(count_statements.statements))

    assert counts[0] == counts[1]


async def test_a_proposal_to_a_closed_job_is_told_the_job_is_not_open(
    scene, factory, make_client, market
):
    closed = await scene.job()
    await jobs.set_job_status(scene.owner.actor, closed.id, JobStatus.CLOSED)
    internal = await scene.job(audience=Audience.INTERNAL)
    await jobs.set_job_status(scene.owner.actor, internal.id, JobStatus.CLOSED)
    worker = make_client(scene.worker.token, on=market)

    async def propose(job):
        return await worker.query(
            """mutation($input: SubmitMarketplaceProposalInput!) {
                submitMarketplaceProposal(input: $input) {
                    proposal { id } userErrors { field code message } } }""",
            {
                "input": {
                    "jobId": gid("MarketplaceJob", job.id),
                    "coverLetter": "I would love to work on this with you.",
                    "bid": 1000,
                    "timelineDays": 3,
                }
            },
        )

    refused = (await propose(closed)).data["submitMarketplaceProposal"]
    assert refused == {
        "proposal": None,
        "userErrors": [{"field": "jobId", "code": "JOB_NOT_OPEN", "message": "the job is closed"}],
    }
    # A closed job the worker could never have seen stays unknown to them.
    assert (await propose(internal)).codes == ["NOT_FOUND"]
    assert not await proposals.Proposal.exists()


async def test_an_invitation_names_the_invited_worker_as_an_object(scene, make_client, market):
    job = await scene.job()
    await proposals.invite_worker(scene.owner.actor, job.id, scene.worker.worker.id, "Apply!")
    owner = make_client(scene.owner.token, on=market)

    found = await owner.query(
        "{ marketplaceInvitations { nodes { worker { id name } workerId message } } }"
    )

    worker_id = gid("Worker", scene.worker.worker.id)
    assert found.data["marketplaceInvitations"]["nodes"] == [
        {
            "worker": {"id": worker_id, "name": scene.worker.account.name},
            "workerId": worker_id,
            "message": "Apply!",
        }
    ]
    fields = await owner.query(
        '{ __type(name: "MarketplaceInvitation") { fields(includeDeprecated: true) '
        "{ name isDeprecated } } }"
    )
    deprecated = {f["name"] for f in fields.data["__type"]["fields"] if f["isDeprecated"]}
    assert deprecated == {"workerId"}
