from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.core import ledger
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Engagement, EngagementStatus, LedgerEntry
from crowdgraph.plugins.microtask import batches, review, work
from crowdgraph.plugins.microtask.models import AppealStatus, Assignment, AssignmentStatus, Batch
from crowdgraph.plugins.microtask.sweeper import sweep
from crowdgraph.testing import Person
from tests.plugins.microtask.conftest import Shop


async def _answered(shop: Shop, batch: Batch, answer: str = "cat") -> tuple[Person, Assignment]:
    worker = await shop.factory.worker()
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    return worker, await work.submit(worker.actor, shop.config, assignment.id, answer)


async def test_opening_holds_tasks_times_overlap_times_reward(shop: Shop) -> None:
    batch = await shop.batch(tasks=4, overlap=2, max_overlap=3, reward=25)
    held = await ledger.balance(ledger.held(shop.org.id, batches.hold_reference(batch.id)))
    assert held == batch.held == 4 * 3 * 25


async def test_opening_beyond_the_budget_is_refused_and_holds_nothing(shop: Shop) -> None:
    batch = await shop.batch(tasks=10, reward=10_000, open_it=False)
    with pytest.raises(InvalidInput) as caught:
        await batches.open_batch(shop.owner.actor, batch.id)
    assert caught.value.problems[0].code == "INSUFFICIENT_FUNDS"
    await batch.refresh_from_db()
    assert batch.status == batches.BatchStatus.DRAFT
    assert await LedgerEntry.filter(kind=ledger.HOLD).count() == 0


