from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Engagement, EngagementStatus
from crowdgraph.plugins.microtask import batches, review, work
from crowdgraph.plugins.microtask.models import Assignment, AssignmentStatus, BatchStatus, Task
from crowdgraph.plugins.microtask.sweeper import sweep
from crowdgraph.testing import Person
from tests.plugins.microtask.conftest import Shop


async def _claim_until_dry(worker: Person, batch_id: int) -> int:
    claimed = 0
    while await work.claim_next(worker.actor, batch_id) is not None:
        claimed += 1
    return claimed


async def test_concurrent_claimers_never_over_assign_nor_repeat_a_worker(shop: Shop) -> None:
    batch = await shop.batch(tasks=8, overlap=3)
    workers = [await shop.factory.worker() for _ in range(12)]
    counts = await asyncio.gather(*[_claim_until_dry(w, batch.id) for w in workers])
    rows = await Assignment.filter(batch_id=batch.id).values_list("task_id", "worker_id")
    per_task = Counter(task for task, _ in rows)
    assert sum(counts) == len(rows) == 8 * 3
    assert set(per_task.values()) == {3}
    assert len(set(rows)) == len(rows)
    assert all(t.taken == 3 for t in await Task.filter(batch_id=batch.id))


async def test_answers_completing_the_last_tasks_at_once_complete_the_batch(shop: Shop) -> None:
    for _ in range(5):  # the race is narrow: try it a few times
        batch = await shop.batch(tasks=4, overlap=1)
        workers = [await shop.factory.worker() for _ in range(4)]
        claims = [await work.claim_next(w.actor, batch.id) for w in workers]
        await asyncio.gather(
            *[
                work.submit(w.actor, shop.config, c.id, "cat")
                for w, c in zip(workers, claims, strict=True)
                if c is not None
            ]
        )
        await batch.refresh_from_db()
        assert batch.status == BatchStatus.COMPLETED


async def test_breadth_first_spreads_claims_over_tasks(shop: Shop) -> None:
    batch = await shop.batch(tasks=3, overlap=3, scheduling=batches.Scheduling.BREADTH_FIRST)
    workers = [await shop.factory.worker() for _ in range(3)]
    claimed = [await work.claim_next(w.actor, batch.id) for w in workers]
    assert len({a.task_id for a in claimed if a}) == 3


async def test_depth_first_fills_a_task_before_the_next(shop: Shop) -> None:
    batch = await shop.batch(tasks=3, overlap=3)
    workers = [await shop.factory.worker() for _ in range(3)]
    claimed = [await work.claim_next(w.actor, batch.id) for w in workers]
    assert len({a.task_id for a in claimed if a}) == 1


async def test_an_expired_lease_returns_the_slot_on_the_next_claim(shop: Shop, clock) -> None:
    batch = await shop.batch(tasks=1, overlap=1, lease_seconds=60)
    first, second = await shop.factory.worker(), await shop.factory.worker()
    held = await work.claim_next(first.actor, batch.id)
    assert held is not None
    assert await work.claim_next(second.actor, batch.id) is None
    clock.advance(seconds=61)
    taken = await work.claim_next(second.actor, batch.id)
    assert taken is not None and taken.task_id == held.task_id
    await held.refresh_from_db()
    assert held.status == AssignmentStatus.EXPIRED
    engagement = await Engagement.get(id=held.engagement_id)
    assert engagement.status == EngagementStatus.CANCELLED


async def test_submitting_after_the_lease_is_refused_and_changes_nothing(shop: Shop, clock) -> None:
    batch = await shop.batch(tasks=1, lease_seconds=60)
    worker = await shop.factory.worker()
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    clock.advance(seconds=61)
    with pytest.raises(InvalidInput) as caught:
        await work.submit(worker.actor, shop.config, assignment.id, "cat")
    assert caught.value.problems[0].code == "LEASE_EXPIRED"
    await assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLAIMED and assignment.answer is None


