"""An upheld appeal is paid from the batch's money: a rejected answer keeps its reward held while it
may be appealed, and its slot reopens only when it is paid for (README, "Rejections and appeals")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crowdgraph.core.models import Organization
from crowdgraph.testing import Client, Factory
from tests.plugins.microtask import api

REWARD = 3


async def _one_task_batch(factory: Factory, make_client: Callable[..., Client], funds: int) -> Any:
    """An organization funded with ``funds``, and an open batch of one task, overlap 1, reward 3."""
    org, owner = await factory.organization(funds=funds)
    project = await factory.project(owner, org)
    requester = make_client(owner.token)
    batch_id = await api.create_batch(requester, project.id, reward=REWARD, overlap=1)
    added = await api.add_tasks(requester, batch_id, [{"input": {"image": "a.jpg"}}])
    assert added["userErrors"] == []
    await api.open_batch(requester, batch_id)
    return org, requester, batch_id


async def _worker(factory: Factory, make_client: Callable[..., Client]) -> Client:
    return make_client((await factory.worker()).token)


async def test_an_upheld_appeal_is_paid_when_the_budget_held_only_the_batch(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    org, requester, batch_id = await _one_task_batch(factory, make_client, funds=REWARD)
    a, b = await _worker(factory, make_client), await _worker(factory, make_client)
    first = await api.answer(a, batch_id, "cat")
    await api.reject(requester, first)
    # The budget cannot fund another answer: the slot waits for the appeal.
    waiting = await api.claim(b, batch_id)
    assert (waiting["assignment"], waiting["userErrors"]) == (None, [])
    await api.appeal(a, first)
    upheld = await api.answer_appeal(requester, first, uphold=True)
    assert upheld["userErrors"] == []
    assert (upheld["assignment"]["status"], upheld["assignment"]["appealStatus"]) == (
        "APPROVED",
        "UPHELD",
    )
    money = await api.budget(requester, org.slug)
    assert (money.available, money.held, money.spent) == (0, 0, REWARD) and money.adds_up()


async def test_a_rejected_answers_slot_reopens_funded_and_its_upheld_appeal_is_paid_too(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    org, requester, batch_id = await _one_task_batch(factory, make_client, funds=2 * REWARD)
    a, b = await _worker(factory, make_client), await _worker(factory, make_client)
    first = await api.answer(a, batch_id, "cat")
    await api.reject(requester, first)
    money = await api.budget(requester, org.slug)
    assert (money.available, money.held) == (0, 2 * REWARD)
    second = await api.answer(b, batch_id, "dog")
    assert (await api.approve(requester, second))["userErrors"] == []
    await api.appeal(a, first)
    upheld = await api.answer_appeal(requester, first, uphold=True)
    assert upheld["userErrors"] == [], upheld
    money = await api.budget(requester, org.slug)
    assert (money.available, money.held, money.spent) == (0, 0, 2 * REWARD) and money.adds_up()


async def test_a_denied_appeal_gives_the_kept_slot_to_the_next_worker(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    org, requester, batch_id = await _one_task_batch(factory, make_client, funds=REWARD)
    a, b = await _worker(factory, make_client), await _worker(factory, make_client)
    first = await api.answer(a, batch_id, "cat")
    await api.reject(requester, first)
    await api.appeal(a, first)
    denied = await api.answer_appeal(requester, first, uphold=False)
    assert denied["assignment"]["appealStatus"] == "DENIED"
    second = await api.answer(b, batch_id, "dog")
    assert (await api.approve(requester, second))["userErrors"] == []
    money = await api.budget(requester, org.slug)
    assert (money.available, money.held, money.spent) == (0, 0, REWARD) and money.adds_up()


async def test_the_reserve_is_released_when_the_appeal_window_closes(
    platform: Any, factory: Factory, make_client: Callable[..., Client], clock: Any
) -> None:
    from crowdgraph.plugins.microtask.config import Config
    from crowdgraph.plugins.microtask.sweeper import sweep

    org, requester, batch_id = await _one_task_batch(factory, make_client, funds=5 * REWARD)
    a, b = await _worker(factory, make_client), await _worker(factory, make_client)
    first = await api.answer(a, batch_id, "cat")
    await api.reject(requester, first)
    second = await api.answer(b, batch_id, "dog")
    await api.approve(requester, second)
    # The batch is complete; only the rejected answer's reward is still held, for its appeal.
    money = await api.budget(requester, org.slug)
    assert (money.available, money.held, money.spent) == (3 * REWARD, REWARD, REWARD)
    clock.advance(hours=73)
    assert (await sweep(Config.of(platform))).lapsed_appeals == 1
    assert (await sweep(Config.of(platform))).lapsed_appeals == 0
    money = await api.budget(requester, org.slug)
    assert (money.available, money.held, money.spent) == (4 * REWARD, 0, REWARD) and money.adds_up()
    assert await Organization.exists(id=org.id)
