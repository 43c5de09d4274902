from __future__ import annotations

import pytest

from crowdgraph.core.actor import Actor
from crowdgraph.core.errors import InvalidInput
from crowdgraph.core.models import Audience
from crowdgraph.core.pages import PageRequest
from crowdgraph.plugins.microtask import review, work
from tests.plugins.microtask.conftest import Shop


async def _feed_titles(shop: Shop, actor: Actor) -> list[str]:
    page = await work.feed(actor, PageRequest(size=50))
    return [item.batch.title for item in page.items]


async def test_the_feed_shows_open_batches_a_worker_may_claim_in(shop: Shop) -> None:
    await shop.batch(title="Open to all")
    await shop.batch(title="Still a draft", open_it=False)
    await shop.batch(title="Needs Germany", requirements=[{"kind": "country", "countries": ["DE"]}])
    await shop.batch(title="Needs France", requirements=[{"kind": "country", "countries": ["FR"]}])
    internal = await shop.factory.project(shop.owner, shop.org, Audience.INTERNAL)
    shop.project = internal
    await shop.batch(title="Employees only")
    worker = await shop.factory.worker(country="DE")
    assert await _feed_titles(shop, worker.actor) == ["Open to all", "Needs Germany"]
    employee = await shop.factory.worker(employer=shop.org, country="FR")
    assert await _feed_titles(shop, employee.actor) == [
        "Open to all",
        "Needs France",
        "Employees only",
    ]


async def test_blocked_workers_no_longer_see_the_organizations_batches(shop: Shop) -> None:
    await shop.batch(title="Open to all")
    worker = await shop.factory.worker()
    assert worker.worker is not None
    await review.block(shop.owner.actor, shop.org.id, worker.worker.id, "fraud")
    assert await _feed_titles(shop, worker.actor) == []
    with pytest.raises(InvalidInput) as caught:
        await review.block(shop.owner.actor, shop.org.id, worker.worker.id, "again")
    assert caught.value.problems[0].code == "ALREADY_BLOCKED"


async def test_the_feed_puts_higher_priority_first_across_pages(shop: Shop) -> None:
    for title, priority in [("low", -5), ("urgent", 50), ("normal a", 0), ("normal b", 0)]:
        await shop.batch(title=title, priority=priority)
    worker = await shop.factory.worker()
    seen: list[str] = []
    page = await work.feed(worker.actor, PageRequest(size=2))
    seen += [item.batch.title for item in page.items]
    assert page.has_next
    last = page.items[-1].batch.id
    page = await work.feed(worker.actor, PageRequest(size=2, after=last))
    seen += [item.batch.title for item in page.items]
    assert seen == ["urgent", "normal a", "normal b", "low"]
    assert not page.has_next
