from __future__ import annotations

import asyncio
from typing import Any

import pytest

from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Event, LedgerEntry
from crowdgraph.plugins.microtask import batches, review, work
from crowdgraph.plugins.microtask.models import AssignmentStatus, Task
from crowdgraph.plugins.microtask.sweeper import sweep
from tests.plugins.microtask.conftest import Shop


async def _names() -> list[str]:
    rows = await Event.filter(name__startswith="microtask.").order_by("id")
    return [e.name for e in rows if e.name.split(".")[1] in ("assignment", "task", "batch")][2:]


async def test_each_step_of_an_answer_writes_its_event(shop: Shop, clock: Any) -> None:
    batch = await shop.batch(tasks=1, overlap=1, lease_seconds=60)
    late, good = await shop.factory.worker(), await shop.factory.worker()
    await work.claim_next(late.actor, batch.id)
    clock.advance(seconds=61)
    assignment = await work.claim_next(good.actor, batch.id)
    assert assignment is not None
    await work.submit(good.actor, shop.config, assignment.id, "cat")
    await review.reject(shop.owner.actor, shop.config, assignment.id, "that is a dog")
    await review.appeal(good.actor, shop.config, assignment.id, "look at the ears")
    await review.answer_appeal(shop.owner.actor, shop.config, assignment.id, True, "you are right")
    assert await _names() == [
        "microtask.assignment.claimed",
        "microtask.assignment.expired",
        "microtask.assignment.claimed",
        "microtask.assignment.submitted",
        "microtask.task.completed",
        "microtask.batch.completed",
        "microtask.assignment.rejected",
        "microtask.assignment.appealed",
        "microtask.assignment.approved",
        "microtask.task.completed",
        "microtask.batch.completed",
    ]


async def test_a_refused_change_writes_no_event(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    worker = await shop.factory.worker()
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    before = await Event.all().count()
    with pytest.raises(InvalidInput):
        await review.approve(shop.owner.actor, shop.config, assignment.id)
    assert await Event.all().count() == before


async def test_adding_tasks_beyond_the_budget_adds_and_holds_nothing(shop: Shop) -> None:
    batch = await shop.batch(tasks=1, reward=1_000)
    holds = await LedgerEntry.all().count()
    with pytest.raises(InvalidInput) as caught:
        await batches.add_tasks(
            shop.owner.actor, shop.config, batch.id, [{"input": {"n": i}} for i in range(100)]
        )
    assert caught.value.problems[0].code == "INSUFFICIENT_FUNDS"
    assert await Task.filter(batch_id=batch.id).count() == 1
    assert await LedgerEntry.all().count() == holds


async def test_the_sweeper_is_idempotent(shop: Shop, clock: Any) -> None:
    batch = await shop.batch(tasks=2, lease_seconds=60)
    worker = await shop.factory.worker()
    await work.claim_next(worker.actor, batch.id)
    clock.advance(seconds=61)
    first = await sweep(shop.config)
    second = await sweep(shop.config)
    assert (first.expired, second.expired) == (1, 0)


async def test_the_platform_sweeps_in_the_background_until_it_stops(shop: Shop, clock) -> None:
    batch = await shop.batch(tasks=1, lease_seconds=60)
    worker = await shop.factory.worker()
    claimed = await work.claim_next(worker.actor, batch.id)
    clock.advance(seconds=61)
    await shop.platform.start_background()
    try:
        for _ in range(500):  # the first sweep runs at once; allow it up to five seconds
            await claimed.refresh_from_db()
            if claimed.status == AssignmentStatus.EXPIRED:
                break
            await asyncio.sleep(0.01)
        assert claimed.status == AssignmentStatus.EXPIRED
        jobs = [task.get_name() for task in shop.platform._jobs]
        assert "crowdgraph-microtask.sweep" in jobs
    finally:
        await shop.platform.stop_background()
    assert shop.platform._jobs == []
