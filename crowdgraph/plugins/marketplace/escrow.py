"""Escrow of fixed-price milestones: funded from the budget, paid or refunded exactly once."""

from __future__ import annotations

from crowdgraph.core import ledger
from crowdgraph.plugins.marketplace.common import MODEL
from crowdgraph.plugins.marketplace.models import Contract, Milestone


def reference(milestone: Milestone) -> str:
    return f"marketplace:milestone:{milestone.id}"


async def fund(contract: Contract, milestone: Milestone) -> None:
    """Move the milestone's amount from the organization's available budget into its hold."""
    await ledger.hold(
        contract.organization_id,
        reference(milestone),
        milestone.amount,
        f"{reference(milestone)}:fund",
        model=MODEL,
    )


async def pay(
    contract: Contract, milestone: Milestone, amount: int, by_account_id: int | None
) -> None:
    """Pay the worker from the milestone's hold; the key makes a second payment impossible."""
    await ledger.pay(
        organization_id=contract.organization_id,
        worker_account_id=contract.worker_account_id,
        amount=amount,
        idempotency_key=f"{reference(milestone)}:payment",
        model=MODEL,
        engagement_id=contract.engagement_id,
        from_hold=reference(milestone),
        memo=f"milestone {milestone.title}",
        created_by_id=by_account_id,
    )


async def refund(contract: Contract, milestone: Milestone, amount: int) -> None:
    """Give held money back to the organization's available budget."""
    await ledger.release(
        contract.organization_id,
        reference(milestone),
        amount,
        f"{reference(milestone)}:refund",
        model=MODEL,
    )
