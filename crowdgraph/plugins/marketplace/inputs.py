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
class PostMarketplaceJobInput:
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
class MarketplaceJobPayload(Payload):
    job: MarketplaceJob | None = None


@strawberry.input
class SetMarketplaceJobStatusInput:
    job_id: strawberry.ID
    status: JobStatus


@strawberry.input
class SubmitMarketplaceProposalInput:
    job_id: strawberry.ID
    cover_letter: str
    bid: Long = strawberry.field(description="Fixed: the whole price. Hourly: the rate.")
    timeline_days: int


@strawberry.type
class MarketplaceProposalPayload(Payload):
    proposal: MarketplaceProposal | None = None


@strawberry.input
class MarketplaceProposalIdInput:
    proposal_id: strawberry.ID


@strawberry.input
class DecideMarketplaceProposalInput:
    proposal_id: strawberry.ID
    decision: ProposalStatus = strawberry.field(description="SHORTLISTED or DECLINED.")


@strawberry.input
class InviteToMarketplaceJobInput:
    job_id: strawberry.ID
    worker_id: strawberry.ID
    message: str = ""


@strawberry.type
class InviteToMarketplaceJobPayload(Payload):
    invitation: MarketplaceInvitation | None = None


@strawberry.input
class MarketplaceMilestonePlanInput:
    title: str
    amount: Long


FUND_ALL = (
    "True: starting the contract puts every milestone into escrow. False: only the first; "
    "fund the others one at a time with fundMarketplaceMilestone."
)


@strawberry.input
class HireMarketplaceWorkerInput:
    proposal_id: strawberry.ID
    milestones: list[MarketplaceMilestonePlanInput] = strawberry.field(
        default_factory=list,
        description="Fixed-price plan adding up to the bid; one milestone for the bid if empty.",
    )
    fund_all_milestones: bool = strawberry.field(default=True, description=FUND_ALL)


@strawberry.input
class HireMarketplaceOfferInput:
    offer_id: strawberry.ID
    project_id: strawberry.ID = strawberry.field(
        description="The organization's project the work is for; its audience must admit the "
        "worker."
    )
    milestones: list[MarketplaceMilestonePlanInput] = strawberry.field(
        default_factory=list,
        description="Fixed-price plan adding up to the offer's price; one milestone if empty.",
    )
    weekly_hours_cap: int | None = strawberry.field(
        default=None, description="Hourly offers: the most hours a week (1 to 80)."
    )
    fund_all_milestones: bool = strawberry.field(default=True, description=FUND_ALL)


@strawberry.input
class AddMarketplaceMilestoneInput:
    contract_id: strawberry.ID
    title: str
    amount: Long = strawberry.field(description="Minor units; the contract's price grows by it.")
    fund: bool = strawberry.field(
        default=False, description="Put it into escrow now (the contract must have started)."
    )


@strawberry.type
class MarketplaceContractPayload(Payload):
    contract: MarketplaceContract | None = None


@strawberry.input
class MarketplaceContractIdInput:
    contract_id: strawberry.ID


@strawberry.input
class SubmitMarketplaceMilestoneInput:
    milestone_id: strawberry.ID
    note: str


@strawberry.input
class MarketplaceMilestoneIdInput:
    milestone_id: strawberry.ID


@strawberry.input
class RequestMarketplaceMilestoneChangesInput:
    milestone_id: strawberry.ID
    feedback: str


@strawberry.type
class MarketplaceMilestonePayload(Payload):
    milestone: MarketplaceMilestone | None = None


@strawberry.input
class LogMarketplaceTimeInput:
    contract_id: strawberry.ID
    work_date: date
    minutes: int
    description: str = ""


@strawberry.input
class DecideMarketplaceTimeEntryInput:
    time_entry_id: strawberry.ID
    approve: bool


@strawberry.type
class MarketplaceTimeEntryPayload(Payload):
    time_entry: MarketplaceTimeEntry | None = None


@strawberry.input
class LeaveMarketplaceFeedbackInput:
    contract_id: strawberry.ID
    rating: int
    comment: str = ""


@strawberry.type
class LeaveMarketplaceFeedbackPayload(Payload):
    contract: MarketplaceContract | None = None


@strawberry.input
class OpenMarketplaceDisputeInput:
    milestone_id: strawberry.ID
    reason: str


