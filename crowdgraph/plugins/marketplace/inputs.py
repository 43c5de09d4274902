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
    project_id: strawberry.ID = strawberry.field(description="The Project the job is a stage of.")
    title: str = strawberry.field(description="The job's title.")
    description: str = strawberry.field(description="The job in detail.")
    pricing: Pricing = strawberry.field(description="A fixed price or an hourly rate.")
    budget: Long = strawberry.field(
        description="Fixed: the whole price. Hourly: the highest hourly rate. Minor units."
    )
    duration_days: int = strawberry.field(description="How long the work should take, in days.")
    skills: list[str] = strawberry.field(
        default_factory=list,
        description="Slugs of the skills it asks for.",
    )
    weekly_hours_cap: int | None = strawberry.field(
        default=None,
        description="Hourly jobs: the most hours a week the client pays; null for no cap.",
    )
    requirements: list[JSON] = strawberry.field(
        default_factory=list,
        description='Screening, e.g. {"kind": "skill", "skill": "python", "min_level": 3, '
        '"verified": true}, or the requirement field of a MarketplaceExam to ask for a pass.',
    )
    onboarding_step_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="MarketplaceOnboardingSteps a hired worker must complete first.",
    )
    audience: Audience | None = strawberry.field(
        default=None, description="Which crowd may see and propose; null: the project's audience."
    )


@strawberry.type(description="The result of posting a job or changing its status.")
class MarketplaceJobPayload(Payload):
    job: MarketplaceJob | None = strawberry.field(
        default=None, description="The job as saved; null when refused."
    )


@strawberry.input
class SetMarketplaceJobStatusInput:
    job_id: strawberry.ID = strawberry.field(description="The MarketplaceJob to change.")
    status: JobStatus = strawberry.field(description="OPEN to reopen, CLOSED to close.")


@strawberry.input
class SubmitMarketplaceProposalInput:
    job_id: strawberry.ID = strawberry.field(description="The MarketplaceJob to propose for.")
    cover_letter: str = strawberry.field(description="The pitch to the client.")
    bid: Long = strawberry.field(description="Fixed: the whole price. Hourly: the rate.")
    timeline_days: int = strawberry.field(description="Days needed to do the work.")


@strawberry.type(description="The result of a change to a proposal.")
class MarketplaceProposalPayload(Payload):
    proposal: MarketplaceProposal | None = strawberry.field(
        default=None, description="The proposal as saved; null when refused."
    )


@strawberry.input(description="The proposal a mutation acts on.")
class MarketplaceProposalIdInput:
    proposal_id: strawberry.ID = strawberry.field(description="The MarketplaceProposal's ID.")


@strawberry.input
class DecideMarketplaceProposalInput:
    proposal_id: strawberry.ID = strawberry.field(
        description="The MarketplaceProposal to decide on."
    )
    decision: ProposalStatus = strawberry.field(description="SHORTLISTED or DECLINED.")


@strawberry.input
class InviteToMarketplaceJobInput:
    job_id: strawberry.ID = strawberry.field(description="The MarketplaceJob to invite to.")
    worker_id: strawberry.ID = strawberry.field(description="The Worker to invite.")
    message: str = strawberry.field(default="", description="A note to the worker.")


@strawberry.type
class InviteToMarketplaceJobPayload(Payload):
    invitation: MarketplaceInvitation | None = strawberry.field(
        default=None, description="The invitation sent; null when refused."
    )


@strawberry.input(description="A milestone of a fixed-price contract, as planned at hiring.")
class MarketplaceMilestonePlanInput:
    title: str = strawberry.field(description="What is delivered.")
    amount: Long = strawberry.field(description="What it pays, in minor units.")


FUND_ALL = (
    "True: starting the contract puts every milestone into escrow. False: only the first; "
    "fund the others one at a time with fundMarketplaceMilestone."
)


@strawberry.input
class HireMarketplaceWorkerInput:
    proposal_id: strawberry.ID = strawberry.field(description="The MarketplaceProposal to accept.")
    milestones: list[MarketplaceMilestonePlanInput] = strawberry.field(
        default_factory=list,
        description="Fixed-price plan adding up to the bid; one milestone for the bid if empty.",
    )
    fund_all_milestones: bool = strawberry.field(default=True, description=FUND_ALL)


@strawberry.input
class HireMarketplaceOfferInput:
    offer_id: strawberry.ID = strawberry.field(description="The MarketplaceOffer to hire.")
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
    contract_id: strawberry.ID = strawberry.field(
        description="The fixed-price MarketplaceContract."
    )
    title: str = strawberry.field(description="What is delivered.")
    amount: Long = strawberry.field(description="Minor units; the contract's price grows by it.")
    fund: bool = strawberry.field(
        default=False, description="Put it into escrow now (the contract must have started)."
    )


@strawberry.type(description="The result of a change to a contract.")
class MarketplaceContractPayload(Payload):
    contract: MarketplaceContract | None = strawberry.field(
        default=None, description="The contract as changed; null when refused."
    )


