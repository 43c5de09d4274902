"""Quality control: gold answers and worker standing, aggregation of answers, dynamic overlap,
restriction of inaccurate workers, and skills verified by a good track record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.expressions import F

from crowdgraph.core import runtime, skills
from crowdgraph.core.actor import Actor
from crowdgraph.core.events import emit
from crowdgraph.core.models import VerifiedBy
from crowdgraph.core.sql import marks, returning
from crowdgraph.plugins.microtask.aggregation import Estimate, Vote, choose
from crowdgraph.plugins.microtask.batches import get_batch, settle_hold
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import (
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Task,
    TaskStatus,
    WorkerStanding,
    wrapped,
)
from crowdgraph.plugins.microtask.spec import vote_key

COUNTED = [AssignmentStatus.SUBMITTED, AssignmentStatus.APPROVED]
"""Answers that count towards a task's result."""
ONLINE_FALLBACK = "weighted"
"""Batch-wide aggregators (Dawid-Skene) need every task; single tasks are decided by this one."""
MIN_ANSWERS_TO_STOP = 2


_COUNT_IN_STANDING = """
INSERT INTO microtask_worker_standing (batch_id, worker_id, answers, gold_answers, gold_correct,
  restricted)
VALUES ({batch}, {worker}, 1, {gold}, {correct}, {no})
ON CONFLICT (batch_id, worker_id) DO UPDATE SET
  answers = microtask_worker_standing.answers + 1,
  gold_answers = microtask_worker_standing.gold_answers + {gold},
  gold_correct = microtask_worker_standing.gold_correct + {correct}
RETURNING *"""


async def record_answer(config: Config, batch: Batch, assignment: Assignment) -> None:
    """Count an answer in the worker's standing (one statement, the row made on the first
    answer); a gold answer moves their accuracy, which is then judged."""
    db = WorkerStanding._meta.db
    batch_mark, worker, gold, correct, no = marks(db, 5)
    statement = _COUNT_IN_STANDING.format(
        batch=batch_mark, worker=worker, gold=gold, correct=correct, no=no
    )
    gold_answer = int(assignment.is_gold)
    right = int(assignment.is_gold and bool(assignment.correct))
    values = [batch.id, assignment.worker_id, gold_answer, right, False]
    standing = await returning(db, WorkerStanding, statement, values)
    if assignment.is_gold:  # only gold answers move the accuracy that is judged
        await _judge_standing(config, batch, standing)


async def _judge_standing(config: Config, batch: Batch, standing: WorkerStanding) -> None:
    settings = config.settings
    accuracy = standing.accuracy
    if accuracy is None:
        return
    failing = standing.gold_answers >= settings.min_gold_answers
    if failing and accuracy < settings.min_gold_accuracy and not standing.restricted:
        standing.restricted = True
        await standing.save(update_fields=["restricted"])
        await emit(
            "microtask.worker.restricted",
            {"batch_id": batch.id, "worker_id": standing.worker_id, "accuracy": accuracy},
            organization_id=batch.organization_id,
            project_id=batch.project_id,
        )
    if (
        batch.skill_id is not None
        and standing.gold_answers >= settings.track_record_answers
        and accuracy >= settings.track_record_accuracy
    ):
        await skills.record_verification(
            standing.worker_id,
            batch.skill_id,
            batch.skill_level,
            VerifiedBy.TRACK_RECORD,
            f"microtask:batch:{batch.id} gold accuracy {accuracy:.2f} over {standing.gold_answers}",
        )


async def my_standing(actor: Actor, batch_id: int) -> WorkerStanding | None:
    """The calling worker's record in a batch they can see."""
    worker = await actor.require_worker()
    batch = await get_batch(actor, batch_id)
    return await WorkerStanding.get_or_none(batch_id=batch.id, worker_id=worker.id)


async def accuracies(batch_id: int, worker_ids: Sequence[int]) -> dict[int, float]:
    rows = await WorkerStanding.filter(batch_id=batch_id, worker_id__in=list(worker_ids))
    return {row.worker_id: acc for row in rows if (acc := row.accuracy) is not None}


def votes_of(batch: Batch, rows: Sequence[Assignment]) -> list[Vote]:
    numeric = batch.answer_spec["kind"] == "number"
    return [
        Vote(
            row.task_id,
            row.worker_id,
            row.value if numeric else vote_key(batch.answer_spec, row.value),
        )
        for row in rows
    ]


