"""Contracts: hiring, starting (escrow and onboarding), milestones, hourly time, ending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.functions import Sum

from crowdgraph.core import engagements, ledger, projects, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import Forbidden, InvalidInput
from crowdgraph.core.events import emit
from crowdgraph.core.ledger import format_money
from crowdgraph.core.models import EngagementStatus, Organization, WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic, savepoint
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.marketplace import escrow, offers
from crowdgraph.plugins.marketplace.common import MODEL, missing
from crowdgraph.plugins.marketplace.jobs import check_weekly_cap, get_managed_job
from crowdgraph.plugins.marketplace.models import (
    Contract,
    ContractStatus,
    Job,
    JobStatus,
    Milestone,
    MilestoneStatus,
    Pricing,
    Proposal,
    ProposalStatus,
    TimeEntry,
    TimeEntryStatus,
)
from crowdgraph.plugins.marketplace.onboarding import steps_left
from crowdgraph.plugins.marketplace.proposals import ACTIVE, get_proposal, move_proposal

DETAIL_TYPE = "MarketplaceContract"
M = MilestoneStatus
UNDECIDED = (M.FUNDED, M.SUBMITTED, M.CHANGES_REQUESTED)
"""Milestones whose money is still in escrow."""


@dataclass(frozen=True)
class MilestonePlan:
    title: str
    amount: int


async def _emit(name: str, contract: Contract, **payload: object) -> None:
    await emit(
        f"marketplace.{name}",
        {"contract_id": contract.id, **payload},
        organization_id=contract.organization_id,
        account_id=contract.worker_account_id,
    )


# -- who may see and act ---------------------------------------------------------------------


async def visible_contracts(actor: Actor) -> Q:
    if actor.is_admin:
        return Q()
    rule = Q(organization_id__in=list(actor.memberships))
    worker = await actor.worker()
    if worker is not None:
        rule |= Q(worker_id=worker.id)
    return rule


async def get_contract(actor: Actor, contract_id: int) -> Contract:
    actor.require_account()
    contract = await Contract.get_or_none(Q(id=contract_id) & await visible_contracts(actor))
    if contract is None:
        raise missing("contract")
    return contract


async def time_entry_page(contract_id: int, page: PageRequest) -> Page[TimeEntry]:
    """A contract's logged time, oldest first: for callers who may see the contract."""
    return await fetch_page(TimeEntry.filter(contract_id=contract_id), page)


async def list_contracts(
    actor: Actor, page: PageRequest, *, status: ContractStatus | None = None
) -> Page[Contract]:
    actor.require_account()
    query = Contract.filter(await visible_contracts(actor))
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)


def require_client(actor: Actor, contract: Contract) -> int:
    """The organization's owner or manager (or an admin); returns their account id."""
    return actor.require_manager(contract.organization_id).id


def require_contractor(actor: Actor, contract: Contract) -> None:
    if actor.account_id != contract.worker_account_id:
        raise Forbidden("only the contract's worker may do this")


def require_status(contract: Contract, *allowed: ContractStatus) -> None:
    if contract.status not in allowed:
        raise InvalidInput.one(
            "contractId", "CONTRACT_NOT_ACTIVE", f"the contract is {contract.status.value}"
        )


# -- hiring and starting ---------------------------------------------------------------------


def _check_plan(
    checks: Checks, pricing: Pricing, price: int, currency: str, plan: list[MilestonePlan]
) -> None:
    if pricing == Pricing.HOURLY:
        if plan:
            checks.fail("milestones", "NOT_ALLOWED", "an hourly contract has no milestones")
        return
    for index, item in enumerate(plan):
        checks.text(f"milestones[{index}].title", item.title, min_len=1, max_len=160)
        checks.range(f"milestones[{index}].amount", item.amount, low=1)
    total = sum(item.amount for item in plan)
    if plan and total != price:
        checks.fail(
            "milestones",
            "AMOUNTS_MISMATCH",
            f"the milestones must add up to the price of {format_money(price, currency)} "
            f"(got {format_money(total, currency)})",
        )


