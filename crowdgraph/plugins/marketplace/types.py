"""GraphQL types of the marketplace. Answer keys have no field here: they never leave the server."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from crowdgraph.core import models as core
from crowdgraph.plugins.marketplace import feedback, models, onboarding
from crowdgraph.plugins.marketplace.common import MODEL
from crowdgraph.plugins.marketplace.models import (
    AttemptStatus,
    ContractStatus,
    DisputeOutcome,
    DisputeStatus,
    JobStatus,
    MilestoneStatus,
    Pricing,
    ProposalStatus,
    QuestionKind,
    StepKind,
    TimeEntryStatus,
)
from crowdgraph.plugins.marketplace.search import JobMatch, TalentMatch
from crowdgraph.schema.context import Context
from crowdgraph.schema.prefetch import prefetcher
from crowdgraph.schema.relay import Node, to_global_id
from crowdgraph.schema.types import (
    Audience,
    EngagementDetail,
    Money,
    Organization,
    ProjectStage,
    Skill,
    Worker,
    prefetch_workers,
    worker_of,
)

for _enum in (
    Pricing,
    JobStatus,
    ProposalStatus,
    ContractStatus,
    MilestoneStatus,
    TimeEntryStatus,
    QuestionKind,
    AttemptStatus,
    DisputeStatus,
    DisputeOutcome,
    StepKind,
):
    strawberry.enum(_enum, name=f"Marketplace{_enum.__name__}")
strawberry.enum(models.Side, name="MarketplaceSide")


async def _worker(info: strawberry.Info, pk: int) -> Worker:
    row = await info.context.by_id(core.WorkerProfile).load(pk)
    return Worker.from_row(row)


@strawberry.type(description="What a worker pitches: a service at a fixed price or hourly rate.")
class MarketplaceOffer(Node):
    worker_pk: strawberry.Private[int]
    title: str
    description: str
    skills: list[str]
    pricing: Pricing
    price: Money
    delivery_days: int
    active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Offer) -> MarketplaceOffer:
        return cls(
            id=to_global_id("MarketplaceOffer", row.id),
            worker_pk=row.worker_id,
            title=row.title,
            description=row.description,
            skills=row.skills,
            pricing=row.pricing,
            price=Money.of(row.price, row.currency),
            delivery_days=row.delivery_days,
            active=row.active,
            created_at=row.created_at,
        )

    @strawberry.field
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)


@strawberry.type(description="A freelance job posted by an organization: a stage of its project.")
class MarketplaceJob(ProjectStage):
    pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    description: str
    skills: list[str]
    pricing: Pricing
    budget: Money = strawberry.field(
        description="Fixed: the whole price. Hourly: the highest hourly rate."
    )
    weekly_hours_cap: int | None
    duration_days: int
    requirements: list[JSON] = strawberry.field(
        description="Screening: eligibility requirements (verified skills, passed exams)."
    )
    onboarding_step_ids: list[strawberry.ID]
    audience: Audience
    status: JobStatus
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Job) -> MarketplaceJob:
        return cls(
            id=to_global_id("MarketplaceJob", row.id),
            pk=row.id,
            organization_pk=row.organization_id,
            title=row.title,
            model=MODEL,
            description=row.description,
            skills=row.skills,
            pricing=row.pricing,
            budget=Money.of(row.budget, row.currency),
            weekly_hours_cap=row.weekly_hours_cap,
            duration_days=row.duration_days,
            requirements=cast(list[JSON], row.requirements),
            onboarding_step_ids=[
                to_global_id("MarketplaceOnboardingStep", i) for i in row.onboarding_step_ids
            ],
            audience=row.audience,
            status=row.status,
            created_at=row.created_at,
        )

    @strawberry.field
    async def organization(self, info: strawberry.Info) -> Organization:
        row = await info.context.by_id(core.Organization).load(self.organization_pk)
        return Organization.from_row(row)


@strawberry.type
class MarketplaceProposal(Node):
    job_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    cover_letter: str
    bid: Money = strawberry.field(description="Fixed: the whole price. Hourly: the hourly rate.")
    timeline_days: int
    status: ProposalStatus
    invited: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Proposal) -> MarketplaceProposal:
        return cls(
            id=to_global_id("MarketplaceProposal", row.id),
            job_pk=row.job_id,
            worker_pk=row.worker_id,
            cover_letter=row.cover_letter,
            bid=Money.of(row.bid, row.currency),
            timeline_days=row.timeline_days,
            status=row.status,
            invited=row.invited,
            created_at=row.created_at,
        )

    @strawberry.field
    async def job(self, info: strawberry.Info) -> MarketplaceJob:
        row = await info.context.by_id(models.Job).load(self.job_pk)
        return MarketplaceJob.from_row(row)

    @strawberry.field
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)


@strawberry.type
class MarketplaceInvitation:
    job_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    message: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Invitation) -> MarketplaceInvitation:
        return cls(
            job_pk=row.job_id,
            worker_pk=row.worker_id,
            message=row.message,
            created_at=row.created_at,
        )

    @strawberry.field
    async def job(self, info: strawberry.Info) -> MarketplaceJob:
        return MarketplaceJob.from_row(await info.context.by_id(models.Job).load(self.job_pk))

    @strawberry.field(description="The invited worker.")
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)

    @strawberry.field(deprecation_reason="Use worker { id }: the invited worker itself.")
    def worker_id(self) -> strawberry.ID:
        return to_global_id("Worker", self.worker_pk)


@strawberry.type
class MarketplaceMilestone(Node):
    position: int
    title: str
    amount: Money
    status: MilestoneStatus
    submission: str
    feedback: str
    submitted_at: datetime | None
    release_at: datetime | None = strawberry.field(
        description="When the milestone is paid automatically if the client does not answer."
    )
    decided_at: datetime | None
    auto_released: bool

    @classmethod
    def from_row(cls, row: models.Milestone, currency: str) -> MarketplaceMilestone:
        return cls(
            id=to_global_id("MarketplaceMilestone", row.id),
            position=row.position,
            title=row.title,
            amount=Money.of(row.amount, currency),
            status=row.status,
            submission=row.submission,
            feedback=row.feedback,
            submitted_at=row.submitted_at,
            release_at=row.release_at,
            decided_at=row.decided_at,
            auto_released=row.auto_released,
        )


@strawberry.type
class MarketplaceTimeEntry(Node):
    work_date: date
    minutes: int
    description: str
    amount: Money
    status: TimeEntryStatus
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.TimeEntry, currency: str) -> MarketplaceTimeEntry:
        return cls(
            id=to_global_id("MarketplaceTimeEntry", row.id),
            work_date=row.work_date,
            minutes=row.minutes,
            description=row.description,
            amount=Money.of(row.amount, currency),
            status=row.status,
            created_at=row.created_at,
        )


@strawberry.type(description="One side's rating of the other.")
class MarketplaceRating:
    rating: int
    comment: str
    created_at: datetime

    @classmethod
    def of(cls, row: models.Feedback | None) -> MarketplaceRating | None:
        if row is None:
            return None
        return cls(rating=row.rating, comment=row.comment, created_at=row.created_at)


@strawberry.type(
    description="Double-blind feedback: each rating shows when both are in or the window closes."
)
class MarketplaceContractFeedback:
    from_client: MarketplaceRating | None
    from_worker: MarketplaceRating | None
    revealed: bool
    closes_at: datetime | None


@strawberry.type(description="A marketplace contract: the record behind a core engagement.")
class MarketplaceContract(EngagementDetail):
    row: strawberry.Private[models.Contract]
    title: str
    pricing: Pricing
    amount: Money = strawberry.field(description="Fixed: the total price. Hourly: the rate.")
    weekly_hours_cap: int | None
    status: ContractStatus
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def from_row(cls, row: models.Contract) -> MarketplaceContract:
        return cls(
            id=to_global_id("MarketplaceContract", row.id),
            row=row,
            model=MODEL,
            title=row.title,
            pricing=row.pricing,
            amount=Money.of(row.amount, row.currency),
            weekly_hours_cap=row.weekly_hours_cap,
            status=row.status,
            created_at=row.created_at,
            started_at=row.started_at,
            ended_at=row.ended_at,
        )

    @strawberry.field
    def engagement_id(self) -> strawberry.ID | None:
        pk = self.row.engagement_id
        return to_global_id("Engagement", pk) if pk is not None else None

    @strawberry.field
    async def job(self, info: strawberry.Info) -> MarketplaceJob:
        row = await info.context.by_id(models.Job).load(self.row.job_id)
        return MarketplaceJob.from_row(row)

    @strawberry.field
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.row.worker_id)

    @strawberry.field
    async def milestones(self, info: strawberry.Info) -> list[MarketplaceMilestone]:
        loader = info.context.children(models.Milestone, "contract_id", "position")
        rows = await loader.load(self.row.id)
        return [MarketplaceMilestone.from_row(r, self.row.currency) for r in rows]

    @strawberry.field(description="Logged time of an hourly contract, oldest first.")
    async def time_entries(self, info: strawberry.Info) -> list[MarketplaceTimeEntry]:
        rows = await info.context.children(models.TimeEntry, "contract_id").load(self.row.id)
        return [MarketplaceTimeEntry.from_row(r, self.row.currency) for r in rows]

    @strawberry.field
    async def feedback(self, info: strawberry.Info) -> MarketplaceContractFeedback:
        rows = await info.context.children(models.Feedback, "contract_id").load(self.row.id)
        seen = feedback.view(info.context.actor, self.row, rows)
        return MarketplaceContractFeedback(
            from_client=MarketplaceRating.of(seen.from_client),
            from_worker=MarketplaceRating.of(seen.from_worker),
            revealed=seen.revealed,
            closes_at=seen.closes_at,
        )


@strawberry.type
class MarketplaceDispute(Node):
    milestone_pk: strawberry.Private[int]
    opened_by: models.Side
    reason: str
    status: DisputeStatus
    outcome: DisputeOutcome | None
    worker_amount: int | None = strawberry.field(
        description="Minor units paid to the worker.",
        deprecation_reason="Use paidToWorker: the same amount with its currency.",
    )
    resolution_note: str
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def from_row(cls, row: models.Dispute) -> MarketplaceDispute:
        return cls(
            id=to_global_id("MarketplaceDispute", row.id),
            milestone_pk=row.milestone_id,
            opened_by=row.opened_by_side,
            reason=row.reason,
            status=row.status,
            outcome=row.outcome,
            worker_amount=row.worker_amount,
            resolution_note=row.resolution_note,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
        )

    @strawberry.field
    def milestone_id(self) -> strawberry.ID:
        return to_global_id("MarketplaceMilestone", self.milestone_pk)

    @strawberry.field(description="What the resolution paid the worker (null while open).")
    async def paid_to_worker(self, info: strawberry.Info) -> Money | None:
        if self.worker_amount is None:
            return None
        milestone = await info.context.by_id(models.Milestone).load(self.milestone_pk)
        contract = await info.context.by_id(models.Contract).load(milestone.contract_id)
        return Money.of(self.worker_amount, contract.currency)


@strawberry.type(description="A worker's marketplace reputation; hidden ratings never count.")
class MarketplaceReputation:
    rating: float | None
    ratings: int
    job_success: int | None = strawberry.field(
        description="Percent of rated contracts the client rated 4 or 5."
    )
    completed_contracts: int

    @classmethod
    def of(cls, rep: feedback.Reputation) -> MarketplaceReputation:
        return cls(
            rating=rep.rating,
            ratings=rep.ratings,
            job_success=rep.job_success,
            completed_contracts=rep.completed_contracts,
        )


@strawberry.type(description="A worker found by talent search, with why they match.")
class MarketplaceTalentMatch:
    worker_pk: strawberry.Private[int]
    score: float
    reasons: list[str]
    reputation: MarketplaceReputation

    @classmethod
    def of(cls, match: TalentMatch) -> MarketplaceTalentMatch:
        return cls(
            worker_pk=match.worker.id,
            score=match.score,
            reasons=match.reasons,
            reputation=MarketplaceReputation.of(match.reputation),
        )

    @strawberry.field
    def worker(self, info: strawberry.Info) -> Worker:
        return worker_of(info.context, self.worker_pk)


@prefetcher(MarketplaceTalentMatch, "worker")
async def _talent_workers(context: Context, matches: list[MarketplaceTalentMatch]) -> list[Worker]:
    return await prefetch_workers(context, (m.worker_pk for m in matches))


@strawberry.type(description="A job recommended to a worker, with why it fits.")
class MarketplaceJobMatch:
    job: MarketplaceJob
    score: float
    reasons: list[str]

    @classmethod
    def of(cls, match: JobMatch) -> MarketplaceJobMatch:
        return cls(job=MarketplaceJob.from_row(match.job), score=match.score, reasons=match.reasons)


@strawberry.type(description="A screening exam. Its answer keys never leave the server.")
class MarketplaceExam(Node):
    pk: strawberry.Private[int]
    skill_pk: strawberry.Private[int | None]
    organization_pk: strawberry.Private[int | None]
    title: str
    instructions: str
    level: int | None = strawberry.field(description="The skill level that passing verifies.")
    time_limit_minutes: int
    pass_mark: int = strawberry.field(description="Percent of the points needed to pass.")
    cooldown_hours: int = strawberry.field(description="Hours to wait before retrying a failure.")
    manual: bool = strawberry.field(description="Graded by hand by the organization's staff.")
    requirement: JSON = strawberry.field(
        description="The requirement to put in a job's screening to ask for a pass."
    )

    @classmethod
    def from_row(cls, row: models.Exam) -> MarketplaceExam:
        return cls(
            id=to_global_id("MarketplaceExam", row.id),
            pk=row.id,
            skill_pk=row.skill_id,
            organization_pk=row.organization_id,
            title=row.title,
            instructions=row.instructions,
            level=row.level,
            time_limit_minutes=row.time_limit_minutes,
            pass_mark=row.pass_mark,
            cooldown_hours=row.cooldown_hours,
            manual=row.manual,
            requirement=cast(JSON, {"kind": "marketplace.exam", "exam": row.id}),
        )

    @strawberry.field
    async def skill(self, info: strawberry.Info) -> Skill | None:
        if self.skill_pk is None:
            return None
        return Skill.from_row(await info.context.by_id(core.Skill).load(self.skill_pk))

    @strawberry.field(description="The organization whose own check this is, if any.")
    async def organization(self, info: strawberry.Info) -> Organization | None:
        if self.organization_pk is None:
            return None
        return Organization.from_row(
            await info.context.by_id(core.Organization).load(self.organization_pk)
        )


@strawberry.type(description="A question as the worker sees it: no answer key.")
class MarketplaceExamQuestion:
    id: strawberry.ID
    position: int
    kind: QuestionKind
    prompt: str
    choices: list[str]
    points: int

    @classmethod
    def from_row(cls, row: models.ExamQuestion) -> MarketplaceExamQuestion:
        return cls(
            id=to_global_id("MarketplaceExamQuestion", row.id),
            position=row.position,
            kind=row.kind,
            prompt=row.prompt,
            choices=row.choices,
            points=row.points,
        )


@strawberry.type
class MarketplaceExamAnswer:
    question_id: strawberry.ID
    answer: str


@strawberry.type(description="One try at an exam: its clock, the answers given and the result.")
class MarketplaceExamAttempt(Node):
    exam_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    status: AttemptStatus
    score: int | None
    started_at: datetime
    deadline: datetime
    submitted_at: datetime | None
    late: bool = strawberry.field(description="The time limit passed before it was submitted.")
    answers: list[MarketplaceExamAnswer]

    @classmethod
    def from_row(cls, row: models.ExamAttempt) -> MarketplaceExamAttempt:
        return cls(
            id=to_global_id("MarketplaceExamAttempt", row.id),
            exam_pk=row.exam_id,
            worker_pk=row.worker_id,
            status=row.status,
            score=row.score,
            started_at=row.started_at,
            deadline=row.deadline,
            submitted_at=row.submitted_at,
            late=row.late,
            answers=[
                MarketplaceExamAnswer(
                    question_id=to_global_id("MarketplaceExamQuestion", int(k)), answer=v
                )
                for k, v in sorted(row.answers.items(), key=lambda kv: int(kv[0]))
            ],
        )

    @strawberry.field
    async def exam(self, info: strawberry.Info) -> MarketplaceExam:
        return MarketplaceExam.from_row(await info.context.by_id(models.Exam).load(self.exam_pk))

    @strawberry.field
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)

    @strawberry.field(description="The exam's questions, in order (without answer keys).")
    async def questions(self, info: strawberry.Info) -> list[MarketplaceExamQuestion]:
        loader = info.context.children(models.ExamQuestion, "exam_id", "position")
        return [MarketplaceExamQuestion.from_row(q) for q in await loader.load(self.exam_pk)]


@strawberry.type(description="A step an organization asks of workers before a contract starts.")
class MarketplaceOnboardingStep(Node):
    kind: StepKind
    title: str
    body: str
    exam_id: strawberry.ID | None = strawberry.field(
        description="The exam a screening step is done by passing."
    )

    @classmethod
    def from_row(cls, row: models.OnboardingStep) -> MarketplaceOnboardingStep:
        return cls(
            id=to_global_id("MarketplaceOnboardingStep", row.id),
            kind=row.kind,
            title=row.title,
            body=row.body,
            exam_id=to_global_id("MarketplaceExam", row.exam_id) if row.exam_id else None,
        )


@strawberry.type
class MarketplaceOnboardingProgress:
    step: MarketplaceOnboardingStep
    done: bool

    @classmethod
    def of(cls, state: onboarding.StepState) -> MarketplaceOnboardingProgress:
        return cls(step=MarketplaceOnboardingStep.from_row(state.step), done=state.done)
