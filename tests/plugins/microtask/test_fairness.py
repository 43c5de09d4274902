from __future__ import annotations

from typing import Any

from crowdgraph.plugins.microtask import fairness, review, work
from crowdgraph.plugins.microtask.config import Config
from tests.plugins.microtask.conftest import Shop


async def _answer_in(shop: Shop, clock: Any, batch_id: int, seconds: int) -> Any:
    worker = await shop.factory.worker()
    assignment = await work.claim_next(worker.actor, batch_id)
    assert assignment is not None
    clock.advance(seconds=seconds)
    await work.submit(worker.actor, shop.config, assignment.id, "cat")
    await review.approve(shop.owner.actor, shop.config, assignment.id)
    return worker


async def test_effective_pay_is_the_reward_at_the_median_time_on_task(
    shop: Shop, clock: Any
) -> None:
    batch = await shop.batch(tasks=3, overlap=1, reward=10, lease_seconds=3600)
    workers = [await _answer_in(shop, clock, batch.id, s) for s in (30, 60, 600)]
    pay = await fairness.batch_pay(workers[0].actor, shop.config, batch.id)
    assert (pay.median_seconds, pay.hourly_pay) == (60, 600)
    own = await fairness.worker_pay(workers[2].actor, batch.id)
    assert [(p.paid, p.seconds, p.hourly_pay) for p in own] == [(10, 600, 60)]
    everyone = await fairness.worker_pay(shop.owner.actor, batch.id)
    assert len(everyone) == 3


async def test_a_batch_paying_below_the_floor_is_flagged(
    make_platform: Any, factory: Any, clock: Any
) -> None:
    platform = await make_platform(
        plugins=["microtask"], plugin_settings={"microtask": {"pay_floor_per_hour": 1000}}
    )
    org, owner = await factory.organization(funds=100_000)
    shop = Shop(
        platform, Config.of(platform), org, owner, await factory.project(owner, org), factory
    )
    batch = await shop.batch(tasks=1, overlap=1, reward=10)
    await _answer_in(shop, clock, batch.id, 60)
    pay = await fairness.batch_pay(owner.actor, shop.config, batch.id)
    assert (pay.hourly_pay, pay.below_floor) == (600, True)
