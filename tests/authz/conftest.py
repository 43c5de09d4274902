"""The world of the authorization matrix: two organizations, six callers, and A's work of every kind."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from crowdgraph.config import GraphQLSettings
from crowdgraph.core import accounts, skills
from crowdgraph.core.models import (
    ApiToken,
    Engagement,
    LedgerEntry,
    Organization,
    TokenKind,
)
from crowdgraph.core.runtime import SettableClock
from crowdgraph.platform import Platform
from crowdgraph.plugins.contest import contests, entries, judging, phases
from crowdgraph.plugins.contest.models import ContestEntry, ContestSubmission, Phase
from crowdgraph.plugins.marketplace import (
    contracts,
    disputes,
    exams,
    jobs,
    offers,
    onboarding,
    proposals,
)
from crowdgraph.plugins.marketplace.models import (
    ExamQuestion,
    Job,
    Milestone,
    Pricing,
    QuestionKind,
    StepKind,
)
from crowdgraph.plugins.microtask import batches, review, work
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Task
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client, Factory, Person, PlatformFactory
from crowdgraph.webhooks import service as webhooks
from crowdgraph.webhooks.models import Delivery
from crowdgraph.webhooks.service import WebhookSettings
from tests.authz.rules import CALLERS, Caller

SECRET_TEXTS = {
    "answer": "SECRET-ANSWER-of-the-worker",
    "entry": "SECRET-ENTRY-of-the-worker",
    "cover": "SECRET-COVER-of-the-worker, I have built many pipelines",
    "milestone": "SECRET-MILESTONE-of-the-worker",
    "dispute": "SECRET-DISPUTE-reason",
    "exam_key": "SECRET-EXAM-KEY",
    "exam_answer": "SECRET-EXAM-ANSWER-of-the-worker",
    "invitation": "SECRET-INVITATION-message",
    "webhook": "https://hooks.example.com/SECRET-WEBHOOK-of-a",
    "task": "SECRET-TASK-INPUT-of-a",
    "feedback": "SECRET-JUDGE-FEEDBACK-to-the-worker",
    "appeal": "SECRET-APPEAL-of-the-worker",
}
"""Distinctive strings written into A's private objects; the leak scan looks for them in every answer."""


