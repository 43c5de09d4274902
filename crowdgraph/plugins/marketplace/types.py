"""GraphQL types of the marketplace. Answer keys have no field here: they never leave the server."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from crowdgraph.core import models as core
from crowdgraph.plugins.marketplace import contracts, feedback, models, onboarding
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
from crowdgraph.schema.descriptions import described_enum
from crowdgraph.schema.prefetch import connection_of, prefetcher
from crowdgraph.schema.relay import After, Before, Connection, First, Last, Node, to_global_id
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

# The marketplace's enums are GraphQL enums named Marketplace<Name>.
ENUMS: dict[type[Enum], tuple[str, dict[Any, str]]] = {
    Pricing: (
        "How work is paid.",
        {Pricing.FIXED: "One price for the whole work.", Pricing.HOURLY: "By the hour logged."},
    ),
    JobStatus: (
        "Whether a job takes proposals.",
        {
            JobStatus.OPEN: "Takes proposals.",
            JobStatus.CLOSED: "Closed by the client; it may reopen it.",
            JobStatus.FILLED: "A worker was hired.",
        },
    ),
    ProposalStatus: (
        "Where a worker's proposal is.",
        {
            ProposalStatus.SUBMITTED: "Sent, waiting for the client.",
            ProposalStatus.SHORTLISTED: "The client is considering it.",
            ProposalStatus.DECLINED: "The client declined it.",
            ProposalStatus.WITHDRAWN: "The worker took it back.",
            ProposalStatus.HIRED: "The client hired the worker: a contract was made.",
        },
    ),
    ContractStatus: (
        "Where a contract is.",
        {
            ContractStatus.PENDING: "Hired; waiting for the worker's onboarding steps.",
            ContractStatus.ACTIVE: "Started: milestones funded, work under way.",
            ContractStatus.ENDED: "Ended after it started; feedback may be left.",
            ContractStatus.CANCELLED: "Ended before it started.",
        },
    ),
    MilestoneStatus: (
        "Where a milestone of a fixed-price contract is.",
        {
            MilestoneStatus.PLANNED: "Agreed, not yet funded.",
            MilestoneStatus.FUNDED: "Its amount is held in escrow; the worker may work.",
            MilestoneStatus.SUBMITTED: "The worker delivered; waiting for the client.",
            MilestoneStatus.CHANGES_REQUESTED: "The client asked for changes.",
            MilestoneStatus.APPROVED: "Accepted and paid to the worker.",
            MilestoneStatus.DISPUTED: "Under dispute; the escrow stays held.",
            MilestoneStatus.RESOLVED: "Its dispute was settled with some money paid to the worker.",
            MilestoneStatus.REFUNDED: "Its dispute was settled with nothing paid: escrow returned.",
        },
    ),
    TimeEntryStatus: (
        "Whether logged time is accepted.",
        {
            TimeEntryStatus.PENDING: "Waiting for the client.",
            TimeEntryStatus.APPROVED: "Accepted and paid.",
            TimeEntryStatus.REJECTED: "Refused by the client; not paid.",
        },
    ),
    QuestionKind: (
        "How an exam question is answered.",
        {
            QuestionKind.CHOICE: "Pick one of the choices; graded automatically.",
            QuestionKind.SHORT: "A short text, compared with the key.",
            QuestionKind.ESSAY: "A long text, graded by hand.",
        },
    ),
    AttemptStatus: (
        "Where an exam attempt is.",
        {
            AttemptStatus.IN_PROGRESS: "Started; the clock runs.",
            AttemptStatus.AWAITING_GRADING: "Submitted; waiting for a grader.",
            AttemptStatus.PASSED: "Passed: the skill level is verified.",
            AttemptStatus.FAILED: "Not passed; retry after the cooldown.",
        },
    ),
    DisputeStatus: (
        "Whether a dispute is settled.",
        {DisputeStatus.OPEN: "Waiting for an admin.", DisputeStatus.RESOLVED: "Settled."},
    ),
    DisputeOutcome: (
        "How a dispute over a milestone's escrow was settled.",
        {
            DisputeOutcome.RELEASE: "All of it paid to the worker.",
            DisputeOutcome.REFUND: "All of it returned to the client.",
            DisputeOutcome.SPLIT: "Part to the worker, the rest back to the client.",
        },
    ),
    StepKind: (
        "What an onboarding step asks of a worker.",
        {
            StepKind.ACCEPT_TERMS: "Accept the organization's terms.",
            StepKind.SIGN_AGREEMENT: "Sign the organization's agreement by typing one's full name.",
            StepKind.PAYMENT_DETAILS: "Give payment details.",
            StepKind.SCREENING: "Pass a screening exam.",
        },
    ),
    models.Side: (
        "A side of a contract.",
        {models.Side.CLIENT: "The hiring organization.", models.Side.WORKER: "The hired worker."},
    ),
}
for _enum, (_description, _values) in ENUMS.items():
    described_enum(_enum, _description, _values, name=f"Marketplace{_enum.__name__}")


async def _worker(info: strawberry.Info, pk: int) -> Worker:
    row = await info.context.by_id(core.WorkerProfile).load(pk)
    return Worker.from_row(row)


@strawberry.type(description="What a worker pitches: a service at a fixed price or hourly rate.")
class MarketplaceOffer(Node):
    worker_pk: strawberry.Private[int]
    title: str = strawberry.field(description="What the worker offers, in a line.")
    description: str = strawberry.field(description="The offer in detail.")
    skills: list[str] = strawberry.field(description="Slugs of the skills it uses.")
    pricing: Pricing = strawberry.field(description="A fixed price or an hourly rate.")
    price: Money = strawberry.field(description="Fixed: the whole price. Hourly: the rate.")
    delivery_days: int = strawberry.field(description="Days the worker needs to deliver.")
    active: bool = strawberry.field(description="Whether clients can still hire it.")
    created_at: datetime = strawberry.field(description="When it was posted (UTC, ISO 8601).")

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

    @strawberry.field(description="The worker who offers it.")
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)


@strawberry.type(description="A freelance job posted by an organization: a stage of its project.")
class MarketplaceJob(ProjectStage):
    pk: strawberry.Private[int]
    organization_pk: strawberry.Private[int]
    description: str = strawberry.field(description="The job in detail.")
    skills: list[str] = strawberry.field(description="Slugs of the skills it asks for.")
    pricing: Pricing = strawberry.field(description="A fixed price or an hourly rate.")
    budget: Money = strawberry.field(
        description="Fixed: the whole price. Hourly: the highest hourly rate."
    )
    weekly_hours_cap: int | None = strawberry.field(
        description="Hourly: the most hours a week the client pays; null for fixed price or no cap."
    )
    duration_days: int = strawberry.field(description="How long the work should take, in days.")
    requirements: list[JSON] = strawberry.field(
        description="Screening: eligibility requirements (verified skills, passed exams)."
    )
    onboarding_step_ids: list[strawberry.ID] = strawberry.field(
        description="IDs of the MarketplaceOnboardingSteps a hired worker must complete first."
    )
    audience: Audience = strawberry.field(description="Which crowd may see and propose.")
    status: JobStatus = strawberry.field(description="Whether it takes proposals.")
    created_at: datetime = strawberry.field(description="When it was posted (UTC, ISO 8601).")

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

    @strawberry.field(description="The organization that posted the job.")
    async def organization(self, info: strawberry.Info) -> Organization:
        row = await info.context.by_id(core.Organization).load(self.organization_pk)
        return Organization.from_row(row)


@strawberry.type(description="A worker's bid for a job.")
class MarketplaceProposal(Node):
    job_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    cover_letter: str = strawberry.field(description="The worker's pitch to the client.")
    bid: Money = strawberry.field(description="Fixed: the whole price. Hourly: the hourly rate.")
    timeline_days: int = strawberry.field(description="Days the worker needs.")
    status: ProposalStatus = strawberry.field(description="Where the proposal is.")
    invited: bool = strawberry.field(
        description="Whether the client invited the worker to propose."
    )
    created_at: datetime = strawberry.field(description="When it was sent (UTC, ISO 8601).")

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

    @strawberry.field(description="The job the proposal is for.")
    async def job(self, info: strawberry.Info) -> MarketplaceJob:
        row = await info.context.by_id(models.Job).load(self.job_pk)
        return MarketplaceJob.from_row(row)

    @strawberry.field(description="The worker who proposed.")
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)


@strawberry.type(description="A client's invitation to a worker to propose for a job.")
class MarketplaceInvitation:
    job_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    message: str = strawberry.field(description="The client's note to the worker.")
    created_at: datetime = strawberry.field(description="When it was sent (UTC, ISO 8601).")

    @classmethod
    def from_row(cls, row: models.Invitation) -> MarketplaceInvitation:
        return cls(
            job_pk=row.job_id,
            worker_pk=row.worker_id,
            message=row.message,
            created_at=row.created_at,
        )

    @strawberry.field(description="The job the worker is invited to.")
    async def job(self, info: strawberry.Info) -> MarketplaceJob:
        return MarketplaceJob.from_row(await info.context.by_id(models.Job).load(self.job_pk))

    @strawberry.field(description="The invited worker.")
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)

    @strawberry.field(
        description="The ID of the invited Worker.",
        deprecation_reason="Use worker { id }: the invited worker itself.",
    )
    def worker_id(self) -> strawberry.ID:
        return to_global_id("Worker", self.worker_pk)


@strawberry.type(description="A part of a fixed-price contract, paid from escrow when approved.")
class MarketplaceMilestone(Node):
    position: int = strawberry.field(description="Its place in the contract, from 1.")
    title: str = strawberry.field(description="What is delivered.")
    amount: Money = strawberry.field(description="What it pays, held in escrow once funded.")
    status: MilestoneStatus = strawberry.field(description="Where the milestone is.")
    submission: str = strawberry.field(
        description="What the worker delivered (text or links); empty before submitting."
    )
    feedback: str = strawberry.field(
        description="The client's note on changes requested; empty when none."
    )
    submitted_at: datetime | None = strawberry.field(
        description="When the worker last submitted (UTC, ISO 8601); null before."
    )
    release_at: datetime | None = strawberry.field(
        description="When the milestone is paid automatically if the client does not answer."
    )
    decided_at: datetime | None = strawberry.field(
        description="When it was approved, refunded or settled (UTC, ISO 8601); null before."
    )
    auto_released: bool = strawberry.field(
        description="Whether it was paid automatically because the client did not answer in time."
    )

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


@strawberry.type(description="Time logged on an hourly contract.")
class MarketplaceTimeEntry(Node):
    work_date: date = strawberry.field(description="The day worked (ISO 8601 date).")
    minutes: int = strawberry.field(description="Minutes worked.")
    description: str = strawberry.field(description="What was done.")
    amount: Money = strawberry.field(description="What it pays at the contract's rate.")
    status: TimeEntryStatus = strawberry.field(description="Whether the client accepted it.")
    created_at: datetime = strawberry.field(description="When it was logged (UTC, ISO 8601).")

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
    rating: int = strawberry.field(description="Stars, 1 to 5.")
    comment: str = strawberry.field(description="What they said; may be empty.")
    created_at: datetime = strawberry.field(description="When it was left (UTC, ISO 8601).")

    @classmethod
    def of(cls, row: models.Feedback | None) -> MarketplaceRating | None:
        if row is None:
            return None
        return cls(rating=row.rating, comment=row.comment, created_at=row.created_at)


@strawberry.type(
    description="Double-blind feedback: each rating shows when both are in or the window closes."
)
class MarketplaceContractFeedback:
    from_client: MarketplaceRating | None = strawberry.field(
        description="The client's rating of the worker; null until shown or if none."
    )
    from_worker: MarketplaceRating | None = strawberry.field(
        description="The worker's rating of the client; null until shown or if none."
    )
    revealed: bool = strawberry.field(
        description="Whether the ratings are shown (both in, or the window closed)."
    )
    closes_at: datetime | None = strawberry.field(
        description="When feedback can no longer be left (UTC, ISO 8601); null before the contract ends.",
    )


@strawberry.type(description="A marketplace contract: the record behind a core engagement.")
class MarketplaceContract(EngagementDetail):
    row: strawberry.Private[models.Contract]
    title: str = strawberry.field(description="The job's title.")
    pricing: Pricing = strawberry.field(
        description="A fixed price in milestones, or an hourly rate."
    )
    amount: Money = strawberry.field(description="Fixed: the total price. Hourly: the rate.")
    weekly_hours_cap: int | None = strawberry.field(
        description="Hourly: the most hours a week the client pays; null otherwise."
    )
    status: ContractStatus = strawberry.field(description="Where the contract is.")
    created_at: datetime = strawberry.field(
        description="When the worker was hired (UTC, ISO 8601)."
    )
    started_at: datetime | None = strawberry.field(
        description="When it started (UTC, ISO 8601); null while pending."
    )
    ended_at: datetime | None = strawberry.field(
        description="When it ended or was cancelled (UTC, ISO 8601); null until then."
    )

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

    @strawberry.field(
        description="The ID of the core Engagement of this contract; null before hiring completes."
    )
    def engagement_id(self) -> strawberry.ID | None:
        pk = self.row.engagement_id
        return to_global_id("Engagement", pk) if pk is not None else None

    @strawberry.field(description="The job the contract was hired for.")
    async def job(self, info: strawberry.Info) -> MarketplaceJob:
        row = await info.context.by_id(models.Job).load(self.row.job_id)
        return MarketplaceJob.from_row(row)

    @strawberry.field(description="The hired worker.")
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.row.worker_id)

    @strawberry.field(description="The milestones of a fixed-price contract, in order.")
    async def milestones(self, info: strawberry.Info) -> list[MarketplaceMilestone]:
        loader = info.context.children(models.Milestone, "contract_id", "position")
        rows = await loader.load(self.row.id)
        return [MarketplaceMilestone.from_row(r, self.row.currency) for r in rows]

    @strawberry.field(
        description="Logged time of an hourly contract, oldest first.",
        deprecation_reason="Use timeEntriesConnection: pages and totalCount.",
    )
    async def time_entries(self, info: strawberry.Info) -> list[MarketplaceTimeEntry]:
        rows = await info.context.children(models.TimeEntry, "contract_id").load(self.row.id)
        return [MarketplaceTimeEntry.from_row(r, self.row.currency) for r in rows]

    @strawberry.field(
        description="Logged time of an hourly contract, a page at a time, oldest first."
    )
    async def time_entries_connection(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceTimeEntry]:
        page = await contracts.time_entry_page(
            self.row.id, info.context.page(first, after, last, before)
        )
        currency = self.row.currency
        return await connection_of(
            info, page, lambda row: MarketplaceTimeEntry.from_row(row, currency)
        )

    @strawberry.field(
        description="Both sides' ratings, as far as the double-blind rule shows them."
    )
    async def feedback(self, info: strawberry.Info) -> MarketplaceContractFeedback:
        rows = await info.context.children(models.Feedback, "contract_id").load(self.row.id)
        seen = feedback.view(info.context.actor, self.row, rows)
        return MarketplaceContractFeedback(
            from_client=MarketplaceRating.of(seen.from_client),
            from_worker=MarketplaceRating.of(seen.from_worker),
            revealed=seen.revealed,
            closes_at=seen.closes_at,
        )


@strawberry.type(description="A disagreement over a milestone, settled by an admin.")
class MarketplaceDispute(Node):
    milestone_pk: strawberry.Private[int]
    opened_by: models.Side = strawberry.field(description="Which side opened it.")
    reason: str = strawberry.field(description="Why it was opened.")
    status: DisputeStatus = strawberry.field(description="Open or resolved.")
    outcome: DisputeOutcome | None = strawberry.field(
        description="How it was settled; null while open."
    )
    worker_amount: int | None = strawberry.field(
        description="Minor units paid to the worker.",
        deprecation_reason="Use paidToWorker: the same amount with its currency.",
    )
    resolution_note: str = strawberry.field(
        description="The admin's explanation; empty while open."
    )
    created_at: datetime = strawberry.field(description="When it was opened (UTC, ISO 8601).")
    resolved_at: datetime | None = strawberry.field(
        description="When it was settled (UTC, ISO 8601); null while open."
    )

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

    @strawberry.field(description="The ID of the disputed MarketplaceMilestone.")
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
    rating: float | None = strawberry.field(
        description="The average client rating, 1 to 5; null without ratings."
    )
    ratings: int = strawberry.field(description="How many shown ratings it is based on.")
    job_success: int | None = strawberry.field(
        description="Percent of rated contracts the client rated 4 or 5."
    )
    completed_contracts: int = strawberry.field(description="Contracts that ended after starting.")

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
    score: float = strawberry.field(
        description="How well they match, higher is better (for ordering only)."
    )
    reasons: list[str] = strawberry.field(description="Why they match, as sentences.")
    reputation: MarketplaceReputation = strawberry.field(
        description="Their marketplace reputation."
    )

    @classmethod
    def of(cls, match: TalentMatch) -> MarketplaceTalentMatch:
        return cls(
            worker_pk=match.worker.id,
            score=match.score,
            reasons=match.reasons,
            reputation=MarketplaceReputation.of(match.reputation),
        )

    @strawberry.field(description="The worker found.")
    def worker(self, info: strawberry.Info) -> Worker:
        return worker_of(info.context, self.worker_pk)


@prefetcher(MarketplaceTalentMatch, "worker")
async def _talent_workers(context: Context, matches: list[MarketplaceTalentMatch]) -> list[Worker]:
    return await prefetch_workers(context, (m.worker_pk for m in matches))


@strawberry.type(description="A job recommended to a worker, with why it fits.")
class MarketplaceJobMatch:
    job: MarketplaceJob = strawberry.field(description="The recommended job.")
    score: float = strawberry.field(
        description="How well it fits, higher is better (for ordering only)."
    )
    reasons: list[str] = strawberry.field(description="Why it fits, as sentences.")

    @classmethod
    def of(cls, match: JobMatch) -> MarketplaceJobMatch:
        return cls(job=MarketplaceJob.from_row(match.job), score=match.score, reasons=match.reasons)


@strawberry.type(description="A screening exam. Its answer keys never leave the server.")
class MarketplaceExam(Node):
    pk: strawberry.Private[int]
    skill_pk: strawberry.Private[int | None]
    organization_pk: strawberry.Private[int | None]
    title: str = strawberry.field(description="The exam's name.")
    instructions: str = strawberry.field(description="What the worker is told before starting.")
    level: int | None = strawberry.field(description="The skill level that passing verifies.")
    time_limit_minutes: int = strawberry.field(description="Minutes the worker has once started.")
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

    @strawberry.field(
        description="The skill that passing verifies; null for an organization's own check."
    )
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
    id: strawberry.ID = strawberry.field(description="The question's ID, to answer it by.")
    position: int = strawberry.field(description="Its place in the exam, from 1.")
    kind: QuestionKind = strawberry.field(description="How it is answered.")
    prompt: str = strawberry.field(description="The question.")
    choices: list[str] = strawberry.field(
        description="The options of a choice question; empty otherwise."
    )
    points: int = strawberry.field(description="What a right answer scores.")

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


@strawberry.type(description="An answer given in an exam attempt.")
class MarketplaceExamAnswer:
    question_id: strawberry.ID = strawberry.field(description="The ID of the question answered.")
    answer: str = strawberry.field(description="The answer given.")


@strawberry.type(description="One try at an exam: its clock, the answers given and the result.")
class MarketplaceExamAttempt(Node):
    exam_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    status: AttemptStatus = strawberry.field(description="Where the attempt is.")
    score: int | None = strawberry.field(
        description="Percent of the points scored; null until graded."
    )
    started_at: datetime = strawberry.field(description="When it started (UTC, ISO 8601).")
    deadline: datetime = strawberry.field(
        description="When the time limit runs out (UTC, ISO 8601)."
    )
    submitted_at: datetime | None = strawberry.field(
        description="When it was submitted (UTC, ISO 8601); null before."
    )
    late: bool = strawberry.field(description="The time limit passed before it was submitted.")
    answers: list[MarketplaceExamAnswer] = strawberry.field(description="The answers given so far.")

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

    @strawberry.field(description="The exam attempted.")
    async def exam(self, info: strawberry.Info) -> MarketplaceExam:
        return MarketplaceExam.from_row(await info.context.by_id(models.Exam).load(self.exam_pk))

    @strawberry.field(description="The worker who attempted it.")
    async def worker(self, info: strawberry.Info) -> Worker:
        return await _worker(info, self.worker_pk)

    @strawberry.field(description="The exam's questions, in order (without answer keys).")
    async def questions(self, info: strawberry.Info) -> list[MarketplaceExamQuestion]:
        loader = info.context.children(models.ExamQuestion, "exam_id", "position")
        return [MarketplaceExamQuestion.from_row(q) for q in await loader.load(self.exam_pk)]


@strawberry.type(description="A step an organization asks of workers before a contract starts.")
class MarketplaceOnboardingStep(Node):
    kind: StepKind = strawberry.field(description="What the step asks.")
    title: str = strawberry.field(description="The step's title.")
    body: str = strawberry.field(description="What the worker reads or agrees to.")
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


@strawberry.type(description="One onboarding step and whether the worker completed it.")
class MarketplaceOnboardingProgress:
    step: MarketplaceOnboardingStep = strawberry.field(
        description="The step the organization asks for."
    )
    done: bool = strawberry.field(description="Whether the worker completed it.")

    @classmethod
    def of(cls, state: onboarding.StepState) -> MarketplaceOnboardingProgress:
        return cls(step=MarketplaceOnboardingStep.from_row(state.step), done=state.done)
