"""A worker's side: the feed of batches open to them, claiming the next task, answering, releasing.

Claiming is one conditional statement that takes a slot on a task: it never gives a task more
assignments than its overlap, nor a worker the same task twice (a unique index backs that up).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, Subquery

from crowdgraph.core import eligibility, engagements, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound
from crowdgraph.core.events import emit
from crowdgraph.core.models import EngagementStatus, WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page, fetch_ranked_page
from crowdgraph.core.projects import audience_rule
from crowdgraph.core.sql import marks, returning
from crowdgraph.core.transaction import atomic
from crowdgraph.observability import CLAIMS
from crowdgraph.plugins.microtask.batches import get_batch
from crowdgraph.plugins.microtask.config import NAME, Config, pay_terms
from crowdgraph.plugins.microtask.models import (
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Block,
    Scheduling,
    Task,
    TaskStatus,
    WorkerStanding,
    wrapped,
)
from crowdgraph.plugins.microtask.quality import after_answer, maybe_complete_batch, record_answer
from crowdgraph.plugins.microtask.spec import answer_problems, same_answer

DETAIL_TYPE = "MicrotaskAssignment"
RECENT_ANSWERS = 101
"""Median time on task is taken over a batch's most recent answers."""

# "Not yet answered by this worker" is a scalar subquery, not NOT EXISTS: PostgreSQL may turn NOT
# EXISTS into a merge anti join, which reads the (task_id, worker_id) index from the lowest task id up
# to the first open one, so a claim slows as the batch's done part grows. A scalar subquery is never
# made a join: each candidate, in claim order, costs one probe of that unique index (SQLite plans it
# the same way), and a claim costs the candidates it passes by, whatever the size of the batch.
_PICK = """
SELECT t.id FROM microtask_task t
WHERE t.batch_id = {batch} AND t.status = 'open' AND t.is_gold = {gold}
  AND (
    SELECT 1 FROM microtask_assignment a WHERE a.task_id = t.id AND a.worker_id = {worker} LIMIT 1
  ) IS NULL
ORDER BY {order}
LIMIT 1"""
_TAKE = """
UPDATE microtask_task SET taken = taken + 1,
  status = CASE WHEN taken + 1 >= answers_needed THEN 'full' ELSE status END
WHERE id = ({pick}) AND status = 'open'
RETURNING id"""
_TAKE_POSTGRES = """
WITH next AS ({pick} FOR UPDATE SKIP LOCKED)
UPDATE microtask_task SET taken = microtask_task.taken + 1,
  status = CASE WHEN microtask_task.taken + 1 >= microtask_task.answers_needed
    THEN 'full' ELSE microtask_task.status END
FROM next WHERE microtask_task.id = next.id
RETURNING microtask_task.id"""
ORDER = {Scheduling.DEPTH_FIRST: "t.id", Scheduling.BREADTH_FIRST: "t.taken, t.id"}


def pick_statement(dialect: str, scheduling: Scheduling) -> str:
    """The statement that finds a worker's next claimable task (parameters: batch, gold, worker)."""
    batch, gold, worker = ("$1", "$2", "$3") if dialect == "postgres" else ("?", "?", "?")
    return _PICK.format(batch=batch, gold=gold, worker=worker, order=ORDER[scheduling])


def take_statement(dialect: str, scheduling: Scheduling) -> str:
    """The one statement that takes a slot on the next claimable task (parameters: batch, gold, worker)."""
    pick = pick_statement(dialect, scheduling)
    return (_TAKE_POSTGRES if dialect == "postgres" else _TAKE).format(pick=pick)


_BEFORE_CLAIM = """
SELECT
  EXISTS (SELECT 1 FROM microtask_block b WHERE b.organization_id = {org} AND b.worker_id = {worker}
    AND (b.batch_id = {batch} OR b.batch_id IS NULL)) AS blocked,
  EXISTS (SELECT 1 FROM microtask_worker_standing s WHERE s.batch_id = {batch}
    AND s.worker_id = {worker} AND s.restricted) AS restricted,
  EXISTS (SELECT 1 FROM microtask_assignment a WHERE a.batch_id = {batch}
    AND a.status = 'claimed' AND a.lease_expires_at <= {now}) AS overdue"""