async def hire(
    actor: Actor, proposal_id: int, plan: list[MilestonePlan], *, fund_all: bool = True
) -> Contract:
    """Accept a proposal: a pending contract and engagement; it starts now if onboarding is done."""
    proposal = await get_proposal(actor, proposal_id)
    job = await get_managed_job(actor, proposal.job_id)
    checks = Checks()
    _check_plan(checks, job.pricing, proposal.bid, proposal.currency, plan)
    checks.done()
    if job.status != JobStatus.OPEN:
        raise InvalidInput.one("proposalId", "JOB_NOT_OPEN", f"the job is {job.status.value}")
    worker = await WorkerProfile.get(id=proposal.worker_id)
    async with atomic():
        await move_proposal(proposal, job, ProposalStatus.HIRED, ACTIVE)
        return await _open_contract(job, proposal, worker, plan, fund_all)


async def hire_offer(
    actor: Actor,
    offer_id: int,
    project_id: int,
    plan: list[MilestonePlan],
    weekly_hours_cap: int | None,
    *,
    fund_all: bool = True,
) -> Contract:
    """Buy a worker's offer for one of the organization's projects: a job filled at once and the
    worker's proposal at the offer's price, then a contract as from any accepted proposal."""
    account = actor.require_account()
    project = await projects.get_managed_project(actor, project_id)
    offer = await offers.get_offer(actor, offer_id)
    org = await Organization.get(id=project.organization_id)
    worker = await WorkerProfile.get(id=offer.worker_id)
    checks = Checks()
    if offer.currency != org.currency:
        checks.fail(
            "offerId",
            "CURRENCY_MISMATCH",
            f"the offer is priced in {offer.currency} and {org.name} pays in {org.currency} "
            "(there are no exchange rates)",
        )
    if not projects.audience_admits(project.audience, org.id, worker):
        checks.fail(
            "projectId",
            "NOT_ELIGIBLE",
            f"the project is open to the {project.audience.value} crowd; the worker is not in it",
        )
    check_weekly_cap(checks, offer.pricing, weekly_hours_cap)
    _check_plan(checks, offer.pricing, offer.price, offer.currency, plan)
    checks.done()
    now = runtime.now()
    async with atomic():
        job = await Job.create(
            organization_id=org.id,
            project_id=project.id,
            title=offer.title,
            description=offer.description,
            skills=offer.skills,
            pricing=offer.pricing,
            budget=offer.price,
            currency=org.currency,
            weekly_hours_cap=weekly_hours_cap,
            duration_days=offer.delivery_days,
            audience=project.audience,
            status=JobStatus.FILLED,
            created_by_id=account.id,
            created_at=now,
        )
        proposal = await Proposal.create(
            job_id=job.id,
            worker_id=worker.id,
            cover_letter=offer.description,
            bid=offer.price,
            currency=offer.currency,
            timeline_days=offer.delivery_days,
            status=ProposalStatus.HIRED,
            created_at=now,
            updated_at=now,
        )
        contract = await _open_contract(job, proposal, worker, plan, fund_all)
        await _emit("offer.hired", contract, offer_id=offer.id, job_id=job.id)
    return contract


async def _open_contract(
    job: Job, proposal: Proposal, worker: WorkerProfile, plan: list[MilestonePlan], fund_all: bool
) -> Contract:
    """The contract, its milestones and engagement for an accepted proposal; the job is filled.
    It starts at once when the worker has done the job's onboarding. In the caller's transaction."""
    if job.pricing == Pricing.FIXED and not plan:
        plan = [MilestonePlan("Complete the work", proposal.bid)]
    contract = await Contract.create(
        job_id=job.id,
        proposal_id=proposal.id,
        organization_id=job.organization_id,
        worker_id=worker.id,
        worker_account_id=worker.account_id,
        title=job.title,
        pricing=job.pricing,
        amount=proposal.bid,
        currency=job.currency,
        weekly_hours_cap=job.weekly_hours_cap,
        fund_all_at_start=fund_all,
        created_at=runtime.now(),
    )
    for position, item in enumerate(plan, start=1):
        await Milestone.create(
            contract=contract, position=position, title=item.title.strip(), amount=item.amount
        )
    engagement = await engagements.start_engagement(
        worker_id=worker.id,
        worker_account_id=worker.account_id,
        organization_id=job.organization_id,
        project_id=job.project_id,
        model=MODEL,
        detail_type=DETAIL_TYPE,
        detail_id=contract.id,
        pay_amount=proposal.bid if job.pricing == Pricing.FIXED else None,
        title=job.title,
        status=EngagementStatus.PENDING,
    )
    contract.engagement_id = engagement.id
    await contract.save(update_fields=["engagement_id"])
    job.status = JobStatus.FILLED
    await job.save(update_fields=["status"])
    await _emit("contract.hired", contract, job_id=job.id, proposal_id=proposal.id)
    if not await steps_left(worker.id, job.onboarding_step_ids):
        await _start(contract, job)
    return contract


