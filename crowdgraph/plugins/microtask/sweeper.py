"""The sweeper: expires leases, auto-approves, ends batches past their deadline, settles holds.

Every pass is idempotent and safe to run in many processes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from crowdgraph.core import runtime
from crowdgraph.plugins.microtask.batches import end_batch
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch, BatchStatus
from crowdgraph.plugins.microtask.review import auto_approve, close_lapsed_appeals
from crowdgraph.plugins.microtask.work import expire_leases

log = logging.getLogger("crowdgraph.microtask")


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


async def sweep_forever(config: Config) -> None:
    while True:
        try:
            await sweep(config)
        except Exception:
            log.exception("microtask sweep failed; trying again next round")
        await asyncio.sleep(config.settings.sweep_seconds)


class Sweeper:
    """The background task started by the plugin's startup hook."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    def start(self, config: Config) -> None:
        if self.task is None:
            self.task = asyncio.create_task(sweep_forever(config), name="microtask-sweeper")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
