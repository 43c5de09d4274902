"""The marketplace's mutations: each reads its input, calls one service, maps the result."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

import strawberry

from crowdgraph.plugins.marketplace import (
    contracts,
    disputes,
    exams,
    feedback,
    jobs,
    offers,
    onboarding,
    proposals,
)
from crowdgraph.plugins.marketplace.inputs import (
    AddMarketplaceMilestoneInput,
    AddMarketplaceOnboardingStepInput,
    CompleteMarketplaceOnboardingStepInput,
    CompleteMarketplaceOnboardingStepPayload,
    CreateMarketplaceExamInput,
    CreateMarketplaceOfferInput,
    DecideMarketplaceProposalInput,
    DecideMarketplaceTimeEntryInput,
    GradeMarketplaceExamAttemptInput,
    HireMarketplaceOfferInput,
    HireMarketplaceWorkerInput,
    InviteToMarketplaceJobInput,
    InviteToMarketplaceJobPayload,
    LeaveMarketplaceFeedbackInput,
    LeaveMarketplaceFeedbackPayload,
    LogMarketplaceTimeInput,
    MarketplaceContractIdInput,
    MarketplaceContractPayload,
    MarketplaceDisputePayload,
    MarketplaceExamAttemptPayload,
    MarketplaceExamPayload,
    MarketplaceJobPayload,
    MarketplaceMilestoneIdInput,
    MarketplaceMilestonePayload,
    MarketplaceMilestonePlanInput,
    MarketplaceOfferPayload,
    MarketplaceOnboardingStepPayload,
    MarketplaceProposalIdInput,
    MarketplaceProposalPayload,
    MarketplaceTimeEntryPayload,
    OpenMarketplaceDisputeInput,
    PostMarketplaceJobInput,
    RequestMarketplaceMilestoneChangesInput,
    ResolveMarketplaceDisputeInput,
    SetMarketplaceJobStatusInput,
    SetMarketplaceOfferActiveInput,
    StartMarketplaceExamInput,
    SubmitMarketplaceExamInput,
    SubmitMarketplaceMilestoneInput,
    SubmitMarketplaceProposalInput,
    attempt_pk,
    contract_pk,
    job_pk,
    milestone_pk,
    offer_pk,
    organization_pk,
    proposal_pk,
)
from crowdgraph.plugins.marketplace.models import (
    Contract,
    OnboardingStep,
)
from crowdgraph.plugins.marketplace.settings import settings_of
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
from crowdgraph.schema.errors import run_mutation
from crowdgraph.schema.relay import decode_id


async def _milestone_payload(coro: Awaitable[Any]) -> dict[str, Any]:
    row = await coro
    contract = await Contract.get(id=row.contract_id)
    return {"milestone": MarketplaceMilestone.from_row(row, contract.currency)}


def _plan(milestones: list[MarketplaceMilestonePlanInput]) -> list[contracts.MilestonePlan]:
    return [contracts.MilestonePlan(m.title, m.amount) for m in milestones]


@strawberry.type
class MarketplaceMutation:
    @strawberry.mutation(description="Post a job on one of your organization's projects.")
    async def post_marketplace_job(
        self, info: strawberry.Info, input: PostMarketplaceJobInput
    ) -> MarketplaceJobPayload:
        async def act() -> dict[str, Any]:
            draft = jobs.JobDraft(
                project_id=decode_id(input.project_id, "Project", field="projectId"),
                title=input.title,
                description=input.description,
                pricing=input.pricing,
                budget=input.budget,
                duration_days=input.duration_days,
                skills=input.skills,
                weekly_hours_cap=input.weekly_hours_cap,
                requirements=cast(list[dict[str, Any]], list(input.requirements)),
                onboarding_step_ids=[
                    decode_id(i, "MarketplaceOnboardingStep", field="onboardingStepIds")
                    for i in input.onboarding_step_ids
                ],
                audience=input.audience,
            )
            job = await jobs.post_job(info.context.actor, draft)
            return {"job": MarketplaceJob.from_row(job)}

        return await run_mutation(MarketplaceJobPayload, act())

    @strawberry.mutation(description="Close an open job or reopen a closed one.")
    async def set_marketplace_job_status(
        self, info: strawberry.Info, input: SetMarketplaceJobStatusInput
    ) -> MarketplaceJobPayload:
        async def act() -> dict[str, Any]:
            job = await jobs.set_job_status(info.context.actor, job_pk(input.job_id), input.status)
            return {"job": MarketplaceJob.from_row(job)}

        return await run_mutation(MarketplaceJobPayload, act())

    @strawberry.mutation(description="Apply to a job you are eligible for (one active proposal).")
    async def submit_marketplace_proposal(
        self, info: strawberry.Info, input: SubmitMarketplaceProposalInput
    ) -> MarketplaceProposalPayload:
        async def act() -> dict[str, Any]:
            row = await proposals.submit_proposal(
                info.context.actor,
                job_pk(input.job_id),
                input.cover_letter,
                input.bid,
                input.timeline_days,
            )
            return {"proposal": MarketplaceProposal.from_row(row)}

        return await run_mutation(MarketplaceProposalPayload, act())

    @strawberry.mutation(description="Take back one of my proposals before the client decides.")
    async def withdraw_marketplace_proposal(
        self, info: strawberry.Info, input: MarketplaceProposalIdInput
    ) -> MarketplaceProposalPayload:
        async def act() -> dict[str, Any]:
            row = await proposals.withdraw_proposal(
                info.context.actor, proposal_pk(input.proposal_id)
            )
            return {"proposal": MarketplaceProposal.from_row(row)}

        return await run_mutation(MarketplaceProposalPayload, act())

    @strawberry.mutation(description="Shortlist or decline a proposal to your job.")
    async def decide_marketplace_proposal(
        self, info: strawberry.Info, input: DecideMarketplaceProposalInput
    ) -> MarketplaceProposalPayload:
        async def act() -> dict[str, Any]:
            row = await proposals.decide_proposal(
                info.context.actor, proposal_pk(input.proposal_id), input.decision
            )
            return {"proposal": MarketplaceProposal.from_row(row)}

        return await run_mutation(MarketplaceProposalPayload, act())

    @strawberry.mutation(description="Invite an eligible worker to apply to your job.")
    async def invite_to_marketplace_job(
        self, info: strawberry.Info, input: InviteToMarketplaceJobInput
    ) -> InviteToMarketplaceJobPayload:
        async def act() -> dict[str, Any]:
            row = await proposals.invite_worker(
                info.context.actor,
                job_pk(input.job_id),
                decode_id(input.worker_id, "Worker", field="workerId"),
                input.message,
            )
            return {"invitation": MarketplaceInvitation.from_row(row)}

        return await run_mutation(InviteToMarketplaceJobPayload, act())

    @strawberry.mutation(
        description="Hire: a contract that starts (funding escrow) once onboarding is done."
    )
    async def hire_marketplace_worker(
        self, info: strawberry.Info, input: HireMarketplaceWorkerInput
    ) -> MarketplaceContractPayload:
        async def act() -> dict[str, Any]:
            row = await contracts.hire(
                info.context.actor,
                proposal_pk(input.proposal_id),
                _plan(input.milestones),
                fund_all=input.fund_all_milestones,
            )
            return {"contract": MarketplaceContract.from_row(row)}

        return await run_mutation(MarketplaceContractPayload, act())

    @strawberry.mutation(
        description="Hire a worker from their offer, at its price, for one of your projects."
    )
    async def hire_marketplace_offer(
        self, info: strawberry.Info, input: HireMarketplaceOfferInput
    ) -> MarketplaceContractPayload:
        async def act() -> dict[str, Any]:
            row = await contracts.hire_offer(
                info.context.actor,
                offer_pk(input.offer_id),
                decode_id(input.project_id, "Project", field="projectId"),
                _plan(input.milestones),
                input.weekly_hours_cap,
                fund_all=input.fund_all_milestones,
            )
            return {"contract": MarketplaceContract.from_row(row)}

        return await run_mutation(MarketplaceContractPayload, act())

    @strawberry.mutation(
        description="Start a pending contract once the worker's onboarding is done."
    )
    async def start_marketplace_contract(
        self, info: strawberry.Info, input: MarketplaceContractIdInput
    ) -> MarketplaceContractPayload:
        async def act() -> dict[str, Any]:
            row = await contracts.start_contract(info.context.actor, contract_pk(input.contract_id))
            return {"contract": MarketplaceContract.from_row(row)}

        return await run_mutation(MarketplaceContractPayload, act())

    @strawberry.mutation(description="End a contract; unpaid escrow returns, feedback opens.")
    async def end_marketplace_contract(
        self, info: strawberry.Info, input: MarketplaceContractIdInput
    ) -> MarketplaceContractPayload:
        async def act() -> dict[str, Any]:
            row = await contracts.end_contract(
                info.context.actor,
                contract_pk(input.contract_id),
                settings_of(info.context.platform).feedback_window_days,
            )
            return {"contract": MarketplaceContract.from_row(row)}

        return await run_mutation(MarketplaceContractPayload, act())

    @strawberry.mutation(description="The worker submits a milestone's work for approval.")
    async def submit_marketplace_milestone(
        self, info: strawberry.Info, input: SubmitMarketplaceMilestoneInput
    ) -> MarketplaceMilestonePayload:
        async def act() -> dict[str, Any]:
            return await _milestone_payload(
                contracts.submit_milestone(
                    info.context.actor,
                    milestone_pk(input.milestone_id),
                    input.note,
                    settings_of(info.context.platform).auto_release_days,
                )
            )

        return await run_mutation(MarketplaceMilestonePayload, act())

    @strawberry.mutation(description="Approve a milestone: pays it from escrow, exactly once.")
    async def approve_marketplace_milestone(
        self, info: strawberry.Info, input: MarketplaceMilestoneIdInput
    ) -> MarketplaceMilestonePayload:
        async def act() -> dict[str, Any]:
            return await _milestone_payload(
                contracts.approve_milestone(info.context.actor, milestone_pk(input.milestone_id))
            )

        return await run_mutation(MarketplaceMilestonePayload, act())

    @strawberry.mutation(description="Put a planned milestone into escrow so work on it can start.")
    async def fund_marketplace_milestone(
        self, info: strawberry.Info, input: MarketplaceMilestoneIdInput
    ) -> MarketplaceMilestonePayload:
        async def act() -> dict[str, Any]:
            return await _milestone_payload(
                contracts.fund_milestone(info.context.actor, milestone_pk(input.milestone_id))
            )

        return await run_mutation(MarketplaceMilestonePayload, act())

    @strawberry.mutation(description="Add a milestone to a fixed-price contract, funded or not.")
    async def add_marketplace_milestone(
        self, info: strawberry.Info, input: AddMarketplaceMilestoneInput
    ) -> MarketplaceMilestonePayload:
        async def act() -> dict[str, Any]:
            return await _milestone_payload(
                contracts.add_milestone(
                    info.context.actor,
                    contract_pk(input.contract_id),
                    input.title,
                    input.amount,
                    input.fund,
                )
            )

        return await run_mutation(MarketplaceMilestonePayload, act())

    @strawberry.mutation(description="Send a submitted milestone back for changes.")
    async def request_marketplace_milestone_changes(
        self, info: strawberry.Info, input: RequestMarketplaceMilestoneChangesInput
    ) -> MarketplaceMilestonePayload:
        async def act() -> dict[str, Any]:
            return await _milestone_payload(
                contracts.request_changes(
                    info.context.actor, milestone_pk(input.milestone_id), input.feedback
                )
            )

        return await run_mutation(MarketplaceMilestonePayload, act())

    @strawberry.mutation(description="Log time on an hourly contract, within the weekly cap.")
    async def log_marketplace_time(
        self, info: strawberry.Info, input: LogMarketplaceTimeInput
    ) -> MarketplaceTimeEntryPayload:
        async def act() -> dict[str, Any]:
            row = await contracts.log_time(
                info.context.actor,
                contract_pk(input.contract_id),
                input.work_date,
                input.minutes,
                input.description,
            )
            contract = await Contract.get(id=row.contract_id)
            return {"time_entry": MarketplaceTimeEntry.from_row(row, contract.currency)}

        return await run_mutation(MarketplaceTimeEntryPayload, act())

    @strawberry.mutation(description="Approve (and pay) or reject logged time.")
    async def decide_marketplace_time_entry(
        self, info: strawberry.Info, input: DecideMarketplaceTimeEntryInput
    ) -> MarketplaceTimeEntryPayload:
        async def act() -> dict[str, Any]:
            row = await contracts.decide_time_entry(
                info.context.actor,
                decode_id(input.time_entry_id, "MarketplaceTimeEntry", field="timeEntryId"),
                input.approve,
            )
            contract = await Contract.get(id=row.contract_id)
            return {"time_entry": MarketplaceTimeEntry.from_row(row, contract.currency)}

        return await run_mutation(MarketplaceTimeEntryPayload, act())

    @strawberry.mutation(description="Rate the other side of an ended contract (double-blind).")
    async def leave_marketplace_feedback(
        self, info: strawberry.Info, input: LeaveMarketplaceFeedbackInput
    ) -> LeaveMarketplaceFeedbackPayload:
        async def act() -> dict[str, Any]:
            row = await feedback.leave_feedback(
                info.context.actor, contract_pk(input.contract_id), input.rating, input.comment
            )
            contract = await Contract.get(id=row.contract_id)
            return {"contract": MarketplaceContract.from_row(contract)}

        return await run_mutation(LeaveMarketplaceFeedbackPayload, act())

    @strawberry.mutation(description="Dispute a milestone; an admin resolves it.")
    async def open_marketplace_dispute(
        self, info: strawberry.Info, input: OpenMarketplaceDisputeInput
    ) -> MarketplaceDisputePayload:
        async def act() -> dict[str, Any]:
            row = await disputes.open_dispute(
                info.context.actor, milestone_pk(input.milestone_id), input.reason
            )
            return {"dispute": MarketplaceDispute.from_row(row)}

        return await run_mutation(MarketplaceDisputePayload, act())

    @strawberry.mutation(description="Admins: release, refund or split a disputed milestone.")
    async def resolve_marketplace_dispute(
        self, info: strawberry.Info, input: ResolveMarketplaceDisputeInput
    ) -> MarketplaceDisputePayload:
        async def act() -> dict[str, Any]:
            row = await disputes.resolve_dispute(
                info.context.actor,
                decode_id(input.dispute_id, "MarketplaceDispute", field="disputeId"),
                input.outcome,
                input.worker_amount,
                input.note,
            )
            return {"dispute": MarketplaceDispute.from_row(row)}

        return await run_mutation(MarketplaceDisputePayload, act())

    @strawberry.mutation(
        description="Admins: a skill exam that verifies the skill; managers: their own check."
    )
    async def create_marketplace_exam(
        self, info: strawberry.Info, input: CreateMarketplaceExamInput
    ) -> MarketplaceExamPayload:
        async def act() -> dict[str, Any]:
            draft = exams.ExamDraft(
                title=input.title,
                questions=[
                    exams.QuestionDraft(q.kind, q.prompt, q.choices, q.answer_key, q.points)
                    for q in input.questions
                ],
                time_limit_minutes=input.time_limit_minutes,
                pass_mark=input.pass_mark,
                cooldown_hours=input.cooldown_hours,
                instructions=input.instructions,
                skill=input.skill,
                level=input.level,
                organization_id=decode_id(
                    input.organization_id, "Organization", field="organizationId"
                )
                if input.organization_id
                else None,
                manual=input.manual,
            )
            row = await exams.create_exam(info.context.actor, draft)
            return {"exam": MarketplaceExam.from_row(row)}

        return await run_mutation(MarketplaceExamPayload, act())

    @strawberry.mutation(description="Start an exam's clock (or get the attempt in progress).")
    async def start_marketplace_exam(
        self, info: strawberry.Info, input: StartMarketplaceExamInput
    ) -> MarketplaceExamAttemptPayload:
        async def act() -> dict[str, Any]:
            row = await exams.start_attempt(
                info.context.actor, decode_id(input.exam_id, "MarketplaceExam", field="examId")
            )
            return {"attempt": MarketplaceExamAttempt.from_row(row)}

        return await run_mutation(MarketplaceExamAttemptPayload, act())

    @strawberry.mutation(description="Hand in an attempt's answers before its deadline.")
    async def submit_marketplace_exam(
        self, info: strawberry.Info, input: SubmitMarketplaceExamInput
    ) -> MarketplaceExamAttemptPayload:
        async def act() -> dict[str, Any]:
            answers = {
                decode_id(a.question_id, "MarketplaceExamQuestion", field="answers"): a.answer
                for a in input.answers
            }
            row = await exams.submit_attempt(
                info.context.actor, attempt_pk(input.attempt_id), answers
            )
            return {"attempt": MarketplaceExamAttempt.from_row(row)}

        return await run_mutation(MarketplaceExamAttemptPayload, act())

    @strawberry.mutation(description="Organization staff grade a hand-graded check.")
    async def grade_marketplace_exam_attempt(
        self, info: strawberry.Info, input: GradeMarketplaceExamAttemptInput
    ) -> MarketplaceExamAttemptPayload:
        async def act() -> dict[str, Any]:
            row = await exams.grade_attempt(
                info.context.actor, attempt_pk(input.attempt_id), input.score
            )
            return {"attempt": MarketplaceExamAttempt.from_row(row)}

        return await run_mutation(MarketplaceExamAttemptPayload, act())

    @strawberry.mutation(description="Pitch a service: title, skills, price or rate, delivery.")
    async def create_marketplace_offer(
        self, info: strawberry.Info, input: CreateMarketplaceOfferInput
    ) -> MarketplaceOfferPayload:
        async def act() -> dict[str, Any]:
            draft = offers.OfferDraft(
                title=input.title,
                description=input.description,
                pricing=input.pricing,
                price=input.price,
                currency=input.currency,
                delivery_days=input.delivery_days,
                skills=input.skills,
            )
            return {
                "offer": MarketplaceOffer.from_row(
                    await offers.create_offer(info.context.actor, draft)
                )
            }

        return await run_mutation(MarketplaceOfferPayload, act())

    @strawberry.mutation(description="Pause or resume one of your offers.")
    async def set_marketplace_offer_active(
        self, info: strawberry.Info, input: SetMarketplaceOfferActiveInput
    ) -> MarketplaceOfferPayload:
        async def act() -> dict[str, Any]:
            row = await offers.set_offer_active(
                info.context.actor,
                decode_id(input.offer_id, "MarketplaceOffer", field="offerId"),
                input.active,
            )
            return {"offer": MarketplaceOffer.from_row(row)}

        return await run_mutation(MarketplaceOfferPayload, act())

    @strawberry.mutation(description="Add an onboarding step that jobs can require.")
    async def add_marketplace_onboarding_step(
        self, info: strawberry.Info, input: AddMarketplaceOnboardingStepInput
    ) -> MarketplaceOnboardingStepPayload:
        async def act() -> dict[str, Any]:
            row = await onboarding.add_step(
                info.context.actor,
                organization_pk(input.organization_id),
                input.kind,
                input.title,
                input.body,
                decode_id(input.exam_id, "MarketplaceExam", field="examId")
                if input.exam_id
                else None,
            )
            return {"step": MarketplaceOnboardingStep.from_row(row)}

        return await run_mutation(MarketplaceOnboardingStepPayload, act())

    @strawberry.mutation(description="Accept terms, sign, or give payment details.")
    async def complete_marketplace_onboarding_step(
        self, info: strawberry.Info, input: CompleteMarketplaceOnboardingStepInput
    ) -> CompleteMarketplaceOnboardingStepPayload:
        async def act() -> dict[str, Any]:
            row = await onboarding.complete_step(
                info.context.actor,
                decode_id(input.step_id, "MarketplaceOnboardingStep", field="stepId"),
                input.value,
            )
            step = await OnboardingStep.get(id=row.step_id)
            progress = onboarding.StepState(step, done=True)
            return {"progress": MarketplaceOnboardingProgress.of(progress)}

        return await run_mutation(CompleteMarketplaceOnboardingStepPayload, act())
