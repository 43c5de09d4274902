"""Input and payload types of the marketplace's mutations and searches."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.scalars import JSON

from crowdgraph.plugins.marketplace.models import (
    DisputeOutcome,
    JobStatus,
    Pricing,
    ProposalStatus,
    QuestionKind,
    StepKind,
)
from crowdgraph.plugins.marketplace.types import (
    MarketplaceContract,
    MarketplaceDispute,
    MarketplaceExam,
    MarketplaceExamAttempt,
    MarketplaceInvitation,
    MarketplaceJob,
    MarketplaceMilestone,
    MarketplaceOffer,
    MarketplaceOnboardingProgress,
    MarketplaceOnboardingStep,
    MarketplaceProposal,
    MarketplaceTimeEntry,
)
from crowdgraph.schema.errors import Payload
from crowdgraph.schema.relay import decode_id
from crowdgraph.schema.types import Audience, Availability, Long, WorkerKind


@strawberry.input
class PostJobInput:
    project_id: strawberry.ID
    title: str
    description: str
    pricing: Pricing
    budget: Long = strawberry.field(
        description="Fixed: the whole price. Hourly: the highest hourly rate. Minor units."
    )
    duration_days: int
    skills: list[str] = strawberry.field(default_factory=list)
    weekly_hours_cap: int | None = None
    requirements: list[JSON] = strawberry.field(
        default_factory=list,
        description='Screening, e.g. {"kind": "skill", "skill": "python", "min_level": 3, '
        '"verified": true}, or the requirement field of a MarketplaceExam to ask for a pass.',
    )
    onboarding_step_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    audience: Audience | None = None


@strawberry.type
class JobPayload(Payload):
    job: MarketplaceJob | None = None


@strawberry.input
class SetJobStatusInput:
    job_id: strawberry.ID
    status: JobStatus


@strawberry.input
class SubmitProposalInput:
    job_id: strawberry.ID
    cover_letter: str
    bid: Long = strawberry.field(description="Fixed: the whole price. Hourly: the rate.")
    timeline_days: int


@strawberry.type
class ProposalPayload(Payload):
    proposal: MarketplaceProposal | None = None


@strawberry.input
class ProposalIdInput:
    proposal_id: strawberry.ID


@strawberry.input
class DecideProposalInput:
    proposal_id: strawberry.ID
    decision: ProposalStatus = strawberry.field(description="SHORTLISTED or DECLINED.")


@strawberry.input
class InviteToJobInput:
    job_id: strawberry.ID
    worker_id: strawberry.ID
    message: str = ""


@strawberry.type
class InviteToJobPayload(Payload):
    invitation: MarketplaceInvitation | None = None


@strawberry.input
class MilestonePlanInput:
    title: str
    amount: Long


@strawberry.input
class HireInput:
    proposal_id: strawberry.ID
    milestones: list[MilestonePlanInput] = strawberry.field(
        default_factory=list,
        description="Fixed-price plan adding up to the bid; one milestone for the bid if empty.",
    )


@strawberry.type
class ContractPayload(Payload):
    contract: MarketplaceContract | None = None


@strawberry.input
class ContractIdInput:
    contract_id: strawberry.ID


@strawberry.input
class SubmitMilestoneInput:
    milestone_id: strawberry.ID
    note: str


@strawberry.input
class MilestoneIdInput:
    milestone_id: strawberry.ID


@strawberry.input
class RequestMilestoneChangesInput:
    milestone_id: strawberry.ID
    feedback: str


@strawberry.type
class MilestonePayload(Payload):
    milestone: MarketplaceMilestone | None = None


@strawberry.input
class LogTimeInput:
    contract_id: strawberry.ID
    work_date: date
    minutes: int
    description: str = ""


@strawberry.input
class DecideTimeEntryInput:
    time_entry_id: strawberry.ID
    approve: bool


@strawberry.type
class TimeEntryPayload(Payload):
    time_entry: MarketplaceTimeEntry | None = None


@strawberry.input
class LeaveContractFeedbackInput:
    contract_id: strawberry.ID
    rating: int
    comment: str = ""


@strawberry.type
class LeaveContractFeedbackPayload(Payload):
    contract: MarketplaceContract | None = None


@strawberry.input
class OpenDisputeInput:
    milestone_id: strawberry.ID
    reason: str


@strawberry.input
class ResolveDisputeInput:
    dispute_id: strawberry.ID
    outcome: DisputeOutcome
    worker_amount: Long | None = None
    note: str = ""


@strawberry.type
class DisputePayload(Payload):
    dispute: MarketplaceDispute | None = None


@strawberry.input
class TalentSkillInput:
    slug: str
    min_level: int = 1
    verified: bool = False


@strawberry.input
class TalentSearchInput:
    skills: list[TalentSkillInput] = strawberry.field(default_factory=list)
    min_rating: float | None = None
    max_rate: Long | None = None
    availability: Availability | None = None
    kind: WorkerKind | None = None
    country: str | None = None


@strawberry.input
class ExamQuestionInput:
    kind: QuestionKind
    prompt: str
    choices: list[str] = strawberry.field(default_factory=list)
    answer_key: list[str] = strawberry.field(
        default_factory=list,
        description="Choice: the index of the right choice. Short: every accepted answer. "
        "Stored on the server only; no query returns it.",
    )
    points: int = 1


@strawberry.input
class CreateExamInput:
    title: str
    questions: list[ExamQuestionInput]
    time_limit_minutes: int
    pass_mark: int
    cooldown_hours: int
    instructions: str = ""
    skill: str | None = strawberry.field(
        default=None, description="Platform exams (admins): the skill that passing verifies."
    )
    level: int | None = None
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="An organization's own check, graded by hand if manual."
    )
    manual: bool = False


@strawberry.type
class ExamPayload(Payload):
    exam: MarketplaceExam | None = None


@strawberry.input
class StartExamInput:
    exam_id: strawberry.ID


@strawberry.input
class ExamAnswerInput:
    question_id: strawberry.ID
    answer: str


@strawberry.input
class SubmitExamInput:
    attempt_id: strawberry.ID
    answers: list[ExamAnswerInput]


@strawberry.input
class GradeExamAttemptInput:
    attempt_id: strawberry.ID
    score: int = strawberry.field(description="Percent, 0 to 100.")


@strawberry.type
class ExamAttemptPayload(Payload):
    attempt: MarketplaceExamAttempt | None = None


@strawberry.input
class CreateOfferInput:
    title: str
    description: str
    pricing: Pricing
    price: Long = strawberry.field(description="Fixed price or hourly rate, minor units.")
    currency: str
    delivery_days: int
    skills: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class SetOfferActiveInput:
    offer_id: strawberry.ID
    active: bool


@strawberry.type
class OfferPayload(Payload):
    offer: MarketplaceOffer | None = None


@strawberry.input
class OfferSearchInput:
    text: str | None = None
    skill: str | None = None
    pricing: Pricing | None = None
    max_price: Long | None = None
    worker_id: strawberry.ID | None = None


@strawberry.input
class AddOnboardingStepInput:
    organization_id: strawberry.ID
    kind: StepKind
    title: str
    body: str = ""
    exam_id: strawberry.ID | None = None


@strawberry.type
class OnboardingStepPayload(Payload):
    step: MarketplaceOnboardingStep | None = None


@strawberry.input
class CompleteOnboardingStepInput:
    step_id: strawberry.ID
    value: str = strawberry.field(
        default="",
        description="Sign: your full name. Payment details: the account (only its end is kept).",
    )


@strawberry.type
class CompleteOnboardingStepPayload(Payload):
    progress: MarketplaceOnboardingProgress | None = None


# -- global IDs in inputs ---------------------------------------------------------------------


def job_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceJob", field="jobId")


def proposal_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceProposal", field="proposalId")


def contract_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceContract", field="contractId")


def organization_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "Organization", field="organizationId")


def attempt_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceExamAttempt", field="attemptId")


def milestone_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceMilestone", field="milestoneId")