@strawberry.input(description="The contract a mutation acts on.")
class MarketplaceContractIdInput:
    contract_id: strawberry.ID = strawberry.field(description="The MarketplaceContract's ID.")


@strawberry.input
class SubmitMarketplaceMilestoneInput:
    milestone_id: strawberry.ID = strawberry.field(
        description="The MarketplaceMilestone delivered."
    )
    note: str = strawberry.field(description="What was delivered: text or links.")


@strawberry.input(description="The milestone a mutation acts on.")
class MarketplaceMilestoneIdInput:
    milestone_id: strawberry.ID = strawberry.field(description="The MarketplaceMilestone's ID.")


@strawberry.input
class RequestMarketplaceMilestoneChangesInput:
    milestone_id: strawberry.ID = strawberry.field(
        description="The submitted MarketplaceMilestone."
    )
    feedback: str = strawberry.field(description="What to change, for the worker.")


@strawberry.type(description="The result of a change to a milestone.")
class MarketplaceMilestonePayload(Payload):
    milestone: MarketplaceMilestone | None = strawberry.field(
        default=None, description="The milestone as changed; null when refused."
    )


@strawberry.input
class LogMarketplaceTimeInput:
    contract_id: strawberry.ID = strawberry.field(description="The hourly MarketplaceContract.")
    work_date: date = strawberry.field(description="The day worked (ISO 8601 date).")
    minutes: int = strawberry.field(description="Minutes worked that day.")
    description: str = strawberry.field(default="", description="What was done.")


@strawberry.input
class DecideMarketplaceTimeEntryInput:
    time_entry_id: strawberry.ID = strawberry.field(
        description="The MarketplaceTimeEntry to decide on."
    )
    approve: bool = strawberry.field(description="True to approve and pay, false to reject.")


@strawberry.type(description="The result of logging time or deciding on it.")
class MarketplaceTimeEntryPayload(Payload):
    time_entry: MarketplaceTimeEntry | None = strawberry.field(
        default=None, description="The time entry as changed; null when refused."
    )


@strawberry.input
class LeaveMarketplaceFeedbackInput:
    contract_id: strawberry.ID = strawberry.field(description="The ended MarketplaceContract.")
    rating: int = strawberry.field(description="Stars, 1 to 5.")
    comment: str = strawberry.field(default="", description="What to say about the other side.")


@strawberry.type
class LeaveMarketplaceFeedbackPayload(Payload):
    contract: MarketplaceContract | None = strawberry.field(
        default=None, description="The contract with its feedback; null when refused."
    )


@strawberry.input
class OpenMarketplaceDisputeInput:
    milestone_id: strawberry.ID = strawberry.field(
        description="The MarketplaceMilestone in dispute."
    )
    reason: str = strawberry.field(description="Why, for the admin.")


@strawberry.input
class ResolveMarketplaceDisputeInput:
    dispute_id: strawberry.ID = strawberry.field(description="The MarketplaceDispute to settle.")
    outcome: DisputeOutcome = strawberry.field(description="Release, refund or split the escrow.")
    worker_amount: Long | None = strawberry.field(
        default=None,
        description="SPLIT: minor units paid to the worker, the rest refunded; null otherwise.",
    )
    note: str = strawberry.field(default="", description="The explanation both sides will read.")


@strawberry.type(description="The result of opening or resolving a dispute.")
class MarketplaceDisputePayload(Payload):
    dispute: MarketplaceDispute | None = strawberry.field(
        default=None, description="The dispute as changed; null when refused."
    )


@strawberry.input(description="A skill talent must have, at a level.")
class MarketplaceTalentSkillInput:
    slug: str = strawberry.field(description="The skill's slug, e.g. python.")
    min_level: int = strawberry.field(default=1, description="The lowest level accepted (1-5).")
    verified: bool = strawberry.field(
        default=False, description="True to accept only verified levels."
    )


@strawberry.input(description="Which workers to find; every condition given must hold.")
class MarketplaceTalentSearchInput:
    skills: list[MarketplaceTalentSkillInput] = strawberry.field(
        default_factory=list,
        description="Skills the worker must all have.",
    )
    min_rating: float | None = strawberry.field(
        default=None, description="The lowest average client rating (1-5); null for any."
    )
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
    availability: Availability | None = strawberry.field(
        default=None, description="Only workers with this availability; null for any."
    )
    kind: WorkerKind | None = strawberry.field(
        default=None, description="Only internal or only external workers; null for both."
    )
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country code; null for any."
    )


@strawberry.input(description="A question of a new exam, with its answer key.")
class MarketplaceExamQuestionInput:
    kind: QuestionKind = strawberry.field(description="How it is answered.")
    prompt: str = strawberry.field(description="The question.")
    choices: list[str] = strawberry.field(
        default_factory=list,
        description="The options of a choice question.",
    )
    answer_key: list[str] = strawberry.field(
        default_factory=list,
        description="Choice: the index of the right choice. Short: every accepted answer. "
        "Stored on the server only; no query returns it.",
    )
    points: int = strawberry.field(default=1, description="What a right answer scores.")