@dataclass(frozen=True)
class BeforeClaim:
    """What one statement tells before a claim: the worker's standing in the batch, and whether
    any of its leases ran out (their slots are returned first)."""

    blocked: bool
    restricted: bool
    overdue: bool


async def before_claim(worker: WorkerProfile, batch: Batch) -> BeforeClaim:
    db = Block._meta.db
    org, worker_mark, batch_mark, now_mark = marks(db, 4)
    statement = _BEFORE_CLAIM.format(org=org, worker=worker_mark, batch=batch_mark, now=now_mark)
    now: Any = runtime.now()
    if db.capabilities.dialect != "postgres":  # compared as SQLite stores it: ISO text
        now = Assignment._meta.fields_map["lease_expires_at"].to_db_value(now, Assignment)
    _, rows = await db.execute_query(statement, [batch.organization_id, worker.id, batch.id, now])
    row = rows[0]
    return BeforeClaim(bool(row["blocked"]), bool(row["restricted"]), bool(row["overdue"]))


async def refusal(
    worker: WorkerProfile, batch: Batch, standing: BeforeClaim
) -> InvalidInput | None:
    """Why a worker may not claim in a batch (blocked, restricted, not eligible), or None."""
    if standing.blocked:
        return InvalidInput.one("batchId", "BLOCKED", "you are blocked from this batch")
    if standing.restricted:
        return InvalidInput.one(
            "batchId", "RESTRICTED", "your gold accuracy in this batch fell below the minimum"
        )
    verdict = await eligibility.check(worker, batch.requirements)
    if verdict.eligible:
        return None
    return InvalidInput.one("batchId", "NOT_ELIGIBLE", "; ".join(verdict.reasons))


def check_open(batch: Batch) -> None:
    """A batch that takes no claims (paused, closed, past its deadline whether or not the sweeper
    closed it yet) is BATCH_NOT_OPEN; a completed one has nothing left (the claim gives null)."""
    if batch.status not in (BatchStatus.OPEN, BatchStatus.COMPLETED):
        raise InvalidInput.one(
            "batchId", "BATCH_NOT_OPEN", f"the batch is {batch.status.value}: it takes no claims"
        )
    if batch.deadline is not None and batch.deadline <= runtime.now():
        raise InvalidInput.one(
            "batchId", "BATCH_NOT_OPEN", "the batch's deadline has passed: it takes no claims"
        )


async def claimant(actor: Actor, batch_id: int) -> tuple[WorkerProfile, Batch]:
    """The calling worker and a batch they may claim in (refused otherwise, as ``refusal`` and
    ``check_open`` say); the batch's leases that ran out are returned first."""
    worker = await actor.require_worker()
    batch = await get_batch(actor, batch_id)
    check_open(batch)
    standing = await before_claim(worker, batch)
    refused = await refusal(worker, batch, standing)
    if refused:
        raise refused
    if standing.overdue and batch.status == BatchStatus.OPEN:
        await expire_leases(batch_id=batch.id)
    return worker, batch


async def preview_next(actor: Actor, batch_id: int) -> Task | None:
    """The task the calling worker's next claim would take when it draws real work, without
    claiming it: only in a batch that allows previews (which draws no gold), to a worker who
    may claim there; None when nothing is left for them. Nothing is reserved: another worker
    may take its last slot first."""
    worker, batch = await claimant(actor, batch_id)
    if not batch.allow_preview:
        raise InvalidInput.one(
            "batchId",
            "PREVIEW_NOT_ALLOWED",
            "this batch does not show its tasks before they are claimed (allowPreview is off)",
        )
    if batch.status == BatchStatus.COMPLETED:
        return None
    db = Task._meta.db
    statement = pick_statement(db.capabilities.dialect, batch.scheduling)
    _, rows = await db.execute_query(statement, [batch.id, False, worker.id])
    return await Task.get(id=rows[0]["id"]) if rows else None