async def _start(contract: Contract, job: Job) -> None:
    """Fund every milestone into escrow and activate; the caller's transaction covers it."""
    changed = await Contract.filter(id=contract.id, status=ContractStatus.PENDING).update(
        status=ContractStatus.ACTIVE, started_at=runtime.now()
    )
    if not changed:
        raise InvalidInput.one("contractId", "ALREADY_STARTED", "the contract has already started")
    contract.status = ContractStatus.ACTIVE
    planned = await Milestone.filter(contract_id=contract.id, status=M.PLANNED).order_by("position")
    for milestone in planned if contract.fund_all_at_start else planned[:1]:
        await _fund(contract, milestone)
    engagement = await engagements.find_engagement(MODEL, DETAIL_TYPE, contract.id)
    assert engagement is not None  # hire() opens it with the contract
    await engagements.move_engagement(engagement, EngagementStatus.ACTIVE)
    await _emit("contract.started", contract, job_id=job.id)


async def start_contract(actor: Actor, contract_id: int) -> Contract:
    """Either side starts a pending contract once the worker has done the job's onboarding."""
    contract = await get_contract(actor, contract_id)
    if actor.account_id != contract.worker_account_id:
        require_client(actor, contract)
    require_status(contract, ContractStatus.PENDING)
    job = await Job.get(id=contract.job_id)
    left = await steps_left(contract.worker_id, job.onboarding_step_ids)
    if left:
        raise InvalidInput.one(
            "contractId",
            "ONBOARDING_INCOMPLETE",
            "the worker has onboarding steps left: " + ", ".join(s.title for s in left),
        )
    async with atomic():
        await _start(contract, job)
    return contract


# -- milestones ------------------------------------------------------------------------------


async def _fund(contract: Contract, milestone: Milestone) -> None:
    """Move a planned milestone's amount into escrow; the caller's transaction covers it."""
    await move_milestone(milestone, M.FUNDED, (M.PLANNED,))
    await escrow.fund(contract, milestone)
    await _emit("milestone.funded", contract, milestone_id=milestone.id, amount=milestone.amount)


async def fund_milestone(actor: Actor, milestone_id: int) -> Milestone:
    """The client puts a planned milestone of a running contract into escrow, so work can start."""
    milestone, contract = await get_milestone(actor, milestone_id)
    require_client(actor, contract)
    require_status(contract, ContractStatus.ACTIVE)
    async with atomic():
        await _fund(contract, milestone)
    return milestone


async def add_milestone(
    actor: Actor, contract_id: int, title: str, amount: int, fund: bool
) -> Milestone:
    """The client adds a milestone to a fixed-price contract (the price grows by its amount);
    ``fund`` puts it into escrow at once, which needs the contract to have started."""
    contract = await get_contract(actor, contract_id)
    require_client(actor, contract)
    require_status(contract, ContractStatus.PENDING, ContractStatus.ACTIVE)
    checks = Checks()
    if contract.pricing != Pricing.FIXED:
        checks.fail("contractId", "NOT_FIXED", "only fixed-price contracts have milestones")
    checks.text("title", title, min_len=1, max_len=160)
    checks.range("amount", amount, low=1)
    if fund and contract.status == ContractStatus.PENDING:
        checks.fail(
            "fund",
            "CONTRACT_NOT_STARTED",
            "a pending contract funds its milestones when it starts",
        )
    checks.done()
    async with atomic():
        # Two milestones added at once must not take one position: lock the contract row.
        await Contract.select_for_update().get(id=contract.id)
        rows: list[Any] = await Milestone.filter(contract_id=contract.id).values_list(
            "position", flat=True
        )
        milestone = await Milestone.create(
            contract=contract, position=max(rows, default=0) + 1, title=title.strip(), amount=amount
        )
        await Contract.filter(id=contract.id).update(amount=F("amount") + amount)
        contract.amount += amount
        if contract.engagement_id is not None:
            await engagements.add_pay(contract.engagement_id, amount)
        await _emit("milestone.added", contract, milestone_id=milestone.id, amount=amount)
        if fund:
            await _fund(contract, milestone)
    return milestone


