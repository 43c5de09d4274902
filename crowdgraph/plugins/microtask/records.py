"""What micro-tasks add to a worker's record and to an organization's skills in demand."""

from __future__ import annotations

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


async def worker_facts(worker: WorkerProfile) -> list[WorkerFact]:
    """Gold accuracy over every batch, answers given, and the share of reviewed answers approved."""
    totals = (
        await WorkerStanding.filter(worker_id=worker.id)
        .annotate(answers=Sum("answers"), gold=Sum("gold_answers"), correct=Sum("gold_correct"))
        .values("answers", "gold", "correct")
    )
    answers, gold, correct = (int(totals[0][k] or 0) for k in ("answers", "gold", "correct"))
    facts = []
    if answers:
        facts.append(WorkerFact(NAME, "answers", "Answers given", answers, f"{answers} answers"))
    if gold:
        accuracy = correct / gold
        facts.append(
            WorkerFact(
                NAME,
                "gold_accuracy",
                "Gold accuracy",
                round(accuracy, 4),
                f"{accuracy:.0%} on {gold} gold tasks",
            )
        )
    reviewed = dict(
        await Assignment.filter(
            worker_id=worker.id,
            status__in=[AssignmentStatus.APPROVED, AssignmentStatus.REJECTED],
        )
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    approved, rejected = (
        reviewed.get(AssignmentStatus.APPROVED, 0),
        reviewed.get(AssignmentStatus.REJECTED, 0),
    )
    if approved + rejected:
        share = approved / (approved + rejected)
        facts.append(
            WorkerFact(
                NAME,
                "approval_rate",
                "Answers approved",
                round(share, 4),
                f"{share:.0%} of {approved + rejected} reviewed answers approved",
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
