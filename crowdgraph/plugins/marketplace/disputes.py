"""Disputes on a milestone: opened by either side, resolved by an admin (release, refund, split)."""

from __future__ import annotations

from tortoise.expressions import Q

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.events import emit
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.marketplace import escrow
from crowdgraph.plugins.marketplace.common import missing
from crowdgraph.plugins.marketplace.contracts import (
    UNDECIDED,
    get_milestone,
    move_milestone,
    require_client,
    require_status,
    visible_contracts,
)
from crowdgraph.plugins.marketplace.models import (
    Contract,
    ContractStatus,
    Dispute,
    DisputeOutcome,
    DisputeStatus,
    Milestone,
    MilestoneStatus,
    Side,
)


async def _emit(name: str, dispute: Dispute, contract: Contract) -> None:
    await emit(
        f"marketplace.dispute.{name}",
        {
            "dispute_id": dispute.id,
            "milestone_id": dispute.milestone_id,
            "contract_id": contract.id,
        },
        organization_id=contract.organization_id,
        account_id=contract.worker_account_id,
    )


async def open_dispute(actor: Actor, milestone_id: int, reason: str) -> Dispute:
    milestone, contract = await get_milestone(actor, milestone_id)
    if actor.account_id == contract.worker_account_id:
        side = Side.WORKER
    else:
        require_client(actor, contract)
        side = Side.CLIENT
    require_status(contract, ContractStatus.ACTIVE)
    checks = Checks()
    checks.text("reason", reason, min_len=10, max_len=10_000)
    checks.done()
    async with atomic():
        await move_milestone(milestone, MilestoneStatus.DISPUTED, UNDECIDED, release_at=None)
        dispute = await Dispute.create(
            milestone_id=milestone.id,
            opened_by_side=side,
            opened_by_id=actor.require_account().id,
            reason=reason,
            created_at=runtime.now(),
        )
        await _emit("opened", dispute, contract)
    return dispute


async def visible_disputes(actor: Actor) -> Q:
    if actor.is_admin:
        return Q()
    contracts = Contract.filter(await visible_contracts(actor)).values_list("id", flat=True)
    return Q(milestone__contract_id__in=await contracts)


async def get_dispute(actor: Actor, dispute_id: int) -> Dispute:
    actor.require_account()
    dispute = await Dispute.get_or_none(Q(id=dispute_id) & await visible_disputes(actor))
    if dispute is None:
        raise missing("dispute")
    return dispute


async def list_disputes(
    actor: Actor, page: PageRequest, status: DisputeStatus | None = None
) -> Page[Dispute]:
    actor.require_account()
    query = Dispute.filter(await visible_disputes(actor))
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)


async def resolve_dispute(
    actor: Actor,
    dispute_id: int,
    outcome: DisputeOutcome,
    worker_amount: int | None,
    note: str,
) -> Dispute:
    """Pay the worker all (release), nothing (refund) or part (split) of the milestone's escrow."""
    admin = actor.require_admin()
    dispute = await get_dispute(actor, dispute_id)
    milestone = await Milestone.get(id=dispute.milestone_id)
    contract = await Contract.get(id=milestone.contract_id)
    checks = Checks()
    checks.text("note", note, max_len=10_000)
    if outcome == DisputeOutcome.SPLIT:
        if worker_amount is None:
            checks.fail("workerAmount", "REQUIRED", "a split names the worker's amount")
        checks.range("workerAmount", worker_amount, low=1, high=milestone.amount - 1)
    elif worker_amount is not None:
        checks.fail("workerAmount", "NOT_ALLOWED", "only a split names the worker's amount")
    checks.done()
    paid = {
        DisputeOutcome.RELEASE: milestone.amount,
        DisputeOutcome.REFUND: 0,
        DisputeOutcome.SPLIT: worker_amount or 0,
    }[outcome]
    now = runtime.now()
    async with atomic():
        changed = await Dispute.filter(id=dispute.id, status=DisputeStatus.OPEN).update(
            status=DisputeStatus.RESOLVED,
            outcome=outcome,
            worker_amount=paid,
            resolution_note=note,
            resolved_by_id=admin.id,
            resolved_at=now,
        )
        if not changed:
            raise InvalidInput.one("disputeId", "ALREADY_RESOLVED", "the dispute is resolved")
        await dispute.refresh_from_db()
        final = MilestoneStatus.REFUNDED if paid == 0 else MilestoneStatus.RESOLVED
        await move_milestone(milestone, final, (MilestoneStatus.DISPUTED,), decided_at=now)
        if paid:
            await escrow.pay(contract, milestone, paid, admin.id)
        if paid < milestone.amount:
            await escrow.refund(contract, milestone, milestone.amount - paid)
        await _emit("resolved", dispute, contract)
    return dispute