async def get_milestone(actor: Actor, milestone_id: int) -> tuple[Milestone, Contract]:
    milestone = await Milestone.get_or_none(id=milestone_id)
    if milestone is None:
        raise missing("milestone")
    contract = await get_contract(actor, milestone.contract_id)
    await release_overdue(contract_id=contract.id)
    await milestone.refresh_from_db()
    return milestone, contract


async def move_milestone(
    milestone: Milestone,
    to: MilestoneStatus,
    allowed_from: tuple[MilestoneStatus, ...],
    **values: object,
) -> None:
    """One conditional update: of two concurrent moves, only one finds the milestone as it was."""
    changed = await Milestone.filter(id=milestone.id, status__in=allowed_from).update(
        status=to, **values
    )
    if not changed:
        current = await Milestone.get(id=milestone.id)
        raise InvalidInput.one(
            "milestoneId",
            "INVALID_TRANSITION",
            f"a milestone that is {current.status.value} cannot become {to.value}",
        )
    milestone.status = to
    for name, value in values.items():
        setattr(milestone, name, value)


async def submit_milestone(
    actor: Actor, milestone_id: int, note: str, auto_release_days: int
) -> Milestone:
    milestone, contract = await get_milestone(actor, milestone_id)
    require_contractor(actor, contract)
    require_status(contract, ContractStatus.ACTIVE)
    checks = Checks()
    checks.text("note", note, min_len=1, max_len=20_000)
    checks.done()
    async with atomic():
        await move_milestone(
            milestone,
            M.SUBMITTED,
            (M.FUNDED, M.CHANGES_REQUESTED),
            submission=note,
            submitted_at=runtime.now(),
            release_at=runtime.now() + timedelta(days=auto_release_days),
        )
        await _emit("milestone.submitted", contract, milestone_id=milestone.id)
    return milestone


async def _approve(
    milestone: Milestone, contract: Contract, by_account_id: int | None, *, auto: bool
) -> None:
    # Only work handed in is approved: the client may still accept a submission they sent back
    # for changes, but a milestone never submitted has nothing to approve.
    await move_milestone(
        milestone,
        M.APPROVED,
        (M.SUBMITTED,) if auto else (M.SUBMITTED, M.CHANGES_REQUESTED),
        decided_at=runtime.now(),
        auto_released=auto,
    )
    await escrow.pay(contract, milestone, milestone.amount, by_account_id)
    await _emit(
        "milestone.approved",
        contract,
        milestone_id=milestone.id,
        amount=milestone.amount,
        automatic=auto,
    )


async def approve_milestone(actor: Actor, milestone_id: int) -> Milestone:
    """Pay the milestone from escrow to the worker: exactly once, however many approve at once."""
    milestone, contract = await get_milestone(actor, milestone_id)
    account_id = require_client(actor, contract)
    require_status(contract, ContractStatus.ACTIVE)
    async with atomic():
        await _approve(milestone, contract, account_id, auto=False)
    return milestone


async def request_changes(actor: Actor, milestone_id: int, feedback: str) -> Milestone:
    milestone, contract = await get_milestone(actor, milestone_id)
    require_client(actor, contract)
    require_status(contract, ContractStatus.ACTIVE)
    checks = Checks()
    checks.text("feedback", feedback, min_len=1, max_len=20_000)
    checks.done()
    async with atomic():
        await move_milestone(
            milestone, M.CHANGES_REQUESTED, (M.SUBMITTED,), feedback=feedback, release_at=None
        )
        await _emit("milestone.changes_requested", contract, milestone_id=milestone.id)
    return milestone


