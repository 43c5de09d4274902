"""The requester's side: approve (pay) or reject answers, auto-approval, bonuses, appeals, blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from crowdgraph.core import ledger, runtime
from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput, NotFound, Problem
from crowdgraph.core.models import EngagementStatus, WorkerProfile
from crowdgraph.core.pages import Page, PageRequest, fetch_page
from crowdgraph.core.transaction import atomic, savepoint
from crowdgraph.core.validation import Checks
from crowdgraph.plugins.microtask.batches import get_managed_batch, hold_reference
from crowdgraph.plugins.microtask.config import NAME, Config, PayTerms, pay_terms
from crowdgraph.plugins.microtask.models import (
    AppealStatus,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Block,
    Task,
    TaskStatus,
)
from crowdgraph.plugins.microtask.work import (
    count_answer,
    emit_assignment,
    end_engagement,
    free_slot,
)

FEEDBACK_MAX = 1024


async def reviewable(actor: Actor, assignment_id: int) -> tuple[Assignment, Batch]:
    """An assignment in a batch the caller manages (otherwise it does not exist for them)."""
    actor.require_account()
    assignment = await Assignment.get_or_none(id=assignment_id)
    if assignment is None:
        raise NotFound("no such assignment")
    batch = await Batch.get(id=assignment.batch_id)
    if not actor.can_manage(batch.organization_id):
        raise NotFound("no such assignment")
    return assignment, batch


def _require_submitted(assignment: Assignment) -> None:
    if assignment.status != AssignmentStatus.SUBMITTED:
        raise InvalidInput.one(
            "assignmentId",
            "NOT_REVIEWABLE",
            f"only submitted answers can be reviewed; this one is {assignment.status.value}",
        )


BULK_APPROVE_MAX = 100
"""Answers one ``approve_many`` call approves at most."""


@dataclass(frozen=True)
class Approvals:
    """What one ``approve_many`` call did, item by item in the order asked."""

    assignments: list[Assignment | None]
    """The approved answer of each item (approved by this call or before), or None."""
    paid: int
    """How many answers this call approved and paid (a retry pays none again)."""
    problems: list[Problem]
    """Why each item left None was not approved, named ``assignmentIds[i]``."""


async def approve_many(actor: Actor, config: Config, assignment_ids: list[int]) -> Approvals:
    """Approve many answers at once, each on its own: an item that cannot be approved is named
    in the problems and the others are still approved. An answer approved already (a retry, or
    another call at the same moment) counts as approved and is never paid twice."""
    actor.require_account()
    if not 1 <= len(assignment_ids) <= BULK_APPROVE_MAX:
        raise InvalidInput.one(
            "assignmentIds",
            "OUT_OF_RANGE",
            f"approve between 1 and {BULK_APPROVE_MAX} answers per call "
            f"(got {len(assignment_ids)})",
        )
    approved: list[Assignment | None] = [None] * len(assignment_ids)
    problems: list[Problem] = []
    paid = 0
    for index, assignment_id in enumerate(assignment_ids):
        where = f"assignmentIds[{index}]"
        try:
            assignment, batch = await reviewable(actor, assignment_id)
            assignment, paid_now = await _approve_once(config, batch, assignment, actor)
        except NotFound as missing:
            problems.append(Problem(where, "NOT_FOUND", str(missing)))
        except InvalidInput as refused:
            problems += [Problem(where, p.code, p.message) for p in refused.problems]
        else:
            approved[index] = assignment
            paid += paid_now
    return Approvals(approved, paid, problems)


async def _approve_once(
    config: Config, batch: Batch, assignment: Assignment, actor: Actor
) -> tuple[Assignment, bool]:
    """Approve a submitted answer, or find it approved already (by a retry, or by a call at the
    same moment: ``pay_answer`` moves it once); with whether this call paid it."""
    if assignment.status == AssignmentStatus.APPROVED:
        return assignment, False
    _require_submitted(assignment)
    try:
        paid = await pay_answer(
            config, batch, assignment, AssignmentStatus.SUBMITTED, reviewer_id=actor.account_id
        )
    except InvalidInput:
        await assignment.refresh_from_db()
        if assignment.status == AssignmentStatus.APPROVED:
            return assignment, False
        raise
    return paid, True


async def approve(actor: Actor, config: Config, assignment_id: int) -> Assignment:
    assignment, batch = await reviewable(actor, assignment_id)
    _require_submitted(assignment)
    return await pay_answer(
        config, batch, assignment, AssignmentStatus.SUBMITTED, reviewer_id=actor.account_id
    )


async def pay_answer(
    config: Config,
    batch: Batch,
    assignment: Assignment,
    from_status: AssignmentStatus,
    *,
    reviewer_id: int | None,
    auto: bool = False,
) -> Assignment:
    """Approve an answer and pay its reward from the batch's hold, exactly once."""
    now = runtime.now()
    async with atomic():
        moved = await Assignment.filter(id=assignment.id, status=from_status).update(
            status=AssignmentStatus.APPROVED, reviewed_at=now, paid=batch.reward
        )
        if not moved:
            raise InvalidInput.one(
                "assignmentId", "NOT_REVIEWABLE", "the answer was reviewed meanwhile"
            )
        hold = hold_reference(batch.id)
        held = await ledger.balance(ledger.held(batch.organization_id, hold))
        await ledger.pay(
            organization_id=batch.organization_id,
            worker_account_id=assignment.worker_account_id,
            amount=batch.reward,
            idempotency_key=f"microtask:assignment:{assignment.id}:pay",
            model=NAME,
            engagement_id=assignment.engagement_id,
            from_hold=hold if held >= batch.reward else None,
            memo=f"{batch.title}: approved answer",
            created_by_id=reviewer_id,
        )
        top_up = top_up_amount(pay_terms(config, batch), batch.reward, assignment.time_on_task)
        if top_up:
            await ledger.pay(
                organization_id=batch.organization_id,
                worker_account_id=assignment.worker_account_id,
                amount=top_up,
                kind="bonus",
                idempotency_key=f"microtask:assignment:{assignment.id}:top-up",
                model=NAME,
                engagement_id=assignment.engagement_id,
                memo=f"{batch.title}: top-up to the pay floor",
            )
        await end_engagement(assignment, EngagementStatus.COMPLETED, batch.reward + top_up)
        await assignment.refresh_from_db()
        await emit_assignment("approved", batch, assignment, auto=auto, paid=batch.reward + top_up)
    return assignment


