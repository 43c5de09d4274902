"""What micro-tasks add to a worker's record and to an organization's skills in demand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tortoise.functions import Count, Sum

from crowdgraph.core.models import WorkerProfile
from crowdgraph.core.workforce import OpenWork, WorkerFact
from crowdgraph.plugins.microtask.config import NAME
from crowdgraph.plugins.microtask.models import (
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Task,
    TaskStatus,
    WorkerStanding,
)


async def worker_facts(workers: Sequence[WorkerProfile]) -> dict[int, list[WorkerFact]]:
    """Gold accuracy over every batch, answers given, and the share of reviewed answers approved."""
    ids = [w.id for w in workers]
    facts: dict[int, list[WorkerFact]] = defaultdict(list)
    for worker_id, answers, gold, correct in (
        await WorkerStanding.filter(worker_id__in=ids)
        .annotate(answers=Sum("answers"), gold=Sum("gold_answers"), correct=Sum("gold_correct"))
        .group_by("worker_id")
        .values_list("worker_id", "answers", "gold", "correct")
    ):
        answers, gold, correct = int(answers or 0), int(gold or 0), int(correct or 0)
        if answers:
            facts[worker_id].append(
                WorkerFact(NAME, "answers", "Answers given", answers, f"{answers} answers")
            )
        if gold:
            accuracy = correct / gold
            facts[worker_id].append(
                WorkerFact(
                    NAME,
                    "gold_accuracy",
                    "Gold accuracy",
                    round(accuracy, 4),
                    f"{accuracy:.0%} on {gold} gold tasks",
                )
            )
    reviewed: dict[int, dict[str, int]] = defaultdict(dict)
    for worker_id, status, n in (
        await Assignment.filter(
            worker_id__in=ids,
            status__in=[AssignmentStatus.APPROVED, AssignmentStatus.REJECTED],
        )
        .annotate(n=Count("id"))
        .group_by("worker_id", "status")
        .values_list("worker_id", "status", "n")
    ):
        reviewed[worker_id][status] = n
    for worker_id, counts in reviewed.items():
        approved = counts.get(AssignmentStatus.APPROVED, 0)
        total = approved + counts.get(AssignmentStatus.REJECTED, 0)
        share = approved / total
        facts[worker_id].append(
            WorkerFact(
                NAME,
                "approval_rate",
                "Answers approved",
                round(share, 4),
                f"{share:.0%} of {total} reviewed answers approved",
            )
        )
    return facts


async def open_work(organization_id: int) -> list[OpenWork]:
    """Open batches, each with its open tasks as openings."""
    batches = await Batch.filter(organization_id=organization_id, status=BatchStatus.OPEN)
    if not batches:
        return []
    open_tasks = dict(
        await Task.filter(batch_id__in=[b.id for b in batches], status=TaskStatus.OPEN)
        .annotate(n=Count("id"))
        .group_by("batch_id")
        .values_list("batch_id", "n")
    )
    return [
        OpenWork(NAME, b.title, b.requirements, openings=open_tasks.get(b.id, 0))
        for b in batches
        if open_tasks.get(b.id)
    ]