async def release_overdue(*, contract_id: int | None = None) -> int:
    """Pay submitted milestones left unanswered too long; idempotent, safe in many processes."""
    query = Milestone.filter(status=M.SUBMITTED, release_at__lte=runtime.now())
    if contract_id is not None:
        query = query.filter(contract_id=contract_id)
    released = 0
    for milestone in await query.order_by("id"):
        contract = await Contract.get(id=milestone.contract_id)
        try:
            async with savepoint():
                await _approve(milestone, contract, None, auto=True)
        except InvalidInput:
            continue  # another process decided it meanwhile
        released += 1
    return released


# -- hourly work -----------------------------------------------------------------------------


LATE_LOGGING_DAYS = 1
"""Days after a week ends (Sunday, UTC) during which its time may still be logged."""


def week_start(day: date) -> date:
    """The Monday of the contract week ``day`` falls in (weeks run Monday to Sunday, UTC)."""
    return day - timedelta(days=day.weekday())


def logging_closes(day: date) -> date:
    """The last day on which time worked on ``day`` may be logged."""
    return week_start(day) + timedelta(days=6 + LATE_LOGGING_DAYS)


def _check_work_date(checks: Checks, contract: Contract, work_date: date) -> None:
    """Time is logged for a day of the contract, in its week or the grace days after it."""
    today = runtime.now().date()
    started = contract.started_at.date() if contract.started_at else today
    if work_date > today:
        checks.fail(
            "workDate", "IN_FUTURE", f"workDate must not be in the future (got {work_date})"
        )
    elif work_date < started:
        checks.fail(
            "workDate",
            "BEFORE_CONTRACT_START",
            f"workDate must be on or after the day the contract started, {started} "
            f"(got {work_date})",
        )
    elif logging_closes(work_date) < today:
        checks.fail(
            "workDate",
            "LOGGING_CLOSED",
            f"time for the week of {week_start(work_date)} could be logged until "
            f"{logging_closes(work_date)}, {LATE_LOGGING_DAYS} day(s) after the week ended "
            f"(got {work_date})",
        )


def hourly_amount(minutes: int, rate: int) -> int:
    """Pay for ``minutes`` at an hourly ``rate``, rounded half up to a minor unit."""
    return (minutes * rate + 30) // 60


async def log_time(
    actor: Actor, contract_id: int, work_date: date, minutes: int, description: str
) -> TimeEntry:
    contract = await get_contract(actor, contract_id)
    require_contractor(actor, contract)
    require_status(contract, ContractStatus.ACTIVE)
    checks = Checks()
    if contract.pricing != Pricing.HOURLY:
        checks.fail("contractId", "NOT_HOURLY", "time is logged on hourly contracts only")
    checks.range("minutes", minutes, low=1, high=24 * 60)
    checks.text("description", description, max_len=5000)
    _check_work_date(checks, contract, work_date)
    checks.done()
    week = week_start(work_date)
    cap = (contract.weekly_hours_cap or 0) * 60
    async with atomic():
        # Two entries logged at once must not both fit under the cap: lock the contract row
        # (PostgreSQL); SQLite transactions are already serialized.
        await Contract.select_for_update().get(id=contract.id)
        rows: list[Any] = (
            await TimeEntry.filter(
                contract_id=contract.id,
                week_start=week,
                status__in=[TimeEntryStatus.PENDING, TimeEntryStatus.APPROVED],
            )
            .annotate(total=Sum("minutes"))
            .values_list("total", flat=True)
        )
        logged = int(rows[0] or 0) if rows else 0
        if logged + minutes > cap:
            raise InvalidInput.one(
                "minutes",
                "WEEKLY_CAP",
                f"the week of {week} allows {cap} minutes; {logged} are logged, "
                f"so at most {max(cap - logged, 0)} more",
            )
        entry = await TimeEntry.create(
            contract=contract,
            work_date=work_date,
            week_start=week,
            minutes=minutes,
            description=description,
            amount=hourly_amount(minutes, contract.amount),
            created_at=runtime.now(),
        )
        await _emit("time_entry.logged", contract, time_entry_id=entry.id, minutes=minutes)
    return entry