@strawberry.input
class ResolveMarketplaceDisputeInput:
    dispute_id: strawberry.ID
    outcome: DisputeOutcome
    worker_amount: Long | None = None
    note: str = ""


@strawberry.type
class MarketplaceDisputePayload(Payload):
    dispute: MarketplaceDispute | None = None


@strawberry.input
class MarketplaceTalentSkillInput:
    slug: str
    min_level: int = 1
    verified: bool = False


@strawberry.input
class MarketplaceTalentSearchInput:
    skills: list[MarketplaceTalentSkillInput] = strawberry.field(default_factory=list)
    min_rating: float | None = None
    max_rate: Long | None = strawberry.field(
        default=None,
        description="The highest hourly rate, minor units of currency. Workers without a rate are "
        "kept; a rate in another currency never matches (there are no exchange rates).",
    )
    currency: str | None = strawberry.field(
        default=None,
        description="The currency of maxRate; by default your organizations' (when they share "
        "one).",
    )
    availability: Availability | None = None
    kind: WorkerKind | None = None
    country: str | None = None


@strawberry.input
class MarketplaceExamQuestionInput:
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
class CreateMarketplaceExamInput:
    title: str
    questions: list[MarketplaceExamQuestionInput]
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
class MarketplaceExamPayload(Payload):
    exam: MarketplaceExam | None = None


@strawberry.input
class StartMarketplaceExamInput:
    exam_id: strawberry.ID


@strawberry.input
class MarketplaceExamAnswerInput:
    question_id: strawberry.ID
    answer: str


@strawberry.input
class SubmitMarketplaceExamInput:
    attempt_id: strawberry.ID
    answers: list[MarketplaceExamAnswerInput]


@strawberry.input
class GradeMarketplaceExamAttemptInput:
    attempt_id: strawberry.ID
    score: int = strawberry.field(description="Percent, 0 to 100.")


@strawberry.type
class MarketplaceExamAttemptPayload(Payload):
    attempt: MarketplaceExamAttempt | None = None


@strawberry.input
class CreateMarketplaceOfferInput:
    title: str
    description: str
    pricing: Pricing
    price: Long = strawberry.field(description="Fixed price or hourly rate, minor units.")
    currency: str
    delivery_days: int
    skills: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class SetMarketplaceOfferActiveInput:
    offer_id: strawberry.ID
    active: bool


@strawberry.type
class MarketplaceOfferPayload(Payload):
    offer: MarketplaceOffer | None = None


@strawberry.input
class MarketplaceOfferSearchInput:
    text: str | None = None
    skill: str | None = None
    pricing: Pricing | None = None
    max_price: Long | None = strawberry.field(
        default=None,
        description="The highest price or rate, minor units of currency; an offer priced in "
        "another currency never matches (there are no exchange rates).",
    )
    currency: str | None = strawberry.field(
        default=None,
        description="Only offers priced in this currency. With maxPrice it defaults to your "
        "organizations' currency (when they share one), else your worker profile's.",
    )
    worker_id: strawberry.ID | None = None


@strawberry.input
class AddMarketplaceOnboardingStepInput:
    organization_id: strawberry.ID
    kind: StepKind
    title: str
    body: str = ""
    exam_id: strawberry.ID | None = None


@strawberry.type
class MarketplaceOnboardingStepPayload(Payload):
    step: MarketplaceOnboardingStep | None = None


@strawberry.input
class CompleteMarketplaceOnboardingStepInput:
    step_id: strawberry.ID
    value: str = strawberry.field(
        default="",
        description="Sign: your full name. Payment details: the account (only its end is kept).",
    )


@strawberry.type
class CompleteMarketplaceOnboardingStepPayload(Payload):
    progress: MarketplaceOnboardingProgress | None = None


# -- global IDs in inputs ---------------------------------------------------------------------


def job_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceJob", field="jobId")


def proposal_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceProposal", field="proposalId")


def contract_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceContract", field="contractId")


def offer_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceOffer", field="offerId")


def organization_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "Organization", field="organizationId")


def attempt_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceExamAttempt", field="attemptId")


def milestone_pk(gid: strawberry.ID) -> int:
    return decode_id(gid, "MarketplaceMilestone", field="milestoneId")
