"""Proposals: an eligible worker applies to a job; the organization shortlists, invites or declines."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.core.events import emit
from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.marketplace.common import missing
from crowdgraph.plugins.marketplace.jobs import (
    get_job_to_apply,
    get_managed_job,
    job_verdict,
    require_open,
)
from crowdgraph.plugins.marketplace.models import (
    Invitation,
    Job,
    Proposal,
    ProposalStatus,
)

ACTIVE = (ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED)


def active_key(job_id: int, worker_id: int) -> str:
    return f"{job_id}:{worker_id}"


async def _emit(name: str, proposal: Proposal, job: Job, worker_account_id: int) -> None:
    await emit(
        f"marketplace.proposal.{name}",
        {"proposal_id": proposal.id, "job_id": job.id, "status": proposal.status.value},
        organization_id=job.organization_id,
        account_id=worker_account_id,
        project_id=job.project_id,
    )


async def submit_proposal(
    actor: Actor, job_id: int, cover_letter: str, bid: int, timeline_days: int
) -> Proposal:
    worker = await actor.require_worker()
    job = await get_job_to_apply(actor, worker, job_id)
    checks = Checks()
    checks.text("coverLetter", cover_letter, min_len=20, max_len=10_000)
    checks.range("bid", bid, low=1)
    checks.range("timelineDays", timeline_days, low=1, high=3650)
    checks.done()
    verdict = await job_verdict(worker, job)
    if not verdict.eligible:
        raise Forbidden("you may not apply to this job: " + "; ".join(verdict.reasons))
    invited = await Invitation.exists(job_id=job.id, worker_id=worker.id)
    now = runtime.now()
    try:
        async with atomic():
            proposal = await Proposal.create(
                job_id=job.id,
                worker_id=worker.id,
                cover_letter=cover_letter,
                bid=bid,
                currency=job.currency,
                timeline_days=timeline_days,
                invited=invited,
                active_key=active_key(job.id, worker.id),
                created_at=now,
                updated_at=now,
            )
            await _emit("submitted", proposal, job, worker.account_id)
    except IntegrityError as exc:
        raise InvalidInput.one(
            "jobId", "ALREADY_PROPOSED", "you already have an active proposal for this job"
        ) from exc
    return proposal


async def visible_proposals(actor: Actor) -> Q:
    """A worker sees their own proposals; managers see proposals to their organizations' jobs."""
    if actor.is_admin:
        return Q()
    rule = Q(job__organization_id__in=list(actor.memberships))
    worker = await actor.worker()
    if worker is not None:
        rule |= Q(worker_id=worker.id)
    return rule


async def get_proposal(actor: Actor, proposal_id: int) -> Proposal:
    actor.require_account()
    proposal = await Proposal.get_or_none(Q(id=proposal_id) & await visible_proposals(actor))
    if proposal is None:
        raise missing("proposal")
    return proposal


async def list_proposals(
    actor: Actor, page: PageRequest, *, job_id: int | None = None, mine: bool = False
) -> Page[Proposal]:
    actor.require_account()
    query = Proposal.filter(await visible_proposals(actor))
    if job_id is not None:
        query = query.filter(job_id=job_id)
    if mine:
        worker = await actor.require_worker()
        query = query.filter(worker_id=worker.id)
    return await fetch_page(query, page)


async def move_proposal(
    proposal: Proposal, job: Job, to: ProposalStatus, allowed_from: tuple[ProposalStatus, ...]
) -> Proposal:
    """One conditional update, so two managers acting at once cannot both move it."""
    if proposal.status not in allowed_from:
        raise InvalidInput.one(
            "proposalId",
            "INVALID_TRANSITION",
            f"a proposal that is {proposal.status.value} cannot become {to.value}",
        )
    now = runtime.now()
    key = proposal.active_key if to in ACTIVE else None
    async with atomic():
        changed = await Proposal.filter(id=proposal.id, status__in=allowed_from).update(
            status=to, active_key=key, updated_at=now
        )
        if not changed:
            raise InvalidInput.one(
                "proposalId", "INVALID_TRANSITION", "the proposal changed meanwhile: reload it"
            )
        proposal.status, proposal.active_key, proposal.updated_at = to, key, now
        worker = await WorkerProfile.get(id=proposal.worker_id)
        await _emit(to.value, proposal, job, worker.account_id)
    return proposal


async def decide_proposal(actor: Actor, proposal_id: int, to: ProposalStatus) -> Proposal:
    """The organization shortlists or declines a proposal."""
    proposal = await get_proposal(actor, proposal_id)
    job = await get_managed_job(actor, proposal.job_id)
    sources = {
        ProposalStatus.SHORTLISTED: (ProposalStatus.SUBMITTED,),
        ProposalStatus.DECLINED: ACTIVE,
    }
    if to not in sources:
        raise InvalidInput.one(
            "decision", "INVALID_CHOICE", "decision must be SHORTLISTED or DECLINED"
        )
    return await move_proposal(proposal, job, to, sources[to])


async def withdraw_proposal(actor: Actor, proposal_id: int) -> Proposal:
    worker = await actor.require_worker()
    proposal = await get_proposal(actor, proposal_id)
    if proposal.worker_id != worker.id:
        raise Forbidden("only the worker who proposed may withdraw")
    job = await Job.get(id=proposal.job_id)
    return await move_proposal(proposal, job, ProposalStatus.WITHDRAWN, ACTIVE)


async def invite_worker(actor: Actor, job_id: int, worker_id: int, message: str) -> Invitation:
    """Ask a worker to apply; they still have to meet the job's screening."""
    account = actor.require_account()
    job = await get_managed_job(actor, job_id)
    require_open(job)
    checks = Checks()
    checks.text("message", message, max_len=5000)
    checks.done()
    worker = await WorkerProfile.get_or_none(id=worker_id)
    if worker is None:
        raise InvalidInput.one("workerId", "UNKNOWN_WORKER", "no such worker")
    verdict = await job_verdict(worker, job)
    if not verdict.eligible:
        raise InvalidInput.one(
            "workerId",
            "NOT_ELIGIBLE",
            "the worker does not meet the job's screening: " + "; ".join(verdict.reasons),
        )
    try:
        async with atomic():
            invitation = await Invitation.create(
                job_id=job.id,
                worker_id=worker.id,
                invited_by_id=account.id,
                message=message,
                created_at=runtime.now(),
            )
            await emit(
                "marketplace.invitation.sent",
                {"invitation_id": invitation.id, "job_id": job.id},
                organization_id=job.organization_id,
                account_id=worker.account_id,
                project_id=job.project_id,
            )
    except IntegrityError as exc:
        raise InvalidInput.one(
            "workerId", "ALREADY_INVITED", "the worker is already invited to this job"
        ) from exc
    return invitation


async def list_invitations(actor: Actor, page: PageRequest) -> Page[Invitation]:
    """Invitations to the calling worker, or to their organizations' jobs for managers."""
    actor.require_account()
    rule = Q(job__organization_id__in=list(actor.memberships))
    worker = await actor.worker()
    if worker is not None:
        rule |= Q(worker_id=worker.id)
    query = Invitation.all() if actor.is_admin else Invitation.filter(rule)
    return await fetch_page(query, page)