async def get_time_entry(actor: Actor, entry_id: int) -> tuple[TimeEntry, Contract]:
    """Logged time, for the contract's two sides (and admins)."""
    entry = await TimeEntry.get_or_none(id=entry_id)
    if entry is None:
        raise missing("time entry")
    return entry, await get_contract(actor, entry.contract_id)


async def decide_time_entry(actor: Actor, entry_id: int, approve: bool) -> TimeEntry:
    """The organization approves (pays from its budget, once) or rejects logged time."""
    entry, contract = await get_time_entry(actor, entry_id)
    account_id = require_client(actor, contract)
    to = TimeEntryStatus.APPROVED if approve else TimeEntryStatus.REJECTED
    async with atomic():
        now = runtime.now()
        changed = await TimeEntry.filter(id=entry.id, status=TimeEntryStatus.PENDING).update(
            status=to, decided_at=now
        )
        if not changed:
            raise InvalidInput.one(
                "timeEntryId", "ALREADY_DECIDED", "this time entry is already decided"
            )
        entry.status, entry.decided_at = to, now
        if approve:
            await ledger.pay(
                organization_id=contract.organization_id,
                worker_account_id=contract.worker_account_id,
                amount=entry.amount,
                idempotency_key=f"marketplace:time:{entry.id}:payment",
                model=MODEL,
                engagement_id=contract.engagement_id,
                memo=f"{entry.minutes} minutes on {entry.work_date}",
                created_by_id=account_id,
            )
            # Hours worked are the approved ones: rejected time would lower the effective pay.
            if contract.engagement_id is not None:
                await engagements.add_time(contract.engagement_id, entry.minutes * 60)
        await _emit(f"time_entry.{to.value}", contract, time_entry_id=entry.id)
    return entry


# -- ending ----------------------------------------------------------------------------------


async def end_contract(actor: Actor, contract_id: int, feedback_window_days: int) -> Contract:
    """Either side ends the contract; unpaid escrow returns to the budget, feedback opens.

    Submitted milestones, open disputes and pending time must be decided first. A contract that
    never started is cancelled instead.
    """
    contract = await get_contract(actor, contract_id)
    if actor.account_id != contract.worker_account_id:
        require_client(actor, contract)
    require_status(contract, ContractStatus.PENDING, ContractStatus.ACTIVE)
    await release_overdue(contract_id=contract.id)
    milestones = await Milestone.filter(contract_id=contract.id).order_by("position")
    blocking = [m for m in milestones if m.status in (M.SUBMITTED, M.DISPUTED)]
    if blocking:
        raise InvalidInput.one(
            "contractId",
            "UNDECIDED_WORK",
            "decide submitted or disputed milestones first: "
            + ", ".join(m.title for m in blocking),
        )
    if await TimeEntry.exists(contract_id=contract.id, status=TimeEntryStatus.PENDING):
        raise InvalidInput.one(
            "contractId", "UNDECIDED_WORK", "approve or reject the pending time entries first"
        )
    ended = contract.status == ContractStatus.ACTIVE
    to = ContractStatus.ENDED if ended else ContractStatus.CANCELLED
    async with atomic():
        now = runtime.now()
        closes = now + timedelta(days=feedback_window_days) if ended else None
        changed = await Contract.filter(id=contract.id, status=contract.status).update(
            status=to, ended_at=now, feedback_closes_at=closes
        )
        if not changed:
            raise InvalidInput.one(
                "contractId", "CONTRACT_NOT_ACTIVE", "the contract changed meanwhile"
            )
        contract.status, contract.ended_at, contract.feedback_closes_at = to, now, closes
        for milestone in milestones:
            if milestone.status in UNDECIDED:
                await move_milestone(milestone, M.REFUNDED, UNDECIDED, decided_at=runtime.now())
                await escrow.refund(contract, milestone, milestone.amount)
        engagement = await engagements.find_engagement(MODEL, DETAIL_TYPE, contract.id)
        assert engagement is not None
        await engagements.move_engagement(
            engagement, EngagementStatus.COMPLETED if ended else EngagementStatus.CANCELLED
        )
        await _emit(f"contract.{to.value}", contract)
    return contract
