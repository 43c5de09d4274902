"""The marketplace's root query fields, and how node(id:), details and stages resolve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry

from crowdgraph.core import workers
from crowdgraph.core.models import WorkerProfile
from crowdgraph.plugins.marketplace import (
    contracts,
    disputes,
    exams,
    feedback,
    jobs,
    offers,
    onboarding,
    proposals,
    search,
)
from crowdgraph.plugins.marketplace.inputs import (
    MarketplaceOfferSearchInput,
    MarketplaceTalentSearchInput,
    job_pk,
    organization_pk,
)
from crowdgraph.plugins.marketplace.models import (
    ContractStatus,
    DisputeStatus,
    JobStatus,
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
    MarketplaceJobMatch,
    MarketplaceMilestone,
    MarketplaceOffer,
    MarketplaceOnboardingProgress,
    MarketplaceOnboardingStep,
    MarketplaceProposal,
    MarketplaceReputation,
    MarketplaceTalentMatch,
    MarketplaceTimeEntry,
)
from crowdgraph.schema.context import Context
from crowdgraph.schema.part import NodeResolver, by_project
from crowdgraph.schema.prefetch import connection_of
from crowdgraph.schema.relay import After, Before, Connection, First, Last, decode_id
from crowdgraph.schema.types import Eligibility


@strawberry.type
class MarketplaceQuery:
    @strawberry.field(description="Job postings the caller may see (open ones, for workers).")
    async def marketplace_jobs(
        self,
        info: strawberry.Info,
        organization_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this Organization's jobs; null for all."),
        ] = None,
        project_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this Project's jobs; null for all."),
        ] = None,
        status: Annotated[
            JobStatus | None,
            strawberry.argument(description="Only jobs in this status; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceJob] | None:
        page = await jobs.list_jobs(
            info.context.actor,
            info.context.page(first, after, last, before),
            organization_id=decode_id(organization_id, "Organization", field="organizationId")
            if organization_id
            else None,
            project_id=decode_id(project_id, "Project", field="projectId") if project_id else None,
            status=status,
        )
        return await connection_of(info, page, MarketplaceJob.from_row)

    @strawberry.field(description="Proposals the caller may see: to their jobs, or their own.")
    async def marketplace_proposals(
        self,
        info: strawberry.Info,
        job_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only proposals to this MarketplaceJob; null for all."),
        ] = None,
        mine: Annotated[
            bool,
            strawberry.argument(description="True for only the calling worker's own proposals."),
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceProposal] | None:
        page = await proposals.list_proposals(
            info.context.actor,
            info.context.page(first, after, last, before),
            job_id=decode_id(job_id, "MarketplaceJob", field="jobId") if job_id else None,
            mine=mine,
        )
        return await connection_of(info, page, MarketplaceProposal.from_row)

    @strawberry.field(description="Contracts the caller is party to or manages.")
    async def marketplace_contracts(
        self,
        info: strawberry.Info,
        status: Annotated[
            ContractStatus | None,
            strawberry.argument(description="Only contracts in this status; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceContract] | None:
        await contracts.release_overdue()
        page = await contracts.list_contracts(
            info.context.actor, info.context.page(first, after, last, before), status=status
        )
        return await connection_of(info, page, MarketplaceContract.from_row)

    @strawberry.field(description="Disputes the caller is party to (all of them, for admins).")
    async def marketplace_disputes(
        self,
        info: strawberry.Info,
        status: Annotated[
            DisputeStatus | None,
            strawberry.argument(description="Only disputes in this status; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceDispute] | None:
        page = await disputes.list_disputes(
            info.context.actor, info.context.page(first, after, last, before), status
        )
        return await connection_of(info, page, MarketplaceDispute.from_row)

    @strawberry.field(description="Offers workers pitch, searchable by text, skill and price.")
    async def marketplace_offers(
        self,
        info: strawberry.Info,
        filter: Annotated[
            MarketplaceOfferSearchInput | None,
            strawberry.argument(description="Which offers to find; null for every active offer."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceOffer] | None:
        wanted = filter or MarketplaceOfferSearchInput()
        page = await offers.search_offers(
            info.context.actor,
            info.context.page(first, after, last, before),
            text=wanted.text,
            skill=wanted.skill,
            pricing=wanted.pricing,
            max_price=wanted.max_price,
            currency=wanted.currency,
            worker_id=decode_id(wanted.worker_id, "Worker", field="workerId")
            if wanted.worker_id
            else None,
        )
        return await connection_of(info, page, MarketplaceOffer.from_row)

    @strawberry.field(description="An organization's onboarding steps.")
    async def marketplace_onboarding_steps(
        self,
        info: strawberry.Info,
        organization_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The Organization whose steps."),
        ],
    ) -> list[MarketplaceOnboardingStep] | None:
        rows = await onboarding.list_steps(info.context.actor, organization_pk(organization_id))
        return [MarketplaceOnboardingStep.from_row(row) for row in rows]

    @strawberry.field(description="The calling worker's onboarding with an organization.")
    async def my_marketplace_onboarding(
        self,
        info: strawberry.Info,
        organization_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The Organization to onboard with."),
        ],
    ) -> list[MarketplaceOnboardingProgress] | None:
        states = await onboarding.my_onboarding(
            info.context.actor, organization_pk(organization_id)
        )
        return [MarketplaceOnboardingProgress.of(state) for state in states]

    @strawberry.field(
        description="The onboarding a job requires of the calling worker before work can start."
    )
    async def marketplace_job_onboarding(
        self,
        info: strawberry.Info,
        job_id: Annotated[strawberry.ID, strawberry.argument(description="The MarketplaceJob.")],
    ) -> list[MarketplaceOnboardingProgress] | None:
        states = await onboarding.job_onboarding(info.context.actor, job_pk(job_id))
        return [MarketplaceOnboardingProgress.of(state) for state in states]

    @strawberry.field(description="Whether the calling worker may apply to a job, and why not.")
    async def marketplace_job_eligibility(
        self,
        info: strawberry.Info,
        job_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The MarketplaceJob to apply to."),
        ],
    ) -> Eligibility | None:
        return Eligibility.from_verdict(await jobs.my_verdict(info.context.actor, job_pk(job_id)))

    @strawberry.field(
        description="Invitations to apply: to the calling worker, or sent by their organizations."
    )
    async def marketplace_invitations(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceInvitation] | None:
        page = await proposals.list_invitations(
            info.context.actor, info.context.page(first, after, last, before)
        )
        return await connection_of(info, page, MarketplaceInvitation.from_row)

    @strawberry.field(description="Screening exams, optionally for one skill.")
    async def marketplace_exams(
        self,
        info: strawberry.Info,
        skill: Annotated[
            str | None,
            strawberry.argument(description="Only exams for this skill slug; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceExam] | None:
        page = await exams.list_exams(
            info.context.actor, info.context.page(first, after, last, before), skill
        )
        return await connection_of(info, page, MarketplaceExam.from_row)

    @strawberry.field(
        description="Exam attempts: the caller's own (mine), or those at their organizations' checks."
    )
    async def marketplace_exam_attempts(
        self,
        info: strawberry.Info,
        exam_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only attempts at this MarketplaceExam; null for all."),
        ] = None,
        mine: Annotated[
            bool,
            strawberry.argument(description="True for only the calling worker's own attempts."),
        ] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceExamAttempt] | None:
        page = await exams.list_attempts(
            info.context.actor,
            info.context.page(first, after, last, before),
            exam_id=decode_id(exam_id, "MarketplaceExam", field="examId") if exam_id else None,
            mine=mine,
        )
        return await connection_of(info, page, MarketplaceExamAttempt.from_row)

    @strawberry.field(description="A worker's marketplace rating and job-success score.")
    async def marketplace_reputation(
        self,
        info: strawberry.Info,
        worker_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The Worker whose reputation."),
        ],
    ) -> MarketplaceReputation | None:
        worker = await workers.get_worker(
            info.context.actor, decode_id(worker_id, "Worker", field="workerId")
        )
        return MarketplaceReputation.of((await feedback.reputations([worker.id]))[worker.id])

    @strawberry.field(
        description="Organizations search talent, ranked by relevance with the reasons."
    )
    async def marketplace_talent(
        self,
        info: strawberry.Info,
        filter: Annotated[
            MarketplaceTalentSearchInput | None,
            strawberry.argument(description="Which workers to find; null for everyone visible."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceTalentMatch] | None:
        wanted = filter or MarketplaceTalentSearchInput()
        query = search.TalentQuery(
            skills=[search.SkillWanted(s.slug, s.min_level, s.verified) for s in wanted.skills],
            min_rating=wanted.min_rating,
            max_rate=wanted.max_rate,
            currency=wanted.currency,
            availability=wanted.availability,
            kind=wanted.kind,
            country=wanted.country,
        )
        page = await search.search_talent(
            info.context.actor,
            query,
            info.context.page(first, after, last, before),
            settings_of(info.context.platform).search_candidates,
        )
        # The search has the matched profiles already: their Worker fields need not read them again.
        info.context.by_id(WorkerProfile).prime_many({m.worker.id: m.worker for _, m in page.items})
        return await connection_of(
            info, page, lambda item: MarketplaceTalentMatch.of(item[1]), lambda i: i[0]
        )

    @strawberry.field(
        description="Open jobs that fit the calling worker, best first, with reasons."
    )
    async def marketplace_recommended_jobs(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MarketplaceJobMatch] | None:
        page = await search.recommend_jobs(
            info.context.actor,
            info.context.page(first, after, last, before),
            settings_of(info.context.platform).search_candidates,
        )
        return await connection_of(
            info, page, lambda item: MarketplaceJobMatch.of(item[1]), lambda i: i[0]
        )


# -- node, detail and stage resolvers --------------------------------------------------------


async def resolve_job(context: Context, pk: int) -> MarketplaceJob:
    return MarketplaceJob.from_row(await jobs.get_job(context.actor, pk))


async def resolve_proposal(context: Context, pk: int) -> MarketplaceProposal:
    return MarketplaceProposal.from_row(await proposals.get_proposal(context.actor, pk))


async def resolve_contract(context: Context, pk: int) -> MarketplaceContract:
    await contracts.release_overdue(contract_id=pk)
    return MarketplaceContract.from_row(await contracts.get_contract(context.actor, pk))


async def resolve_milestone(context: Context, pk: int) -> MarketplaceMilestone:
    row, contract = await contracts.get_milestone(context.actor, pk)
    return MarketplaceMilestone.from_row(row, contract.currency)


async def resolve_time_entry(context: Context, pk: int) -> MarketplaceTimeEntry:
    row, contract = await contracts.get_time_entry(context.actor, pk)
    return MarketplaceTimeEntry.from_row(row, contract.currency)


async def resolve_dispute(context: Context, pk: int) -> MarketplaceDispute:
    return MarketplaceDispute.from_row(await disputes.get_dispute(context.actor, pk))


async def job_stages(
    context: Context, project_ids: Sequence[int]
) -> dict[int, list[MarketplaceJob]]:
    rows = await jobs.project_jobs(context.actor, project_ids)
    return by_project(rows, MarketplaceJob.from_row)


async def resolve_exam(context: Context, pk: int) -> MarketplaceExam:
    return MarketplaceExam.from_row(await exams.get_exam(context.actor, pk))


async def resolve_attempt(context: Context, pk: int) -> MarketplaceExamAttempt:
    return MarketplaceExamAttempt.from_row(await exams.get_attempt(context.actor, pk))


async def resolve_offer(context: Context, pk: int) -> MarketplaceOffer:
    return MarketplaceOffer.from_row(await offers.get_offer(context.actor, pk))


async def resolve_step(context: Context, pk: int) -> MarketplaceOnboardingStep | None:
    context.actor.require_account()
    row = await OnboardingStep.get_or_none(id=pk)
    return MarketplaceOnboardingStep.from_row(row) if row else None


NODES: dict[str, NodeResolver] = {
    "MarketplaceOffer": resolve_offer,
    "MarketplaceOnboardingStep": resolve_step,
    "MarketplaceExam": resolve_exam,
    "MarketplaceExamAttempt": resolve_attempt,
    "MarketplaceJob": resolve_job,
    "MarketplaceProposal": resolve_proposal,
    "MarketplaceContract": resolve_contract,
    "MarketplaceMilestone": resolve_milestone,
    "MarketplaceTimeEntry": resolve_time_entry,
    "MarketplaceDispute": resolve_dispute,
}