async def claim_next(
    actor: Actor, batch_id: int, rng: random.Random | None = None
) -> Assignment | None:
    """Claim the next task of a batch for the calling worker; None when no task is left for them."""
    worker, batch = await claimant(actor, batch_id)
    if batch.status == BatchStatus.COMPLETED:
        return None
    # A gold task at the batch's rate, else real work; gold is never served once real work runs out.
    kinds = (True, False) if (rng or random).random() < batch.gold_rate else (False,)
    async with atomic() as connection:
        task_id = None
        for gold in kinds:
            statement = take_statement(connection.capabilities.dialect, batch.scheduling)
            _, rows = await connection.execute_query(statement, [batch.id, gold, worker.id])
            if rows:
                task_id = int(rows[0]["id"])
                break
        if task_id is None:
            return None
        now = runtime.now()
        try:
            assignment = await Assignment.create(
                task_id=task_id,
                batch_id=batch.id,
                worker_id=worker.id,
                worker_account_id=worker.account_id,
                status=AssignmentStatus.CLAIMED,
                is_gold=gold,
                lease_expires_at=now + timedelta(seconds=batch.lease_seconds),
                started_at=now,
            )
        except IntegrityError as exc:  # the same worker claiming twice at once
            raise InvalidInput.one(
                "batchId", "ALREADY_CLAIMED", "you already hold this task"
            ) from exc
        engagement = await engagements.start_engagement(
            worker_id=worker.id,
            worker_account_id=worker.account_id,
            organization_id=batch.organization_id,
            project_id=batch.project_id,
            model=NAME,
            detail_type=DETAIL_TYPE,
            detail_id=assignment.id,
            pay_amount=batch.reward,
            title=batch.title,
            currency=batch.currency,
        )
        assignment.engagement_id = engagement.id
        await assignment.save(update_fields=["engagement_id"])
        await emit_assignment("claimed", batch, assignment)
    CLAIMS.labels(NAME).inc()
    return assignment


async def emit_assignment(what: str, batch: Batch, assignment: Assignment, **extra: Any) -> None:
    await emit(
        f"microtask.assignment.{what}",
        {
            "batch_id": batch.id,
            "task_id": assignment.task_id,
            "assignment_id": assignment.id,
            **extra,
        },
        organization_id=batch.organization_id,
        account_id=assignment.worker_account_id,
        project_id=batch.project_id,
    )


async def free_slot(task_id: int, *, uncount_answer: bool = False) -> None:
    """Give a task's slot back (a released, expired or rejected assignment); it reopens if not done."""
    changes: dict[str, Any] = {"taken": F("taken") - 1}
    if uncount_answer:
        changes["answers_received"] = F("answers_received") - 1
    await Task.filter(id=task_id).update(**changes)
    await Task.filter(id=task_id, status=TaskStatus.FULL).update(status=TaskStatus.OPEN)


async def end_engagement(
    assignment: Assignment, to: EngagementStatus, pay: int | None = None
) -> None:
    if assignment.engagement_id is None:
        return
    engagement = await engagements.find_engagement(NAME, DETAIL_TYPE, assignment.id)
    if engagement is not None and engagement.status not in engagements.ENDED:
        await engagements.move_engagement(engagement, to, pay_amount=pay)


async def expire_leases(batch_id: int | None = None, limit: int = 500) -> int:
    """Return the slots of claims whose lease ran out; idempotent, safe in many processes."""
    query = Assignment.filter(status=AssignmentStatus.CLAIMED, lease_expires_at__lte=runtime.now())
    if batch_id is not None:
        query = query.filter(batch_id=batch_id)
    overdue = await query.order_by("lease_expires_at").limit(limit)
    expired = 0
    for assignment in overdue:
        async with atomic():
            moved = await Assignment.filter(
                id=assignment.id, status=AssignmentStatus.CLAIMED
            ).update(status=AssignmentStatus.EXPIRED)
            if not moved:
                continue
            await free_slot(assignment.task_id)
            await end_engagement(assignment, EngagementStatus.CANCELLED)
            batch = await Batch.get(id=assignment.batch_id)
            await emit_assignment("expired", batch, assignment)
        expired += 1
    return expired


