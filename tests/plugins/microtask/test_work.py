from __future__ import annotations

from crowdgraph.core import ledger
from crowdgraph.core.models import Engagement, EngagementStatus
from crowdgraph.plugins.microtask import review, work
from crowdgraph.plugins.microtask.models import Task, TaskStatus
from tests.plugins.microtask.conftest import Shop


async def test_a_worker_claims_answers_and_is_paid_once_on_approval(shop: Shop) -> None:
    batch = await shop.batch(tasks=1)
    worker = await shop.factory.worker()
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    engagement = await Engagement.get(id=assignment.engagement_id)
    assert engagement.detail_type == "MicrotaskAssignment"
    await work.submit(worker.actor, shop.config, assignment.id, "cat")
    await review.approve(shop.owner.actor, shop.config, assignment.id)
    assert await ledger.balance(ledger.worker_account(worker.account.id)) == 10
    await engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.COMPLETED
    task = await Task.get(id=assignment.task_id)
    assert (task.taken, task.answers_received, task.status) == (1, 1, TaskStatus.OPEN)
    again = await work.claim_next(worker.actor, batch.id)
    assert again is None
    assert (await Engagement.all().count()) == 1
