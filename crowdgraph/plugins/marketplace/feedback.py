"""Two-way, double-blind feedback after a contract ends, and the worker's job-success score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from crowdgraph.core import runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.events import emit
from crowdgraph.core.transaction import atomic
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.marketplace.contracts import get_contract, require_client
from crowdgraph.plugins.marketplace.models import Contract, ContractStatus, Feedback, Side

GOOD_RATING = 4
"""A client rating from which a contract counts as a success."""


async def leave_feedback(actor: Actor, contract_id: int, rating: int, comment: str) -> Feedback:
    contract = await get_contract(actor, contract_id)
    if actor.account_id == contract.worker_account_id:
        side = Side.WORKER
    else:
        require_client(actor, contract)
        side = Side.CLIENT
    checks = Checks()
    checks.range("rating", rating, low=1, high=5)
    checks.text("comment", comment, max_len=5000)
    checks.done()
    if contract.status != ContractStatus.ENDED or contract.feedback_closes_at is None:
        raise InvalidInput.one(
            "contractId", "NOT_ENDED", "feedback opens when the contract has ended"
        )
    if runtime.now() >= contract.feedback_closes_at:
        raise InvalidInput.one("contractId", "WINDOW_CLOSED", "the feedback window has closed")
    try:
        async with atomic():
            row = await Feedback.create(
                contract_id=contract.id,
                side=side,
                rating=rating,
                comment=comment,
                created_at=runtime.now(),
            )
            await emit(
                "marketplace.feedback.left",
                {"contract_id": contract.id, "side": side.value},
                organization_id=contract.organization_id,
                account_id=contract.worker_account_id,
            )
    except IntegrityError as exc:
        raise InvalidInput.one(
            "contractId", "ALREADY_RATED", "you have already left feedback on this contract"
        ) from exc
    return row


def revealed(contract: Contract, rows: list[Feedback], now: datetime) -> bool:
    """Ratings show once both sides are in or the window has closed (double-blind)."""
    closes = contract.feedback_closes_at
    return len(rows) == 2 or (closes is not None and now >= closes)


@dataclass(frozen=True)
class FeedbackView:
    """What a reader may see of a contract's feedback: revealed ratings, and their own."""

    from_client: Feedback | None
    from_worker: Feedback | None
    revealed: bool
    closes_at: datetime | None


def view(actor: Actor, contract: Contract, rows: list[Feedback]) -> FeedbackView:
    shown = revealed(contract, rows, runtime.now())
    mine = Side.WORKER if actor.account_id == contract.worker_account_id else Side.CLIENT
    by_side = {row.side: row for row in rows if shown or row.side == mine}
    return FeedbackView(
        by_side.get(Side.CLIENT), by_side.get(Side.WORKER), shown, contract.feedback_closes_at
    )


@dataclass(frozen=True)
class Reputation:
    rating: float | None
    """The average revealed client rating."""
    ratings: int
    job_success: int | None
    """Percent of ended contracts rated well by the client, among those with a revealed rating."""
    completed_contracts: int


async def reputations(worker_ids: list[int]) -> dict[int, Reputation]:
    """Reputation of many workers in two statements; hidden ratings never count."""
    now = runtime.now()
    contracts = await Contract.filter(worker_id__in=worker_ids, status=ContractStatus.ENDED)
    rows = await Feedback.filter(contract_id__in=[c.id for c in contracts])
    by_contract: dict[int, list[Feedback]] = {}
    for row in rows:
        by_contract.setdefault(row.contract_id, []).append(row)
    ratings: dict[int, list[int]] = {i: [] for i in worker_ids}
    ended: dict[int, int] = dict.fromkeys(worker_ids, 0)
    for contract in contracts:
        ended[contract.worker_id] += 1
        found = by_contract.get(contract.id, [])
        if not revealed(contract, found, now):
            continue
        ratings[contract.worker_id] += [r.rating for r in found if r.side == Side.CLIENT]
    result = {}
    for worker_id in worker_ids:
        given = ratings[worker_id]
        result[worker_id] = Reputation(
            rating=round(sum(given) / len(given), 2) if given else None,
            ratings=len(given),
            job_success=round(100 * sum(r >= GOOD_RATING for r in given) / len(given))
            if given
            else None,
            completed_contracts=ended[worker_id],
        )
    return result