async def my_assignment(actor: Actor, assignment_id: int) -> Assignment:
    worker = await actor.require_worker()
    assignment = await Assignment.get_or_none(id=assignment_id, worker_id=worker.id)
    if assignment is None:
        raise NotFound("no such assignment")
    return assignment


def _require_claimed(assignment: Assignment) -> None:
    """A lease that ran out is LEASE_EXPIRED whether or not the sweeper has expired it yet."""
    if assignment.status == AssignmentStatus.EXPIRED:
        raise InvalidInput.one(
            "assignmentId",
            "LEASE_EXPIRED",
            f"the lease ran out at {assignment.lease_expires_at.isoformat()}: claim a new task",
        )
    if assignment.status != AssignmentStatus.CLAIMED:
        raise InvalidInput.one(
            "assignmentId",
            "NOT_CLAIMED",
            f"the assignment is {assignment.status.value}, not claimed",
        )
    if assignment.lease_expires_at <= runtime.now():
        raise InvalidInput.one(
            "assignmentId",
            "LEASE_EXPIRED",
            f"the lease ran out at {assignment.lease_expires_at.isoformat()}: claim a new task",
        )


async def submit(actor: Actor, config: Config, assignment_id: int, answer: Any) -> Assignment:
    """Answer a claimed task before its lease runs out; the answer must fit the batch's spec."""
    assignment = await my_assignment(actor, assignment_id)
    _require_claimed(assignment)
    batch = await Batch.get(id=assignment.batch_id)
    problems = answer_problems(batch.answer_spec, answer)
    if problems:
        raise InvalidInput.one("answer", "INVALID_ANSWER", problems[0])
    now = runtime.now()
    seconds = int((now - assignment.started_at).total_seconds())
    async with atomic():
        task = await Task.get(id=assignment.task_id)
        correct = same_answer(batch.answer_spec, answer, task.gold) if task.is_gold else None
        changes = {
            "status": AssignmentStatus.SUBMITTED,
            "answer": wrapped(answer),
            "submitted_at": now,
            "time_on_task": seconds,
            "correct": correct,
            "too_fast": seconds < config.settings.fast_answer_seconds,
            "auto_approve_at": now + pay_terms(config, batch).auto_approve_after,
        }
        moved = await Assignment.filter(id=assignment.id, status=AssignmentStatus.CLAIMED).update(
            **changes
        )
        if not moved:
            raise InvalidInput.one(
                "assignmentId", "NOT_CLAIMED", "the assignment is no longer claimed"
            )
        assignment.update_from_dict(changes)  # what was written: no need to read it back
        if assignment.engagement_id is not None:
            await engagements.add_time(assignment.engagement_id, seconds)
        await record_answer(config, batch, assignment)
        await emit_assignment("submitted", batch, assignment, too_fast=assignment.too_fast)
        if not task.is_gold:
            await count_answer(config, batch, task.id)
    return assignment


_COUNT_ANSWER = """
UPDATE microtask_task SET answers_received = answers_received + 1{retake}
WHERE id = {task} RETURNING *"""


async def count_answer(config: Config, batch: Batch, task_id: int, *, retake: bool = False) -> None:
    """Count an answer towards its task's result; ``retake`` also takes back the slot it gave up."""
    db = Task._meta.db
    (task_mark,) = marks(db, 1)
    statement = _COUNT_ANSWER.format(retake=", taken = taken + 1" if retake else "", task=task_mark)
    task = await returning(db, Task, statement, [task_id])
    if retake and task.status == TaskStatus.OPEN and task.taken >= task.answers_needed:
        task.status = TaskStatus.FULL
        await task.save(update_fields=["status"])
    if await after_answer(config, batch, task):
        await maybe_complete_batch(batch)