@strawberry.input
class CreateMarketplaceExamInput:
    title: str = strawberry.field(description="The exam's name.")
    questions: list[MarketplaceExamQuestionInput] = strawberry.field(
        description="The questions, in order."
    )
    time_limit_minutes: int = strawberry.field(description="Minutes a worker has once started.")
    pass_mark: int = strawberry.field(description="Percent of the points needed to pass (0-100).")
    cooldown_hours: int = strawberry.field(
        description="Hours to wait before retrying after a failure."
    )
    instructions: str = strawberry.field(
        default="", description="What the worker is told before starting."
    )
    skill: str | None = strawberry.field(
        default=None, description="Platform exams (admins): the skill that passing verifies."
    )
    level: int | None = strawberry.field(
        default=None, description="Platform exams: the skill level passing verifies (1-5)."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="An organization's own check, graded by hand if manual."
    )
    manual: bool = strawberry.field(default=False, description="True to grade attempts by hand.")


@strawberry.type
class MarketplaceExamPayload(Payload):
    exam: MarketplaceExam | None = strawberry.field(
        default=None, description="The new exam; null when refused."
    )


@strawberry.input
class StartMarketplaceExamInput:
    exam_id: strawberry.ID = strawberry.field(description="The MarketplaceExam to take.")


@strawberry.input(description="An answer to one exam question.")
class MarketplaceExamAnswerInput:
    question_id: strawberry.ID = strawberry.field(description="The question answered.")
    answer: str = strawberry.field(
        description="Choice: the index of the choice. Otherwise: the text."
    )


@strawberry.input
class SubmitMarketplaceExamInput:
    attempt_id: strawberry.ID = strawberry.field(
        description="The MarketplaceExamAttempt in progress."
    )
    answers: list[MarketplaceExamAnswerInput] = strawberry.field(
        description="The answers; a question left out scores 0."
    )


@strawberry.input
class GradeMarketplaceExamAttemptInput:
    attempt_id: strawberry.ID = strawberry.field(
        description="The MarketplaceExamAttempt awaiting grading."
    )
    score: int = strawberry.field(description="Percent, 0 to 100.")


@strawberry.type(description="The result of starting, submitting or grading an exam attempt.")
class MarketplaceExamAttemptPayload(Payload):
    attempt: MarketplaceExamAttempt | None = strawberry.field(
        default=None, description="The attempt as changed; null when refused."
    )


@strawberry.input
class CreateMarketplaceOfferInput:
    title: str = strawberry.field(description="What you offer, in a line.")
    description: str = strawberry.field(description="The offer in detail.")
    pricing: Pricing = strawberry.field(description="A fixed price or an hourly rate.")
    price: Long = strawberry.field(description="Fixed price or hourly rate, minor units.")
    currency: str = strawberry.field(description="The ISO 4217 currency of the price.")
    delivery_days: int = strawberry.field(description="Days you need to deliver.")
    skills: list[str] = strawberry.field(
        default_factory=list,
        description="Slugs of the skills it uses.",
    )


@strawberry.input
class SetMarketplaceOfferActiveInput:
    offer_id: strawberry.ID = strawberry.field(description="One of your MarketplaceOffers.")
    active: bool = strawberry.field(description="True to list it, false to withdraw it.")


@strawberry.type(description="The result of a change to an offer.")
class MarketplaceOfferPayload(Payload):
    offer: MarketplaceOffer | None = strawberry.field(
        default=None, description="The offer as saved; null when refused."
    )


@strawberry.input(description="Which offers to find; every condition given must hold.")
class MarketplaceOfferSearchInput:
    text: str | None = strawberry.field(
        default=None, description="Words to find in the title or description; null for any."
    )
    skill: str | None = strawberry.field(
        default=None, description="Only offers using this skill slug; null for any."
    )
    pricing: Pricing | None = strawberry.field(
        default=None, description="Only fixed-price or only hourly offers; null for both."
    )
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
    worker_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this Worker's offers; null for anyone's."
    )


@strawberry.input
class AddMarketplaceOnboardingStepInput:
    organization_id: strawberry.ID = strawberry.field(
        description="The Organization asking it of its hires."
    )
    kind: StepKind = strawberry.field(description="What the step asks.")
    title: str = strawberry.field(description="The step's title.")
    body: str = strawberry.field(default="", description="What the worker reads or agrees to.")
    exam_id: strawberry.ID | None = strawberry.field(
        default=None, description="Screening steps: the MarketplaceExam to pass."
    )


@strawberry.type
class MarketplaceOnboardingStepPayload(Payload):
    step: MarketplaceOnboardingStep | None = strawberry.field(
        default=None, description="The new step; null when refused."
    )


@strawberry.input
class CompleteMarketplaceOnboardingStepInput:
    step_id: strawberry.ID = strawberry.field(description="The MarketplaceOnboardingStep done.")
    value: str = strawberry.field(
        default="",
        description="Sign: your full name. Payment details: the account (only its end is kept).",
    )


@strawberry.type
class CompleteMarketplaceOnboardingStepPayload(Payload):
    progress: MarketplaceOnboardingProgress | None = strawberry.field(
        default=None, description="The step and whether it is done; null when refused."
    )


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