async def test_a_wrong_answer_type_is_refused_and_changes_nothing(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    worker = await shop.factory.worker()
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    with pytest.raises(InvalidInput) as caught:
        await work.submit(worker.actor, shop.config, assignment.id, "horse")
    assert caught.value.problems[0].code == "INVALID_ANSWER"
    assert "cat, dog, bird" in caught.value.problems[0].message
    await assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLAIMED


async def test_claiming_in_a_paused_or_closed_batch_is_refused(shop: Shop) -> None:
    batch = await shop.batch(tasks=2)
    worker = await shop.factory.worker()
    await batches.pause_batch(shop.owner.actor, batch.id)
    with pytest.raises(InvalidInput) as caught:
        await work.claim_next(worker.actor, batch.id)
    assert caught.value.problems[0].code == "BATCH_NOT_OPEN"
    await batches.close_batch(shop.owner.actor, batch.id)
    with pytest.raises(InvalidInput):
        await work.claim_next(worker.actor, batch.id)
    assert await Assignment.filter(batch_id=batch.id).count() == 0


async def test_a_batch_past_its_deadline_takes_no_claims_and_the_sweeper_closes_it(
    shop: Shop, clock
) -> None:
    from datetime import timedelta

    batch = await shop.batch(tasks=2, deadline=clock.now() + timedelta(hours=1))
    worker = await shop.factory.worker()
    clock.advance(hours=2)
    with pytest.raises(InvalidInput) as caught:
        await work.claim_next(worker.actor, batch.id)
    assert caught.value.problems[0].code == "BATCH_NOT_OPEN"
    swept = await sweep(shop.config)
    assert swept.closed == 1
    await batch.refresh_from_db()
    assert batch.status == batches.BatchStatus.CLOSED


async def test_a_released_task_goes_to_someone_else(shop: Shop) -> None:
    batch = await shop.batch(tasks=1, overlap=1)
    first, second = await shop.factory.worker(), await shop.factory.worker()
    held = await work.claim_next(first.actor, batch.id)
    assert held is not None
    await work.release(first.actor, held.id)
    assert await work.claim_next(first.actor, batch.id) is None
    assert await work.claim_next(second.actor, batch.id) is not None


async def test_a_blocked_worker_cannot_claim(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    worker = await shop.factory.worker()
    assert worker.worker is not None
    await review.block(
        shop.owner.actor, shop.org.id, worker.worker.id, "spam answers", batch_id=batch.id
    )
    with pytest.raises(InvalidInput) as caught:
        await work.claim_next(worker.actor, batch.id)
    assert caught.value.problems[0].code == "BLOCKED"


@pytest.mark.parametrize("scheduling", list(batches.Scheduling))
async def test_a_claim_passes_by_open_tasks_the_worker_answered_or_released(
    shop: Shop, scheduling: batches.Scheduling
) -> None:
    batch = await shop.batch(tasks=4, overlap=2, scheduling=scheduling)
    worker = await shop.factory.worker()
    answered = await work.claim_next(worker.actor, batch.id)
    assert answered is not None
    await work.submit(worker.actor, shop.config, answered.id, "cat")
    released = await work.claim_next(worker.actor, batch.id)
    assert released is not None
    await work.release(worker.actor, released.id)
    third = await work.claim_next(worker.actor, batch.id)
    assert third is not None
    ids = sorted(await Task.filter(batch_id=batch.id).values_list("id", flat=True))
    assert (answered.task_id, released.task_id, third.task_id) == tuple(ids[:3])


async def _take_plan(batch_id: int, worker_id: int, scheduling: batches.Scheduling) -> str:
    connection = Task._meta.db
    dialect = connection.capabilities.dialect
    explain, column = (
        ("EXPLAIN", "QUERY PLAN") if dialect == "postgres" else ("EXPLAIN QUERY PLAN", "detail")
    )
    statement = work.take_statement(dialect, scheduling)
    _, rows = await connection.execute_query(f"{explain} {statement}", [batch_id, False, worker_id])
    return "\n".join(row[column] for row in rows)


@pytest.mark.parametrize("scheduling", list(batches.Scheduling))
async def test_the_answered_check_probes_each_candidate_rather_than_joining_all_answers(
    shop: Shop, scheduling: batches.Scheduling
) -> None:
    batch = await shop.batch(tasks=3, scheduling=scheduling)
    worker = await shop.factory.worker()
    assert worker.worker is not None
    plan = await _take_plan(batch.id, worker.worker.id, scheduling)
    if Task._meta.db.capabilities.dialect == "postgres":
        # An anti join can read the worker's answers over the whole batch (merge anti join).
        assert "Anti Join" not in plan and "SubPlan" in plan, plan
    else:
        assert "(task_id=? AND worker_id=?)" in plan, plan