async def release(actor: Actor, assignment_id: int) -> Assignment:
    """Give a claimed task back (skip it); it goes to someone else, never back to this worker."""
    assignment = await my_assignment(actor, assignment_id)
    _require_claimed(assignment)
    batch = await Batch.get(id=assignment.batch_id)
    async with atomic():
        moved = await Assignment.filter(id=assignment.id, status=AssignmentStatus.CLAIMED).update(
            status=AssignmentStatus.RELEASED
        )
        if not moved:
            raise InvalidInput.one(
                "assignmentId", "NOT_CLAIMED", "the assignment is no longer claimed"
            )
        assignment.status = AssignmentStatus.RELEASED
        await free_slot(assignment.task_id)
        await end_engagement(assignment, EngagementStatus.CANCELLED)
        await emit_assignment("released", batch, assignment)
    return assignment


async def my_assignments(
    actor: Actor, page: PageRequest, status: AssignmentStatus | None = None
) -> Page[Assignment]:
    worker = await actor.require_worker()
    query = Assignment.filter(worker_id=worker.id)
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)


@dataclass(frozen=True)
class FeedItem:
    batch: Batch
    median_seconds: float | None
    hourly_pay: int | None
    """Minor units per hour at the median time on task."""


async def median_seconds(batch_ids: Sequence[int]) -> dict[int, float]:
    """Median time on task over each batch's most recent answers, in one statement."""
    if not batch_ids:
        return {}
    conn = Assignment._meta.db
    wanted = ", ".join(marks(conn, len(batch_ids)))
    sql = (
        "SELECT batch_id, time_on_task FROM (SELECT batch_id, time_on_task, ROW_NUMBER() OVER "
        "(PARTITION BY batch_id ORDER BY id DESC) AS n FROM microtask_assignment "
        f"WHERE batch_id IN ({wanted}) AND time_on_task IS NOT NULL) AS recent WHERE n <= {RECENT_ANSWERS}"
    )
    _, rows = await conn.execute_query(sql, list(batch_ids))
    times: dict[int, list[int]] = {}
    for row in rows:
        times.setdefault(int(row["batch_id"]), []).append(int(row["time_on_task"]))
    return {batch_id: statistics.median(values) for batch_id, values in times.items()}


def hourly(reward: int, seconds: float | None) -> int | None:
    if not seconds:
        return None
    return round(reward * 3600 / seconds)


async def feed(actor: Actor, page: PageRequest) -> Page[FeedItem]:
    """Open batches the calling worker may claim in: audience, not blocked, not restricted, eligible;
    highest priority first, then oldest.

    Requirements are checked once per distinct set, so the statements stay few however long the page.
    """
    worker = await actor.require_worker()
    # Blocks and restrictions as subqueries of the one statement that reads the batches.
    blocks = Block.filter(worker_id=worker.id)
    blocked_orgs = blocks.filter(batch_id__isnull=True).values("organization_id")
    blocked_batches = blocks.filter(batch_id__isnull=False).values("batch_id")
    restricted = WorkerStanding.filter(worker_id=worker.id, restricted=True).values("batch_id")
    query = (
        Batch.filter(audience_rule(worker), status=BatchStatus.OPEN)
        .exclude(organization_id__in=Subquery(blocked_orgs))
        .exclude(id__in=Subquery(blocked_batches))
        .exclude(id__in=Subquery(restricted))
    )
    now = runtime.now()
    query = query.filter(Q(deadline=None) | Q(deadline__gt=now))
    found = await fetch_ranked_page(query, page, "priority")
    verdicts: dict[str, bool] = {}

    async def admits(requirements: Any) -> bool:
        key = repr(requirements)
        if key not in verdicts:
            verdicts[key] = (await eligibility.check(worker, requirements)).eligible
        return verdicts[key]

    async def count() -> int:
        """Every batch of the feed, on any page: one statement, a check per requirement set."""
        return sum([await admits(r) for r in await query.values_list("requirements", flat=True)])

    eligible = [batch for batch in found.items if await admits(batch.requirements)]
    medians = await median_seconds([b.id for b in eligible])
    items = [FeedItem(b, medians.get(b.id), hourly(b.reward, medians.get(b.id))) for b in eligible]
    return Page(items, found.has_next, found.has_previous, count)