def result_value(batch: Batch, rows: Sequence[Assignment], estimate: Estimate) -> Any:
    """The answer behind an estimate's vote key (labels lists and texts come back as given)."""
    if batch.answer_spec["kind"] == "number":
        return estimate.value
    for row in rows:
        if vote_key(batch.answer_spec, row.value) == estimate.value:
            return row.value
    return estimate.value


async def estimate_task(config: Config, batch: Batch, task: Task) -> tuple[Any, Estimate] | None:
    rows = await Assignment.filter(task_id=task.id, status__in=COUNTED)
    if not rows:
        return None
    aggregator = config.aggregators[batch.aggregator]
    if aggregator.batch_wide:
        aggregator = config.aggregators[ONLINE_FALLBACK]
    weights = await accuracies(batch.id, [row.worker_id for row in rows])
    estimate = aggregator.aggregate(votes_of(batch, rows), weights)[task.id]
    return result_value(batch, rows, estimate), estimate


async def after_answer(config: Config, batch: Batch, task: Task) -> bool:
    """Decide a task once enough answers are in: complete it, or ask for one more (dynamic overlap).

    Returns whether the task completed.
    """
    if task.is_gold or task.status == TaskStatus.COMPLETED:
        return False
    decided = await estimate_task(config, batch, task)
    if decided is None:
        return False
    value, estimate = decided
    threshold = batch.confidence_threshold
    confident = threshold is not None and estimate.confidence >= threshold
    received = task.answers_received
    stop_early = confident and received >= MIN_ANSWERS_TO_STOP
    if received < task.answers_needed and not stop_early:
        return False
    if not confident and threshold is not None and task.answers_needed < batch.max_overlap:
        await Task.filter(id=task.id).update(
            answers_needed=F("answers_needed") + 1, status=TaskStatus.OPEN
        )
        return False
    now = runtime.now()
    await Task.filter(id=task.id).update(
        status=TaskStatus.COMPLETED,
        result=wrapped(value),
        confidence=estimate.confidence,
        completed_at=now,
    )
    await emit(
        "microtask.task.completed",
        {"batch_id": batch.id, "task_id": task.id, "confidence": estimate.confidence},
        organization_id=batch.organization_id,
        project_id=batch.project_id,
    )
    return True


async def maybe_complete_batch(batch: Batch) -> bool:
    """A batch whose every regular task is complete becomes completed.

    The batch row is locked first (PostgreSQL): two answers completing the last two tasks at once
    would otherwise each see the other's task still open, and the batch would never complete.
    """
    if batch.status not in (BatchStatus.OPEN, BatchStatus.PAUSED):
        return False
    # NO KEY UPDATE: rows this transaction inserted that refer to the batch hold KEY SHARE on it.
    locked = await Batch.filter(id=batch.id).select_for_update(no_key=True).first()
    if locked is None or locked.status not in (BatchStatus.OPEN, BatchStatus.PAUSED):
        return False
    pending = await Task.filter(
        batch_id=batch.id, is_gold=False, status__not=TaskStatus.COMPLETED
    ).exists()
    if pending:
        return False
    batch.status = BatchStatus.COMPLETED
    batch.updated_at = runtime.now()
    await batch.save(update_fields=["status", "updated_at"])
    await settle_hold(batch)
    await emit(
        "microtask.batch.completed",
        {"batch_id": batch.id},
        organization_id=batch.organization_id,
        project_id=batch.project_id,
    )
    return True


async def results(
    config: Config, batch: Batch, task_ids: Sequence[int] | None = None, method: str | None = None
) -> dict[int, Estimate]:
    """Tasks' results from the answers counted so far, by the batch's aggregator or the one named;
    every regular task's when ``task_ids`` is None. A batch-wide aggregator (Dawid-Skene) reads
    every answer of the batch whichever tasks are asked for. GraphQL and the export both ask here.
    """
    aggregator = choose(config.aggregators, method or batch.aggregator, batch.answer_spec["kind"])
    query = Assignment.filter(batch_id=batch.id, is_gold=False, status__in=COUNTED)
    if task_ids is not None and not aggregator.batch_wide:
        query = query.filter(task_id__in=list(task_ids))
    rows = await query.order_by("id")
    weights = await accuracies(batch.id, list({row.worker_id for row in rows}))
    estimates = aggregator.aggregate(votes_of(batch, rows), weights)
    wanted = estimates.keys() if task_ids is None else set(task_ids) & estimates.keys()
    by_task: dict[int, list[Assignment]] = {}
    for row in rows:
        by_task.setdefault(row.task_id, []).append(row)
    return {
        task_id: Estimate(
            result_value(batch, by_task[task_id], estimates[task_id]),
            estimates[task_id].confidence,
        )
        for task_id in wanted
    }