@dataclass
class World:
    platform: Platform
    people: dict[Caller, Person]
    org: Organization
    clock: SettableClock
    ids: dict[str, str]
    """An object of A (or of A's worker) per GraphQL type name: its global ID."""
    more: dict[str, str] = field(default_factory=dict)
    """Further objects of A the mutations act on, by a short name: their global IDs."""
    secrets: dict[str, str] = field(default_factory=dict)
    """rules.SECRETS' names -> the private text the world wrote."""

    def token(self, caller: Caller) -> str | None:
        return None if caller == "anonymous" else self.people[caller].token

    def gid(self, type_name: str) -> str:
        return self.ids[type_name]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The world has a dozen accounts: real scrypt with a small cost keeps each test fast."""
    monkeypatch.setattr(accounts, "SCRYPT", {"n": 2**4, "r": 8, "p": 1})


def gid(type_name: str, pk: int) -> str:
    return str(to_global_id(type_name, pk))


def contest_draft(clock: SettableClock) -> contests.ContestDraft:
    """A one-prize contest whose phases end one day after another from now."""
    return contests.ContestDraft(
        title="Logo",
        brief="Draw a logo",
        prizes=[50_000],
        criteria=[{"name": "Concept", "weight": 1}],
        registration_ends_at=clock.now() + timedelta(days=1),
        submission_ends_at=clock.now() + timedelta(days=2),
        review_ends_at=clock.now() + timedelta(days=3),
        appeals_ends_at=clock.now() + timedelta(days=4),
    )


@pytest.fixture
async def world(make_platform: PlatformFactory, factory: Factory, clock: SettableClock) -> World:
    # Generated selection sets are wide: the limits on aliases, tokens and selections are not
    # under test here.
    platform = await make_platform(
        graphql=GraphQLSettings(max_aliases=1_000, max_tokens=100_000, max_selections=100_000)
    )
    admin = await factory.admin()
    org, owner = await factory.organization(funds=1_000_000)
    other_org, other_owner = await factory.organization(funds=1_000_000)
    worker, other_worker = await factory.worker(), await factory.worker()
    assert worker.worker is not None
    profile = worker.worker
    people: dict[Caller, Person] = {
        "worker": worker,
        "other_worker": other_worker,
        "org_member": owner,
        "other_org_member": other_owner,
        "admin": admin,
    }
    assert set(people) | {"anonymous"} == set(CALLERS)
    skill = await skills.create_skill(admin.actor, "python", "Python", "engineering")
    await skills.set_my_skill(worker.actor, "python", 4)
    project = await factory.project(owner, org)
    await factory.project(other_owner, other_org)
    ids: dict[str, str] = {
        "Organization": gid("Organization", org.id),
        "Project": gid("Project", project.id),
        "Skill": gid("Skill", skill.id),
        "Worker": gid("Worker", profile.id),
        "Account": gid("Account", worker.account.id),
    }
    token = await ApiToken.filter(account_id=worker.account.id).first()
    assert token is not None
    ids["ApiToken"] = gid("ApiToken", token.id)

    # Microtask: the worker answers one of A's tasks, is approved and paid.
    config = Config.of(platform)
    batch = await batches.create_batch(
        owner.actor,
        config,
        project.id,
        BatchFields(
            title="Transcribe", answer_spec={"kind": "text"}, reward=25, overlap=1, max_overlap=1
        ),
    )
    await batches.add_tasks(
        owner.actor, config, batch.id, [{"input": {"text": SECRET_TEXTS["task"]}}]
    )
    batch = await batches.open_batch(owner.actor, batch.id)
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    await work.submit(worker.actor, config, assignment.id, SECRET_TEXTS["answer"])
    await review.approve(owner.actor, config, assignment.id)
    task = await Task.get(batch_id=batch.id)
    ids |= {
        "MicrotaskBatch": gid("MicrotaskBatch", batch.id),
        "MicrotaskTask": gid("MicrotaskTask", task.id),
        "MicrotaskAssignment": gid("MicrotaskAssignment", assignment.id),
    }

    # Marketplace: an offer, a job, the worker's proposal, a contract with a disputed milestone.
    offer = await offers.create_offer(
        worker.actor,
        offers.OfferDraft("Pipelines", "I build them", Pricing.FIXED, 50_000, "USD", 7, ["python"]),
    )
    step = await onboarding.add_step(
        owner.actor, org.id, StepKind.ACCEPT_TERMS, "Our terms", "Be nice", None
    )
    await onboarding.complete_step(worker.actor, step.id, "yes")
    exam = await exams.create_exam(
        owner.actor,
        exams.ExamDraft(
            title="Our check",
            questions=[
                exams.QuestionDraft(
                    QuestionKind.SHORT, "Name it", answer_key=[SECRET_TEXTS["exam_key"]], points=1
                )
            ],
            time_limit_minutes=30,
            pass_mark=50,
            cooldown_hours=0,
            organization_id=org.id,
        ),
    )
    attempt = await exams.start_attempt(worker.actor, exam.id)
    question = await ExamQuestion.get(exam_id=exam.id)
    attempt = await exams.submit_attempt(
        worker.actor, attempt.id, {question.id: SECRET_TEXTS["exam_answer"]}
    )
    job = await jobs.post_job(
        owner.actor,
        jobs.JobDraft(
            project_id=project.id,
            title="Build an ETL pipeline",
            description="Nightly CSV to PostgreSQL.",
            pricing=Pricing.FIXED,
            budget=100_000,
            duration_days=30,
            skills=["python"],
        ),
    )
    invitation = await proposals.invite_worker(
        owner.actor,
        job.id,
        profile.id,
        SECRET_TEXTS["invitation"],
    )
    assert invitation is not None
    proposal = await proposals.submit_proposal(
        worker.actor, job.id, SECRET_TEXTS["cover"], 90_000, 20
    )
    contract = await contracts.hire(
        owner.actor,
        proposal.id,
        [contracts.MilestonePlan("Draft", 40_000), contracts.MilestonePlan("Final", 50_000)],
    )
    first, second = await Milestone.filter(contract_id=contract.id).order_by("position")
    await contracts.submit_milestone(worker.actor, first.id, SECRET_TEXTS["milestone"], 14)
    dispute = await disputes.open_dispute(worker.actor, first.id, SECRET_TEXTS["dispute"])
    hourly_job = await jobs.post_job(
        owner.actor,
        jobs.JobDraft(
            project_id=project.id,
            title="Hourly help",
            description="Ongoing maintenance.",
            pricing=Pricing.HOURLY,
            budget=5_000,
            duration_days=30,
            weekly_hours_cap=10,
            skills=["python"],
        ),
    )
    hourly_proposal = await proposals.submit_proposal(
        worker.actor, hourly_job.id, "Happy to help with the nightly jobs.", 5_000, 30
    )
    hourly = await contracts.hire(owner.actor, hourly_proposal.id, [])
    time_entry = await contracts.log_time(
        worker.actor, hourly.id, clock.now().date(), 60, "Fixed the nightly job"
    )
    ids |= {
        "MarketplaceOffer": gid("MarketplaceOffer", offer.id),
        "MarketplaceOnboardingStep": gid("MarketplaceOnboardingStep", step.id),
        "MarketplaceExam": gid("MarketplaceExam", exam.id),
        "MarketplaceExamAttempt": gid("MarketplaceExamAttempt", attempt.id),
        "MarketplaceJob": gid("MarketplaceJob", job.id),
        "MarketplaceProposal": gid("MarketplaceProposal", proposal.id),
        "MarketplaceContract": gid("MarketplaceContract", contract.id),
        "MarketplaceMilestone": gid("MarketplaceMilestone", first.id),
        "MarketplaceDispute": gid("MarketplaceDispute", dispute.id),
        "MarketplaceTimeEntry": gid("MarketplaceTimeEntry", time_entry.id),
    }

    # Webhooks: an endpoint of A with a delivery.
    endpoint = await webhooks.register_endpoint(
        owner.actor, org.id, SECRET_TEXTS["webhook"], ["*"], "ours", WebhookSettings()
    )
    await platform.deliver_events()
    delivery = await Delivery.filter(endpoint_id=endpoint.id).first()
    assert delivery is not None
    ids |= {
        "WebhookEndpoint": gid("WebhookEndpoint", endpoint.id),
        "WebhookDelivery": gid("WebhookDelivery", delivery.id),
    }

    # Contest: the worker registers and submits (the clock moves the phases on).
    contest = await contests.create_contest(owner.actor, project.id, contest_draft(clock))
    judge, second_judge = await factory.worker(), await factory.worker()
    for someone in (judge, second_judge):
        await contests.add_judge(owner.actor, contest.id, someone.account.email)
    contest = await phases.move_by_organizer(owner.actor, contest, Phase.REGISTRATION)
    await entries.register(worker.actor, contest.id)
    clock.advance(days=1)
    await contests.get_contest(owner.actor, contest.id)  # a read moves the phase on
    await entries.submit(worker.actor, contest.id, entries.Work(text=SECRET_TEXTS["entry"]))
    entry = await ContestEntry.get(contest_id=contest.id)
    submission = await ContestSubmission.get(entry_id=entry.id)
    # The judge scores it in review; the worker appeals the score.
    clock.advance(days=1)
    await contests.get_contest(owner.actor, contest.id)
    score = await judging.score(
        judge.actor, submission.id, {"Concept": 3}, SECRET_TEXTS["feedback"]
    )
    unappealed = await judging.score(second_judge.actor, submission.id, {"Concept": 4}, "Fine.")
    contest = await contests.get_contest(owner.actor, contest.id)
    await phases.move_by_organizer(owner.actor, contest, Phase.APPEALS)
    appeal = await judging.appeal(worker.actor, score.id, SECRET_TEXTS["appeal"])
    # A second contest, open for registration, that the worker has entered.
    open_contest = await contests.create_contest(owner.actor, project.id, contest_draft(clock))
    await contests.add_judge(owner.actor, open_contest.id, judge.account.email)
    await phases.move_by_organizer(owner.actor, open_contest, Phase.REGISTRATION)
    await entries.register(worker.actor, open_contest.id)
    ids |= {
        "Contest": gid("Contest", contest.id),
        "ContestEntry": gid("ContestEntry", entry.id),
        "ContestSubmission": gid("ContestSubmission", submission.id),
        "ContestScore": gid("ContestScore", score.id),
        "ContestAppeal": gid("ContestAppeal", appeal.id),
    }

    # A third contest, taking submissions, that the worker has entered (the clock moves two hours).
    soon = dataclasses.replace(
        contest_draft(clock), registration_ends_at=clock.now() + timedelta(hours=1)
    )
    submitting = await contests.create_contest(owner.actor, project.id, soon)
    await contests.add_judge(owner.actor, submitting.id, judge.account.email)
    await phases.move_by_organizer(owner.actor, submitting, Phase.REGISTRATION)
    await entries.register(worker.actor, submitting.id)
    clock.advance(hours=2)
    assert (await contests.get_contest(owner.actor, submitting.id)).phase == Phase.SUBMISSION

    # A fourth contest run to its end in hours: winners announced, awards paid (the clock moves 5 h).
    hour = timedelta(hours=1)
    quick = dataclasses.replace(
        contest_draft(clock),
        registration_ends_at=clock.now() + hour,
        submission_ends_at=clock.now() + 2 * hour,
        review_ends_at=clock.now() + 3 * hour,
        appeals_ends_at=clock.now() + 4 * hour,
    )
    finished = await contests.create_contest(owner.actor, project.id, quick)
    await contests.add_judge(owner.actor, finished.id, judge.account.email)
    await phases.move_by_organizer(owner.actor, finished, Phase.REGISTRATION)
    await entries.register(worker.actor, finished.id)
    clock.advance(hours=1)
    await contests.get_contest(owner.actor, finished.id)
    await entries.submit(worker.actor, finished.id, entries.Work(text="A quick logo."))
    clock.advance(hours=1)
    await contests.get_contest(owner.actor, finished.id)
    quick_submission = await ContestSubmission.get(contest_id=finished.id)
    await judging.score(judge.actor, quick_submission.id, {"Concept": 8}, "Good.")
    clock.advance(hours=3)
    finished = await contests.get_contest(owner.actor, finished.id)
    assert finished.phase == Phase.WINNERS_ANNOUNCED

    # More of A's micro-task work for the mutation matrix (last: the clock has stopped moving): a draft batch, and the worker's answers
    # in every state a mutation acts on (claimed, submitted, rejected, appealed).
    draft = await batches.create_batch(
        owner.actor,
        config,
        project.id,
        BatchFields(
            title="Draft", answer_spec={"kind": "text"}, reward=5, overlap=1, max_overlap=1
        ),
    )
    review_batch = await batches.create_batch(
        owner.actor,
        config,
        project.id,
        BatchFields(
            title="Review", answer_spec={"kind": "text"}, reward=10, overlap=1, max_overlap=1
        ),
    )
    await batches.add_tasks(
        owner.actor, config, review_batch.id, [{"input": {"text": f"line {i}"}} for i in range(6)]
    )
    await batches.open_batch(owner.actor, review_batch.id)
    held = []
    for _ in range(6):
        claimed = await work.claim_next(worker.actor, review_batch.id)
        assert claimed is not None
        held.append(claimed)
    for answered in held[2:]:
        await work.submit(worker.actor, config, answered.id, "typed")
    for rejected in held[4:]:
        await review.reject(owner.actor, config, rejected.id, "Please check the spelling.")
    await review.appeal(worker.actor, config, held[5].id, "The spelling matches the image.")

    # More of A's marketplace work for the mutation matrix: open jobs, the worker's proposals, a
    # contract with two submitted milestones, a contract to end, an exam attempt under way.
    async def open_job(title: str, pricing: Pricing = Pricing.FIXED) -> Job:
        return await jobs.post_job(
            owner.actor,
            jobs.JobDraft(
                project_id=project.id,
                title=title,
                description="More work to do.",
                pricing=pricing,
                budget=20_000,
                duration_days=10,
                weekly_hours_cap=5 if pricing == Pricing.HOURLY else None,
                skills=["python"],
            ),
        )

    cover = "I have done this kind of work many times."
    to_close, to_invite = await open_job("To close"), await open_job("To invite to")
    proposed = {
        name: await proposals.submit_proposal(
            worker.actor, (await open_job(name)).id, cover, 10_000, 5
        )
        for name in ("withdraw", "decide", "hire", "milestones")
    }
    end_job = await open_job("To end", Pricing.HOURLY)
    to_end = await contracts.hire(
        owner.actor,
        (await proposals.submit_proposal(worker.actor, end_job.id, cover, 5_000, 5)).id,
        [],
    )
    staged = await contracts.hire(
        owner.actor,
        proposed.pop("milestones").id,
        [contracts.MilestonePlan("One", 5_000), contracts.MilestonePlan("Two", 5_000)],
    )
    to_change, to_dispute = await Milestone.filter(contract_id=staged.id).order_by("position")
    for milestone in (to_change, to_dispute):
        await contracts.submit_milestone(worker.actor, milestone.id, "Done, please look.", 14)
    second_exam = await exams.create_exam(
        owner.actor,
        exams.ExamDraft(
            title="Second check",
            questions=[exams.QuestionDraft(QuestionKind.SHORT, "Name it", answer_key=["it"])],
            time_limit_minutes=30,
            pass_mark=50,
            cooldown_hours=0,
            organization_id=org.id,
        ),
    )
    under_way = await exams.start_attempt(worker.actor, second_exam.id)
    writing = await exams.create_exam(
        owner.actor,
        exams.ExamDraft(
            title="Writing check",
            questions=[exams.QuestionDraft(QuestionKind.ESSAY, "Explain a pipeline to a client")],
            time_limit_minutes=30,
            pass_mark=50,
            cooldown_hours=0,
            organization_id=org.id,
            manual=True,
        ),
    )
    to_grade = await exams.start_attempt(worker.actor, writing.id)
    essay = await ExamQuestion.get(exam_id=writing.id)
    to_grade = await exams.submit_attempt(
        worker.actor, to_grade.id, {essay.id: "First I ask what the data is for."}
    )
    # A contract that waits for onboarding, which the worker has since done: ready to start.
    gate = await onboarding.add_step(
        owner.actor, org.id, StepKind.ACCEPT_TERMS, "Gate terms", "Read them", None
    )
    gated_job = await jobs.post_job(
        owner.actor,
        jobs.JobDraft(
            project_id=project.id,
            title="Gated",
            description="Work behind our onboarding.",
            pricing=Pricing.FIXED,
            budget=20_000,
            duration_days=10,
            skills=["python"],
            onboarding_step_ids=[gate.id],
        ),
    )
    pending = await contracts.hire(
        owner.actor,
        (await proposals.submit_proposal(worker.actor, gated_job.id, cover, 10_000, 5)).id,
        [contracts.MilestonePlan("All", 10_000)],
    )
    await onboarding.complete_step(worker.actor, gate.id, "yes")
    second_question = await ExamQuestion.get(exam_id=second_exam.id)
    # What callers act on for themselves: a batch with open tasks, a contest taking entrants, an
    # onboarding step no one has completed.
    claimable = await batches.create_batch(
        owner.actor,
        config,
        project.id,
        BatchFields(
            title="Open",
            answer_spec={"kind": "text"},
            reward=5,
            overlap=1,
            max_overlap=1,
            allow_preview=True,
        ),
    )
    await batches.add_tasks(
        owner.actor, config, claimable.id, [{"input": {"text": f"open {i}"}} for i in range(4)]
    )
    await batches.open_batch(owner.actor, claimable.id)
    taking_entrants = await contests.create_contest(owner.actor, project.id, contest_draft(clock))
    await contests.add_judge(owner.actor, taking_entrants.id, judge.account.email)
    await phases.move_by_organizer(owner.actor, taking_entrants, Phase.REGISTRATION)
    draft_contest = await contests.create_contest(owner.actor, project.id, contest_draft(clock))
    _, spare_token = await accounts.issue_token(
        worker.account, TokenKind.API, "spare", timedelta(days=30)
    )
    fresh_step = await onboarding.add_step(
        owner.actor, org.id, StepKind.ACCEPT_TERMS, "New terms", "Still be nice", None
    )
    engagement = await Engagement.filter(worker_id=profile.id, organization_id=org.id).first()
    assert engagement is not None
    payment = await LedgerEntry.filter(destination=f"worker:{worker.account.id}").first()
    assert payment is not None
    ids |= {
        "Engagement": gid("Engagement", engagement.id),
        "LedgerEntry": gid("LedgerEntry", payment.id),
    }
    await platform.deliver_events()
    return World(
        platform=platform,
        people=people,
        org=org,
        clock=clock,
        ids=ids,
        more={
            "hourly_contract": gid("MarketplaceContract", hourly.id),
            "second_milestone": gid("MarketplaceMilestone", second.id),
            "open_contest": gid("Contest", open_contest.id),
            "draft_batch": gid("MicrotaskBatch", draft.id),
            "claimable_batch": gid("MicrotaskBatch", claimable.id),
            "contest_taking_entrants": gid("Contest", taking_entrants.id),
            "draft_contest": gid("Contest", draft_contest.id),
            "fresh_step": gid("MarketplaceOnboardingStep", fresh_step.id),
            "spare_token": gid("ApiToken", spare_token.id),
            "first_exam": gid("MarketplaceExam", exam.id),
            "submitting_contest": gid("Contest", submitting.id),
            "job_to_close": gid("MarketplaceJob", to_close.id),
            "job_to_invite_to": gid("MarketplaceJob", to_invite.id),
            **{
                f"proposal_to_{name}": gid("MarketplaceProposal", row.id)
                for name, row in proposed.items()
            },
            "contract_to_end": gid("MarketplaceContract", to_end.id),
            "milestone_to_change": gid("MarketplaceMilestone", to_change.id),
            "milestone_to_dispute": gid("MarketplaceMilestone", to_dispute.id),
            "attempt_under_way": gid("MarketplaceExamAttempt", under_way.id),
            "attempt_to_grade": gid("MarketplaceExamAttempt", to_grade.id),
            "score_to_appeal": gid("ContestScore", unappealed.id),
            "finished_contest": gid("Contest", finished.id),
            "contract_to_start": gid("MarketplaceContract", pending.id),
            "question_under_way": gid("MarketplaceExamQuestion", second_question.id),
            **{
                state: gid("MicrotaskAssignment", row.id)
                for state, row in zip(
                    ["claimed", "to_release", "submitted", "to_reject", "rejected", "appealed"],
                    held,
                    strict=True,
                )
            },
        },
        secrets=SECRET_TEXTS
        | {"worker_email": worker.account.email, "owner_email": owner.account.email},
    )


@pytest.fixture
def client_for(world: World, make_client: Callable[..., Client]) -> Callable[[Caller], Client]:
    """``client_for(caller)``: a GraphQL client acting as one of the six callers."""

    def make(caller: Caller) -> Client:
        return make_client(world.token(caller))

    return make