async def test_an_approval_is_paid_exactly_once(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    worker, assignment = await _answered(shop, batch)
    await review.approve(shop.owner.actor, shop.config, assignment.id)
    with pytest.raises(InvalidInput) as caught:
        await review.approve(shop.owner.actor, shop.config, assignment.id)
    assert caught.value.problems[0].code == "NOT_REVIEWABLE"
    await sweep(shop.config)
    payments = await LedgerEntry.filter(kind=ledger.PAYMENT, worker_id=worker.account.id)
    assert [p.amount for p in payments] == [10]


async def test_a_rejection_needs_feedback_and_changes_nothing_without(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    _, assignment = await _answered(shop, batch)
    with pytest.raises(InvalidInput) as caught:
        await review.reject(shop.owner.actor, shop.config, assignment.id, "  ")
    assert caught.value.problems[0].field == "feedback"
    with pytest.raises(InvalidInput):
        await review.reject(shop.owner.actor, shop.config, assignment.id, "x" * 1025)
    await assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED


async def test_unreviewed_answers_are_approved_after_the_delay(shop: Shop, clock) -> None:
    batch = await shop.batch(tasks=1)
    worker, assignment = await _answered(shop, batch)
    clock.advance(hours=71)
    assert (await sweep(shop.config)).approved == 0
    clock.advance(hours=2)
    assert (await sweep(shop.config)).approved == 1
    assert (await sweep(shop.config)).approved == 0
    await assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.APPROVED
    assert await ledger.balance(ledger.worker_account(worker.account.id)) == 10


async def test_an_upheld_appeal_approves_and_pays(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    worker, assignment = await _answered(shop, batch)
    await review.reject(shop.owner.actor, shop.config, assignment.id, "the image shows a dog")
    await review.appeal(worker.actor, shop.config, assignment.id, "it is a cat in a dog costume")
    await review.answer_appeal(shop.owner.actor, shop.config, assignment.id, True, "fair enough")
    await assignment.refresh_from_db()
    assert (assignment.status, assignment.appeal_status) == (
        AssignmentStatus.APPROVED,
        AppealStatus.UPHELD,
    )
    assert await ledger.balance(ledger.worker_account(worker.account.id)) == 10
    engagement = await Engagement.get(id=assignment.engagement_id)
    assert engagement.status == EngagementStatus.COMPLETED


async def test_an_appeal_after_the_window_is_refused(shop: Shop, clock) -> None:
    batch = await shop.batch(tasks=1)
    worker, assignment = await _answered(shop, batch)
    await review.reject(shop.owner.actor, shop.config, assignment.id, "wrong")
    clock.advance(hours=73)
    with pytest.raises(InvalidInput) as caught:
        await review.appeal(worker.actor, shop.config, assignment.id, "please")
    assert caught.value.problems[0].code == "APPEAL_WINDOW_CLOSED"
    await sweep(shop.config)
    engagement = await Engagement.get(id=assignment.engagement_id)
    assert engagement.status == EngagementStatus.FAILED


async def test_a_rejected_answer_reopens_its_slot(shop: Shop) -> None:
    batch = await shop.batch(tasks=1, overlap=1)
    _, assignment = await _answered(shop, batch)
    await review.reject(shop.owner.actor, shop.config, assignment.id, "wrong")
    other = await shop.factory.worker()
    assert await work.claim_next(other.actor, batch.id) is not None


async def test_closing_releases_what_no_answer_can_claim(shop: Shop) -> None:
    batch = await shop.batch(tasks=3, overlap=1)
    await _answered(shop, batch)
    await batches.close_batch(shop.owner.actor, batch.id)
    held = await ledger.balance(ledger.held(shop.org.id, batches.hold_reference(batch.id)))
    assert held == 10


async def test_bonuses_are_paid_once_per_key(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    worker, assignment = await _answered(shop, batch)
    for _ in range(2):
        await review.bonus(shop.owner.actor, assignment.id, 50, "great work", "k1")
    assert await ledger.balance(ledger.worker_account(worker.account.id)) == 50


async def test_a_pay_floor_tops_up_slow_answers(make_platform, factory, clock) -> None:
    from crowdgraph.plugins.microtask.config import Config

    platform = await make_platform(
        plugins=["microtask"],
        plugin_settings={"microtask": {"pay_floor_per_hour": 1200, "top_up": True}},
    )
    org, owner = await factory.organization(funds=100_000)
    project = await factory.project(owner, org)
    shop = Shop(platform, Config.of(platform), org, owner, project, factory)
    batch = await shop.batch(tasks=1)
    worker = await factory.worker()
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    clock.advance(seconds=60)
    await work.submit(worker.actor, shop.config, assignment.id, "cat")
    await review.approve(owner.actor, shop.config, assignment.id)
    assert await ledger.balance(ledger.worker_account(worker.account.id)) == 20


async def test_concurrent_approvals_and_the_auto_approver_pay_once(shop: Shop, clock: Any) -> None:
    import asyncio

    batch = await shop.batch(tasks=1)
    worker, assignment = await _answered(shop, batch)
    clock.advance(hours=100)
    outcomes = await asyncio.gather(
        review.approve(shop.owner.actor, shop.config, assignment.id),
        review.approve(shop.owner.actor, shop.config, assignment.id),
        sweep(shop.config),
        return_exceptions=True,
    )
    assert all(not isinstance(o, Exception) or isinstance(o, InvalidInput) for o in outcomes)
    payments = await LedgerEntry.filter(kind=ledger.PAYMENT, worker_id=worker.account.id)
    assert [p.amount for p in payments] == [10]


async def test_a_batch_completed_twice_releases_its_surplus_both_times(
    shop: Shop, clock: Any
) -> None:
    batch = await shop.batch(tasks=1, overlap=1, max_overlap=1)
    hold = ledger.held(shop.org.id, batches.hold_reference(batch.id))
    _, first = await _answered(shop, batch)
    assert await ledger.balance(hold) == 10  # the submitted answer's reward stays
    await review.reject(shop.owner.actor, shop.config, first.id, "blurry")
    await batch.refresh_from_db()
    assert batch.status == batches.BatchStatus.OPEN
    _, second = await _answered(shop, batch, "dog")
    await review.approve(shop.owner.actor, shop.config, second.id)
    await batches.close_batch(shop.owner.actor, batch.id)
    assert await ledger.balance(hold) == 10  # the rejected answer's, while it may be appealed
    clock.advance(hours=73)
    assert (await sweep(shop.config)).lapsed_appeals == 1
    assert await ledger.balance(hold) == 0
    assert (await sweep(shop.config)).lapsed_appeals == 0
