"""The sweeper: expires leases, auto-approves, ends batches past their deadline, settles holds.

Every pass is idempotent; the platform runs one pass at a time across processes (``Platform.every``).
"""

from __future__ import annotations

from dataclasses import dataclass

from crowdgraph.core import runtime
from crowdgraph.plugins.microtask.batches import end_batch
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch, BatchStatus
from crowdgraph.plugins.microtask.review import auto_approve, close_lapsed_appeals
from crowdgraph.plugins.microtask.work import expire_leases


@dataclass(frozen=True)
class Swept:
    expired: int
    approved: int
    closed: int
    lapsed_appeals: int


async def sweep(config: Config) -> Swept:
    """One pass over everything that is due now."""
    expired = await expire_leases()
    approved = await auto_approve(config)
    lapsed = await close_lapsed_appeals(config)
    past = await Batch.filter(
        status__in=[BatchStatus.OPEN, BatchStatus.PAUSED], deadline__lte=runtime.now()
    )
    for batch in past:
        await end_batch(batch, BatchStatus.CLOSED)
    return Swept(expired, approved, len(past), lapsed)
