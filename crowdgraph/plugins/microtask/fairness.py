"""Fair pay: effective hourly pay per batch and per worker, and the batch's pay floor."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.functions import Count, Sum

from crowdgraph.core.actor import Actor
from crowdgraph.plugins.microtask.batches import get_batch
from crowdgraph.plugins.microtask.config import Config, pay_terms
from crowdgraph.plugins.microtask.models import Assignment, AssignmentStatus, Batch
from crowdgraph.plugins.microtask.work import hourly, median_seconds


@dataclass(frozen=True)
class BatchPay:
    reward: int
    currency: str
    median_seconds: float | None
    hourly_pay: int | None
    """Minor units per hour at the median time on task."""
    pay_floor: int | None
    below_floor: bool
    """The median effective pay is below the batch's floor: the batch is flagged."""


@dataclass(frozen=True)
class WorkerPay:
    worker_id: int
    answers: int
    paid: int
    seconds: int
    hourly_pay: int | None


def judge(config: Config, batch: Batch, median: float | None) -> BatchPay:
    pay = hourly(batch.reward, median)
    floor = pay_terms(config, batch).pay_floor_per_hour
    below = floor is not None and pay is not None and pay < floor
    return BatchPay(batch.reward, batch.currency, median, pay, floor, below)


async def batch_pay(actor: Actor, config: Config, batch_id: int) -> BatchPay:
    """A batch's effective pay, as its requester and the workers who see it both see it."""
    batch = await get_batch(actor, batch_id)
    medians = await median_seconds([batch.id])
    return judge(config, batch, medians.get(batch.id))


async def worker_pay(actor: Actor, batch_id: int) -> list[WorkerPay]:
    """Per worker in a batch: approved answers, pay and time; a worker sees only their own line."""
    batch = await get_batch(actor, batch_id)
    query = Assignment.filter(batch_id=batch.id, status=AssignmentStatus.APPROVED)
    if not actor.can_manage(batch.organization_id):
        worker = await actor.require_worker()
        query = query.filter(worker_id=worker.id)
    rows = (
        await query.annotate(
            answers=Count("id"), paid_total=Sum("paid"), seconds=Sum("time_on_task")
        )
        .group_by("worker_id")
        .order_by("worker_id")
        .values("worker_id", "answers", "paid_total", "seconds")
    )
    return [
        WorkerPay(
            worker_id=row["worker_id"],
            answers=row["answers"],
            paid=int(row["paid_total"] or 0),
            seconds=int(row["seconds"] or 0),
            hourly_pay=hourly(int(row["paid_total"] or 0), row["seconds"]),
        )
        for row in rows
    ]
