"""One worker across models, one organization's workforce, skills in demand, and learning with a mentor."""

import random
from datetime import date

import pytest

from crowdgraph.core import skills
from crowdgraph.core.models import Audience, Engagement, Project
from crowdgraph.plugins.marketplace import contracts, jobs, proposals
from crowdgraph.plugins.marketplace.models import Pricing
from crowdgraph.plugins.microtask import batches, review, work
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.schema.relay import to_global_id

LABELS = {"kind": "label", "labels": ["cat", "dog"]}
MONDAY = date(2026, 1, 5)


class GoldFirst(random.Random):
    """Serves gold whenever a batch has gold left (claims draw below the gold rate)."""

    def random(self) -> float:
        return 0.0


GOLD_FIRST = GoldFirst()

RECORD = """query($id: ID!) { node(id: $id) { ... on Worker { record {
    activity { model engagements completed active }
    facts { model kind value text }
    earnings { total { amount currency } hoursWorked effectiveHourlyPay { amount } }
    earningsByModel { model pay { total { amount } hoursWorked effectiveHourlyPay { amount } } }
} } } }"""

WORKFORCE = """query($id: ID!) { node(id: $id) { ... on Organization { workforce {
    spendByModel { model spent { amount } }
    workers
    members { worker { id } models engagements pay { total { amount } hoursWorked
        effectiveHourlyPay { amount } } windowHours windowPaid { amount } warning warnings }
    classificationWarnings { worker { id } warning warnings }
    limits { hours earnings { amount } windowDays }
} } } }"""


@pytest.fixture
async def world(make_platform, factory, clock):
    """A worker paid for two gold micro-task answers (60 s each) and 90 logged minutes of a job."""
    platform = await make_platform(plugins=["microtask", "contest", "marketplace"])
    admin = await factory.admin()
    await skills.create_skill(admin.actor, "python", "Python", "engineering")
    org, owner = await factory.organization(funds=500_000)
    project = await factory.project(owner, org)
    worker = await factory.worker()
    other = await factory.worker()
    await skills.set_my_skill(worker.actor, "python", 4)
    config = Config.of(platform)
    batch = await batches.create_batch(
        owner.actor,
        config,
        project.id,
        BatchFields(title="Pets", answer_spec=LABELS, reward=50, overlap=1, gold_rate=0.5),
    )
    gold = [{"input": {"image": f"g{i}"}, "gold": "cat"} for i in range(2)]
    await batches.add_tasks(owner.actor, config, batch.id, gold)
    await batches.add_tasks(owner.actor, config, batch.id, [{"input": {"image": "open"}}])
    await batches.open_batch(owner.actor, batch.id)
    for answer in ("cat", "dog"):
        assignment = await work.claim_next(worker.actor, batch.id, rng=GOLD_FIRST)
        clock.advance(seconds=60)
        await work.submit(worker.actor, config, assignment.id, answer)
        await review.approve(owner.actor, config, assignment.id)
    job = await jobs.post_job(
        owner.actor,
        jobs.JobDraft(
            project_id=project.id,
            title="ETL",
            description="Nightly CSV to PostgreSQL.",
            pricing=Pricing.HOURLY,
            budget=20_000,
            duration_days=30,
            skills=["python"],
            weekly_hours_cap=10,
        ),
    )
    proposal = await proposals.submit_proposal(
        worker.actor, job.id, "I have built many pipelines like it.", 6_000, 5
    )
    contract = await contracts.hire(owner.actor, proposal.id, [])
    clock.advance(days=1)
    entry = await contracts.log_time(worker.actor, contract.id, MONDAY, 90, "Pipeline")
    await contracts.decide_time_entry(owner.actor, entry.id, approve=True)
    return platform, org, owner, worker, other, admin


def gid(kind, pk):
    return to_global_id(kind, pk)