def top_up_amount(terms: PayTerms, reward: int, seconds: int | None) -> int:
    """The bonus that lifts an answer's pay to its batch's floor (when top-up is on)."""
    floor = terms.pay_floor_per_hour
    if not (terms.top_up and floor and seconds):
        return 0
    owed = -(-floor * seconds // 3600)
    return max(owed - reward, 0)


async def reject(actor: Actor, config: Config, assignment_id: int, feedback: str) -> Assignment:
    """Reject an answer with feedback (required); the worker may appeal within the batch's window.

    The answer stops counting at once. Its reward stays held while it may be appealed, so its slot
    reopens at once only when the budget can hold one more reward for it; otherwise the slot waits
    until the appeal is decided or its window closes (README, "Rejections and appeals").
    """
    assignment, batch = await reviewable(actor, assignment_id)
    checks = Checks()
    checks.text("feedback", feedback, min_len=1, max_len=FEEDBACK_MAX)
    checks.done()
    _require_submitted(assignment)
    now = runtime.now()
    async with atomic():
        moved = await Assignment.filter(id=assignment.id, status=AssignmentStatus.SUBMITTED).update(
            status=AssignmentStatus.REJECTED,
            reviewed_at=now,
            feedback=feedback.strip(),
            appeal_until=now + pay_terms(config, batch).appeal_window,
        )
        if not moved:
            raise InvalidInput.one(
                "assignmentId", "NOT_REVIEWABLE", "the answer was reviewed meanwhile"
            )
        reserve = await _fund_reopened_slot(batch, assignment)
        if reserve:
            await Assignment.filter(id=assignment.id).update(reserve=reserve)
            await free_slot(assignment.task_id, uncount_answer=not assignment.is_gold)
            if not assignment.is_gold:
                await reopen(batch, assignment.task_id)
        elif not assignment.is_gold:
            await Task.filter(id=assignment.task_id).update(
                answers_received=F("answers_received") - 1
            )
            await reopen(batch, assignment.task_id, to=TaskStatus.FULL)
        await assignment.refresh_from_db()
        await emit_assignment("rejected", batch, assignment)
    return assignment


async def _fund_reopened_slot(batch: Batch, assignment: Assignment) -> int:
    """Hold one more reward for a rejected answer's slot, so that it can reopen while the answer
    keeps its own reward held for an appeal. 0 when the batch is closed (no slot reopens) or the
    organization's available budget is short."""
    if batch.status == BatchStatus.CLOSED:
        return 0
    try:
        async with savepoint():
            await ledger.hold(
                batch.organization_id,
                hold_reference(batch.id),
                batch.reward,
                f"microtask:assignment:{assignment.id}:reserve",
                model=NAME,
            )
    except InvalidInput as refused:
        if refused.problems[0].code == "INSUFFICIENT_FUNDS":
            return 0
        raise
    return batch.reward


async def end_rejection(batch: Batch, assignment: Assignment, **still: Any) -> bool:
    """A rejected answer that can no longer be appealed (denied, or its window passed) gives back
    what it kept, once: its reward is released when its slot was funded anew or the batch has
    ended; otherwise the slot it kept reopens, paid for by that reward.

    ``still`` narrows the row it closes (the sweeper: not appealed meanwhile). Returns whether it
    closed it.
    """
    closed = await Assignment.filter(id=assignment.id, appeal_closed_at=None, **still).update(
        appeal_closed_at=runtime.now()
    )
    if not closed:
        return False
    await end_engagement(assignment, EngagementStatus.FAILED)
    if assignment.reserve or batch.status in (BatchStatus.CLOSED, BatchStatus.COMPLETED):
        await ledger.release(
            batch.organization_id,
            hold_reference(batch.id),
            batch.reward,
            f"microtask:assignment:{assignment.id}:appeal-closed",
            model=NAME,
        )
    else:
        await free_slot(assignment.task_id)
    return True


async def reopen(batch: Batch, task_id: int, to: TaskStatus = TaskStatus.OPEN) -> None:
    """A rejected answer no longer counts: its task is no longer complete, nor is its batch."""
    reopened = await Task.filter(id=task_id, status=TaskStatus.COMPLETED).update(
        status=to, result=None, confidence=None, completed_at=None
    )
    if reopened and batch.status == BatchStatus.COMPLETED:
        batch.status = BatchStatus.OPEN
        await batch.save(update_fields=["status"])


async def auto_approve(config: Config, limit: int = 500) -> int:
    """Approve submitted answers nobody reviewed by their batch's delay; idempotent."""
    now = runtime.now()
    # Answers submitted before migration 0003 have no due time: the server's delay holds.
    before_0003 = now - pay_terms(config, None).auto_approve_after
    due = (
        await Assignment.filter(
            Q(auto_approve_at__lte=now) | Q(auto_approve_at=None, submitted_at__lte=before_0003),
            status=AssignmentStatus.SUBMITTED,
        )
        .order_by("submitted_at")
        .limit(limit)
    )
    approved = 0
    for assignment in due:
        batch = await Batch.get(id=assignment.batch_id)
        try:
            async with savepoint():
                await pay_answer(
                    config,
                    batch,
                    assignment,
                    AssignmentStatus.SUBMITTED,
                    reviewer_id=None,
                    auto=True,
                )
        except InvalidInput:
            continue  # reviewed by someone else meanwhile
        approved += 1
    return approved


async def close_lapsed_appeals(config: Config, limit: int = 500) -> int:
    """Rejections whose appeal window passed without an appeal end, once: the engagement fails
    and what the answer kept is given back (``end_rejection``)."""
    now = runtime.now()
    # Rejections made before migration 0003 have no deadline: the server's window holds.
    before_0003 = now - pay_terms(config, None).appeal_window
    lapsed = await Assignment.filter(
        Q(appeal_until__lte=now) | Q(appeal_until=None, reviewed_at__lte=before_0003),
        status=AssignmentStatus.REJECTED,
        appeal_status=AppealStatus.NONE,
        appeal_closed_at=None,
    ).limit(limit)
    closed = 0
    for assignment in lapsed:
        async with atomic():
            batch = await Batch.get(id=assignment.batch_id)
            closed += await end_rejection(batch, assignment, appeal_status=AppealStatus.NONE)
    return closed


async def appeal(actor: Actor, config: Config, assignment_id: int, reason: str) -> Assignment:
    """A worker contests a rejection within the appeal window."""
    worker = await actor.require_worker()
    assignment = await Assignment.get_or_none(id=assignment_id, worker_id=worker.id)
    if assignment is None:
        raise NotFound("no such assignment")
    checks = Checks()
    checks.text("reason", reason, min_len=1, max_len=FEEDBACK_MAX)
    checks.done()
    batch = await Batch.get(id=assignment.batch_id)
    until = appealable_until(config, batch, assignment)
    if assignment.status == AssignmentStatus.REJECTED and until and runtime.now() > until:
        raise InvalidInput.one(
            "assignmentId",
            "APPEAL_WINDOW_CLOSED",
            f"the appeal window closed at {until.isoformat()}",
        )
    async with atomic():
        moved = await Assignment.filter(
            id=assignment.id,
            status=AssignmentStatus.REJECTED,
            appeal_status=AppealStatus.NONE,
            appeal_closed_at=None,
        ).update(appeal_status=AppealStatus.OPEN, appeal_reason=reason.strip())
        if not moved:
            raise InvalidInput.one(
                "assignmentId", "NOT_APPEALABLE", "only a rejected answer can be appealed, once"
            )
        await assignment.refresh_from_db()
        await emit_assignment("appealed", batch, assignment)
    return assignment


def appealable_until(config: Config, batch: Batch, assignment: Assignment) -> datetime | None:
    """When a rejection stops taking an appeal: fixed at rejection, or (rejected before
    migration 0003, in a batch that had no window of its own) the window after it."""
    if assignment.appeal_until is not None:
        return assignment.appeal_until
    if assignment.reviewed_at is None:
        return None
    return assignment.reviewed_at + pay_terms(config, batch).appeal_window


async def answer_appeal(
    actor: Actor, config: Config, assignment_id: int, uphold: bool, response: str
) -> Assignment:
    """The requester answers an appeal: upheld means approved, paid from the reward the rejection
    kept held, and counted again; denied ends it and gives that money or slot back."""
    assignment, batch = await reviewable(actor, assignment_id)
    checks = Checks()
    checks.text("response", response, min_len=1, max_len=FEEDBACK_MAX)
    checks.done()
    async with atomic():
        moved = await Assignment.filter(id=assignment.id, appeal_status=AppealStatus.OPEN).update(
            appeal_status=AppealStatus.UPHELD if uphold else AppealStatus.DENIED,
            appeal_response=response.strip(),
        )
        if not moved:
            raise InvalidInput.one(
                "assignmentId", "NO_OPEN_APPEAL", "this answer has no open appeal"
            )
        await assignment.refresh_from_db()
        if uphold:
            # Without a reserve the answer kept its slot (unless rejected before slots were kept).
            kept_slot = not assignment.reserve and assignment.appeal_closed_at is None
            await Assignment.filter(id=assignment.id).update(appeal_closed_at=runtime.now())
            assignment = await pay_answer(
                config, batch, assignment, AssignmentStatus.REJECTED, reviewer_id=actor.account_id
            )
            if not assignment.is_gold:
                await count_answer(config, batch, assignment.task_id, retake=not kept_slot)
        else:
            await end_rejection(batch, assignment)
    return assignment


async def bonus(actor: Actor, assignment_id: int, amount: int, reason: str, key: str) -> Any:
    """Pay a worker extra for an answer, from the organization's available budget, once per key."""
    assignment, batch = await reviewable(actor, assignment_id)
    checks = Checks()
    checks.range("amount", amount, low=1)
    checks.text("reason", reason, min_len=1, max_len=500)
    checks.text("idempotencyKey", key, min_len=1, max_len=80)
    checks.done()
    return await ledger.pay(
        organization_id=batch.organization_id,
        worker_account_id=assignment.worker_account_id,
        amount=amount,
        kind="bonus",
        idempotency_key=f"microtask:assignment:{assignment.id}:bonus:{key}",
        model=NAME,
        engagement_id=assignment.engagement_id,
        memo=reason,
        created_by_id=actor.account_id,
    )


async def block(
    actor: Actor, organization_id: int, worker_id: int, reason: str, batch_id: int | None = None
) -> Block:
    """Keep a worker out of one batch, or out of all the organization's batches."""
    if batch_id is not None:
        organization_id = (await get_managed_batch(actor, batch_id)).organization_id
    await actor.manages(organization_id)
    checks = Checks()
    checks.text("reason", reason, min_len=1, max_len=FEEDBACK_MAX)
    checks.done()
    if not await WorkerProfile.exists(id=worker_id):
        raise NotFound("no such worker")
    already = InvalidInput.one(
        "workerId", "ALREADY_BLOCKED", "this worker is already blocked there"
    )
    # The unique index cannot see a repeated organization-wide block (NULL batch ids differ in SQL).
    if await Block.exists(organization_id=organization_id, batch_id=batch_id, worker_id=worker_id):
        raise already
    try:
        return await Block.create(
            organization_id=organization_id,
            batch_id=batch_id,
            worker_id=worker_id,
            reason=reason.strip(),
            created_at=runtime.now(),
        )
    except IntegrityError as exc:
        raise already from exc


async def unblock(
    actor: Actor, organization_id: int, worker_id: int, batch_id: int | None = None
) -> None:
    """Let a worker back where ``block`` kept them out: one batch, or (without a batch) all the
    organization's batches. Each block is lifted where it was made."""
    if batch_id is not None:
        organization_id = (await get_managed_batch(actor, batch_id)).organization_id
    await actor.manages(organization_id)
    if await Block.filter(
        organization_id=organization_id, batch_id=batch_id, worker_id=worker_id
    ).delete():
        return
    elsewhere = await Block.filter(organization_id=organization_id, worker_id=worker_id).exists()
    hint = " (a block of theirs elsewhere in the organization stays: unblock it there)"
    scope = "from this batch" if batch_id is not None else "from all the organization's batches"
    raise InvalidInput.one(
        "workerId",
        "NOT_BLOCKED",
        f"this worker is not blocked {scope}{hint if elsewhere else ''}",
    )


async def answers_to_review(
    actor: Actor,
    batch_id: int,
    page: PageRequest,
    status: AssignmentStatus | None = AssignmentStatus.SUBMITTED,
) -> Page[Assignment]:
    batch = await get_managed_batch(actor, batch_id)
    query = Assignment.filter(batch_id=batch.id)
    if status is not None:
        query = query.filter(status=status)
    return await fetch_page(query, page)
