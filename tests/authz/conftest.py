"""The world of the authorization matrix: two organizations, six callers, and A's work of every kind."""

from __future__ import annotations

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
    # Generated selection sets are wide: the limits on aliases and tokens are not under test here.
    platform = await make_platform(graphql=GraphQLSettings(max_aliases=1_000, max_tokens=100_000))
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
    judge = await factory.worker()
    await contests.add_judge(owner.actor, contest.id, judge.account.email)
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