async def test_a_worker_record_spans_every_model_and_shows_earnings_only_to_them(world, client_as):
    _, _, _, worker, other, admin = world
    mine = await client_as(worker).query(RECORD, {"id": gid("Worker", worker.worker.id)})
    record = mine.data["node"]["record"]
    assert record["activity"] == [
        {"model": "marketplace", "engagements": 1, "completed": 0, "active": 1},
        {"model": "microtask", "engagements": 2, "completed": 2, "active": 0},
    ]
    facts = {(f["model"], f["kind"]): f for f in record["facts"]}
    assert facts[("microtask", "gold_accuracy")]["value"] == 0.5
    assert facts[("microtask", "gold_accuracy")]["text"] == "50% on 2 gold tasks"
    assert facts[("microtask", "approval_rate")]["value"] == 1.0
    # 2 x 50 for 120 s of answers is 3,000 an hour; 9,000 for 90 logged minutes is 6,000 an hour.
    (total,) = record["earnings"]
    assert total["total"] == {"amount": 9_100, "currency": "USD"}
    assert total["hoursWorked"] == round(5520 / 3600, 2)
    assert total["effectiveHourlyPay"] == {"amount": 9_100 * 3600 // 5520}
    by_model = {m["model"]: m["pay"][0] for m in record["earningsByModel"]}
    assert by_model["microtask"]["effectiveHourlyPay"] == {"amount": 3_000}
    assert by_model["marketplace"]["effectiveHourlyPay"] == {"amount": 6_000}

    seen = await client_as(other).query(RECORD, {"id": gid("Worker", worker.worker.id)})
    theirs = seen.data["node"]["record"]
    assert theirs["earnings"] is None and theirs["earningsByModel"] is None
    assert theirs["facts"] == record["facts"]
    by_admin = await client_as(admin).query(RECORD, {"id": gid("Worker", worker.worker.id)})
    assert by_admin.data["node"]["record"]["earnings"] == record["earnings"]


async def test_the_workforce_view_shows_spend_pay_and_classification_warnings(world, client_as):
    _, org, owner, worker, _, _ = world
    client = client_as(owner)
    view = (await client.query(WORKFORCE, {"id": gid("Organization", org.id)})).data["node"]
    workforce = view["workforce"]
    assert workforce["spendByModel"] == [
        {"model": "marketplace", "spent": {"amount": 9_000}},
        {"model": "microtask", "spent": {"amount": 100}},
    ]
    (member,) = workforce["members"]
    assert member["worker"]["id"] == gid("Worker", worker.worker.id)
    assert member["models"] == ["marketplace", "microtask"]
    assert (member["engagements"], member["pay"]["total"]["amount"]) == (3, 9_100)
    assert member["warning"] is None and workforce["classificationWarnings"] == []

    limits = await client.query(
        """mutation($input: SetClassificationLimitsInput!) { setClassificationLimits(input: $input) {
            userErrors { field code message } } }""",
        {"input": {"organizationId": gid("Organization", org.id), "hours": 1, "earnings": 10_000}},
    )
    assert limits.data["setClassificationLimits"]["userErrors"] == []
    view = (await client.query(WORKFORCE, {"id": gid("Organization", org.id)})).data["node"]
    (warned,) = view["workforce"]["classificationWarnings"]
    assert warned["warning"] == "CROSSED"
    assert warned["warnings"] == [
        "crossed: 1.5 hours in 365 days (limit 1)",
        "approaching: 9100 paid in 365 days (limit 10000)",
    ]
    assert view["workforce"]["limits"] == {
        "hours": 1,
        "earnings": {"amount": 10_000},
        "windowDays": 365,
    }

    bad = await client.query(
        """mutation($input: SetClassificationLimitsInput!) { setClassificationLimits(input: $input) {
            userErrors { field code message } } }""",
        {"input": {"organizationId": gid("Organization", org.id), "hours": 0, "windowDays": 2}},
    )
    assert [e["field"] for e in bad.data["setClassificationLimits"]["userErrors"]] == [
        "hours",
        "windowDays",
    ]
    stranger = await client_as(worker).query(WORKFORCE, {"id": gid("Organization", org.id)})
    assert stranger.codes == ["FORBIDDEN"], stranger.body


async def test_skills_in_demand_weigh_open_work_against_verified_workers(world, client_as):
    _, org, owner, worker, _, admin = world
    query = """query($id: ID!) { node(id: $id) { ... on Organization { skillsInDemand {
        skill { slug } minLevel openWork openings verifiedWorkers workersPerOpening } } } }"""
    assert (await client_as(owner).query(query, {"id": gid("Organization", org.id)})).data["node"][
        "skillsInDemand"
    ] == []  # the one job was filled
    project = await Project.get(organization_id=org.id)
    await jobs.post_job(
        owner.actor,
        jobs.JobDraft(
            project_id=project.id,
            title="Data model",
            description="Design our warehouse schema.",
            pricing=Pricing.FIXED,
            budget=50_000,
            duration_days=20,
            skills=["python"],
            requirements=[{"kind": "skill", "skill": "python", "min_level": 3}],
        ),
    )
    before = await client_as(owner).query(query, {"id": gid("Organization", org.id)})
    (python,) = before.data["node"]["skillsInDemand"]
    assert python == {
        "skill": {"slug": "python"},
        "minLevel": 3,
        "openWork": 1,
        "openings": 1,
        "verifiedWorkers": 0,
        "workersPerOpening": 0.0,
    }
    await skills.verify_skill(admin.actor, worker.worker.id, "python", 4)
    after = await client_as(owner).query(query, {"id": gid("Organization", org.id)})
    assert after.data["node"]["skillsInDemand"][0]["verifiedWorkers"] == 1


async def test_a_mentor_follows_and_comments_on_a_mentees_learning_work(
    make_platform, factory, client_as
):
    await make_platform(plugins=["microtask"])
    org, owner = await factory.organization(funds=10_000)
    project = await factory.project(owner, org, audience=Audience.INTERNAL)
    mentee = await factory.worker(employer=org)
    mentor = await factory.worker(employer=org)
    outsider = await factory.worker()
    mark = """mutation($input: MarkLearningOpportunityInput!) { markLearningOpportunity(input: $input) {
        project { learning mentor { name } } userErrors { field code message } } }"""
    wide = await factory.project(owner, org, audience=Audience.BOTH)
    refused = await client_as(owner).query(
        mark, {"input": {"projectId": gid("Project", wide.id), "mentorEmail": mentor.account.email}}
    )
    (error,) = refused.data["markLearningOpportunity"]["userErrors"]
    assert (error["field"], error["code"]) == ("projectId", "NOT_INTERNAL")
    stranger = await client_as(owner).query(
        mark,
        {"input": {"projectId": gid("Project", project.id), "mentorEmail": outsider.account.email}},
    )
    assert stranger.data["markLearningOpportunity"]["userErrors"][0]["code"] == "NOT_ELIGIBLE"
    marked = await client_as(owner).query(
        mark,
        {"input": {"projectId": gid("Project", project.id), "mentorEmail": mentor.account.email}},
    )
    assert marked.data["markLearningOpportunity"]["project"] == {
        "learning": True,
        "mentor": {"name": mentor.account.name},
    }

    listed = await client_as(mentee).query("{ learningOpportunities { nodes { name } } }")
    assert listed.data["learningOpportunities"]["nodes"] == [{"name": project.name}]
    assert (await client_as(outsider).query("{ learningOpportunities { nodes { name } } }")).data[
        "learningOpportunities"
    ]["nodes"] == []

    engagement = await Engagement.create(
        worker_id=mentee.worker.id,
        organization_id=org.id,
        project_id=project.id,
        model="microtask",
        status="active",
        currency="USD",
        detail_type="MicrotaskAssignment",
        detail_id="1",
        title="First labels",
        created_at=project.created_at,
        updated_at=project.created_at,
    )
    comment = """mutation($input: CommentOnEngagementInput!) { commentOnEngagement(input: $input) {
        comment { authorName text } userErrors { field code message } } }"""
    said = await client_as(mentor).query(
        comment,
        {"input": {"engagementId": gid("Engagement", engagement.id), "text": "Zoom in first."}},
    )
    assert said.data["commentOnEngagement"]["comment"] == {
        "authorName": mentor.account.name,
        "text": "Zoom in first.",
    }
    await client_as(mentee).query(
        comment, {"input": {"engagementId": gid("Engagement", engagement.id), "text": "Will do!"}}
    )
    empty = await client_as(mentee).query(
        comment, {"input": {"engagementId": gid("Engagement", engagement.id), "text": "  "}}
    )
    assert empty.data["commentOnEngagement"]["userErrors"][0]["field"] == "text"
    nosy = await client_as(outsider).query(
        comment, {"input": {"engagementId": gid("Engagement", engagement.id), "text": "Hi"}}
    )
    assert nosy.codes == ["NOT_FOUND"]

    thread = """query($id: ID!) { node(id: $id) { ... on Engagement { title
        comments { authorName text } } } }"""
    followed = await client_as(mentor).query(thread, {"id": gid("Engagement", engagement.id)})
    assert followed.data["node"]["comments"] == [
        {"authorName": mentor.account.name, "text": "Zoom in first."},
        {"authorName": mentee.account.name, "text": "Will do!"},
    ]
    mine = await client_as(mentor).query("{ engagements { nodes { title } } }")
    assert mine.data["engagements"]["nodes"] == [{"title": "First labels"}]
    hidden = await client_as(outsider).query(thread, {"id": gid("Engagement", engagement.id)})
    assert hidden.data["node"] is None

    opened = await client_as(owner).query(
        """mutation($input: UpdateProjectInput!) { updateProject(input: $input) {
            userErrors { field code } } }""",
        {"input": {"projectId": gid("Project", project.id), "audience": "BOTH"}},
    )
    assert opened.data["updateProject"]["userErrors"] == [
        {"field": "audience", "code": "LEARNING_IS_INTERNAL"}
    ]
