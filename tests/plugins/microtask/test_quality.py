from __future__ import annotations

import random

import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Skill, VerifiedBy, WorkerSkill
from crowdgraph.plugins.microtask import work
from crowdgraph.plugins.microtask.models import Assignment, Batch, Task, TaskStatus, WorkerStanding
from crowdgraph.testing import Person
from tests.plugins.microtask.conftest import Shop


async def _answer(
    shop: Shop, worker: Person, batch: Batch, answer: object, rng: random.Random | None = None
) -> Assignment:
    assignment = await work.claim_next(worker.actor, batch.id, rng=rng)
    assert assignment is not None
    return await work.submit(worker.actor, shop.config, assignment.id, answer)


async def test_a_task_completes_with_the_majority_once_its_answers_are_in(shop: Shop) -> None:
    batch = await shop.batch(tasks=1, overlap=3)
    for answer in ("cat", "dog", "cat"):
        await _answer(shop, await shop.factory.worker(), batch, answer)
    task = await Task.get(batch_id=batch.id)
    assert (task.status, task.outcome) == (TaskStatus.COMPLETED, "cat")
    assert task.confidence == pytest.approx(2 / 3)
    await batch.refresh_from_db()
    assert batch.status == "completed"


async def test_dynamic_overlap_stops_early_when_confident(shop: Shop) -> None:
    batch = await shop.batch(tasks=1, overlap=5, confidence_threshold=0.9)
    for _ in range(2):
        await _answer(shop, await shop.factory.worker(), batch, "dog")
    task = await Task.get(batch_id=batch.id)
    assert (task.status, task.answers_received) == (TaskStatus.COMPLETED, 2)


async def test_dynamic_overlap_asks_for_more_answers_up_to_the_maximum(shop: Shop) -> None:
    batch = await shop.batch(tasks=1, overlap=2, max_overlap=3, confidence_threshold=0.9)
    await _answer(shop, await shop.factory.worker(), batch, "dog")
    await _answer(shop, await shop.factory.worker(), batch, "cat")
    task = await Task.get(batch_id=batch.id)
    assert (task.status, task.answers_needed) == (TaskStatus.OPEN, 3)
    await _answer(shop, await shop.factory.worker(), batch, "cat")
    await task.refresh_from_db()
    assert (task.status, task.outcome, task.answers_received) == (TaskStatus.COMPLETED, "cat", 3)


async def test_gold_answers_grade_workers_and_restrict_the_inaccurate(shop: Shop) -> None:
    batch = await shop.batch(tasks=5, gold=["cat", "dog", "bird"], gold_rate=0.5)
    worker = await shop.factory.worker()
    always_gold = random.Random(0)
    always_gold.random = lambda: 0.0  # type: ignore[method-assign]
    for _ in range(3):
        answer = await _answer(shop, worker, batch, "bird", rng=always_gold)
        assert answer.is_gold
    standing = await WorkerStanding.get(batch_id=batch.id, worker_id=answer.worker_id)
    assert (standing.gold_answers, standing.gold_correct, standing.restricted) == (3, 1, True)
    with pytest.raises(InvalidInput) as caught:
        await work.claim_next(worker.actor, batch.id)
    assert caught.value.problems[0].code == "RESTRICTED"


async def test_a_good_track_record_verifies_the_batch_skill(shop: Shop) -> None:
    from crowdgraph.core import runtime

    skill = await Skill.create(
        slug="image-labeling", name="Image labeling", category="data", created_at=runtime.now()
    )
    golds = ["cat"] * 10
    batch = await shop.batch(
        tasks=2, gold=golds, gold_rate=0.5, skill="image-labeling", skill_level=2
    )
    worker = await shop.factory.worker()
    always_gold = random.Random(0)
    always_gold.random = lambda: 0.0  # type: ignore[method-assign]
    for _ in range(10):
        await _answer(shop, worker, batch, "cat", rng=always_gold)
    assert worker.worker is not None
    verified = await WorkerSkill.get(worker_id=worker.worker.id, skill_id=skill.id)
    assert (verified.level, verified.verified_by) == (2, VerifiedBy.TRACK_RECORD)


async def test_answers_faster_than_the_floor_are_flagged(shop: Shop, clock) -> None:
    batch = await shop.batch(tasks=2)
    worker = await shop.factory.worker()
    fast = await _answer(shop, worker, batch, "cat")
    assert fast.too_fast
    slow_claim = await work.claim_next(worker.actor, batch.id)
    assert slow_claim is not None
    clock.advance(seconds=30)
    slow = await work.submit(worker.actor, shop.config, slow_claim.id, "dog")
    assert not slow.too_fast and slow.time_on_task == 30


async def test_gold_tasks_are_not_served_once_real_work_runs_out(shop: Shop) -> None:
    batch = await shop.batch(tasks=1, overlap=1, gold=["cat"], gold_rate=0.2)
    worker = await shop.factory.worker()
    never_gold = random.Random(0)
    never_gold.random = lambda: 0.99  # type: ignore[method-assign]
    first = await work.claim_next(worker.actor, batch.id, rng=never_gold)
    assert first is not None and not first.is_gold
    assert await work.claim_next(worker.actor, batch.id, rng=never_gold) is None
