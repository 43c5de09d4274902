"""Each situation a worker meets claiming or answering has one shape, whatever the timing (whether
the batch completed or the sweeper ran yet): docs/api.md, "Micro-tasks"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.sweeper import sweep
from crowdgraph.schema.relay import decode_id, to_global_id
from crowdgraph.testing import Client
from tests.plugins.microtask import api
from tests.plugins.microtask.conftest import Shop


async def _batch(
    shop: Shop, make_client: Callable[..., Client], **fields: Any
) -> tuple[Client, str]:
    requester = make_client(shop.owner.token)
    batch_id = await api.create_batch(
        requester, shop.project.id, **{"reward": 1, "overlap": 1, **fields}
    )
    await api.add_tasks(requester, batch_id, [{"input": {"n": 1}}])
    await api.open_batch(requester, batch_id)
    return requester, batch_id


def _shape(payload: Any) -> tuple[Any, list[str]]:
    return payload["assignment"], [e["code"] for e in payload["userErrors"]]


async def test_nothing_left_to_claim_is_null_while_open_and_once_complete(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    requester, batch_id = await _batch(shop, make_client, overlap=2)
    first, second, late = [make_client((await shop.factory.worker()).token) for _ in range(3)]
    held = await api.claim(first, batch_id)
    assert _shape(await api.claim(first, batch_id)) == (None, [])  # open, nothing left for me
    await api.answer(second, batch_id, "cat")
    await api.ok(
        first,
        "submitMicrotaskAnswer",
        "SubmitMicrotaskAnswerInput",
        "assignment { status }",
        {"assignmentId": held["assignment"]["id"], "answer": "cat"},
    )
    batch = (
        await requester.query(
            "query($id: ID!) { node(id: $id) { ... on MicrotaskBatch { status } } }",
            {"id": batch_id},
        )
    ).data
    assert batch["node"]["status"] == "COMPLETED"
    assert _shape(await api.claim(late, batch_id)) == (None, [])  # complete: the same shape


async def test_a_blocked_worker_gets_a_user_error_not_a_graphql_error(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    requester, batch_id = await _batch(shop, make_client)
    person = await shop.factory.worker()
    assert person.worker is not None
    await api.ok(
        requester,
        "blockMicrotaskWorker",
        "BlockMicrotaskWorkerInput",
        "blocked",
        {
            "workerId": to_global_id("Worker", person.worker.id),
            "reason": "spam",
            "batchId": batch_id,
        },
    )
    payload = await api.claim(make_client(person.token), batch_id)
    assert _shape(payload) == (None, ["BLOCKED"])


async def test_a_passed_deadline_is_batch_not_open_before_and_after_the_sweeper(
    shop: Shop, make_client: Callable[..., Client], clock: Any
) -> None:
    _, batch_id = await _batch(
        shop, make_client, deadline=(clock.now() + timedelta(hours=1)).isoformat()
    )
    worker = make_client((await shop.factory.worker()).token)
    clock.advance(hours=2)
    assert _shape(await api.claim(worker, batch_id)) == (None, ["BATCH_NOT_OPEN"])
    assert (await sweep(Config.of(shop.platform))).closed == 1
    assert _shape(await api.claim(worker, batch_id)) == (None, ["BATCH_NOT_OPEN"])


async def test_a_late_answer_is_lease_expired_before_and_after_the_sweeper(
    shop: Shop, make_client: Callable[..., Client], clock: Any
) -> None:
    _, batch_id = await _batch(shop, make_client, leaseSeconds=60)
    worker = make_client((await shop.factory.worker()).token)
    assignment_id = (await api.claim(worker, batch_id))["assignment"]["id"]
    clock.advance(seconds=61)

    async def late() -> list[str]:
        payload = await api.call(
            worker,
            "submitMicrotaskAnswer",
            "SubmitMicrotaskAnswerInput",
            "assignment { id }",
            {"assignmentId": assignment_id, "answer": "cat"},
        )
        return [e["code"] for e in payload["userErrors"]]

    assert await late() == ["LEASE_EXPIRED"]
    assert (await sweep(Config.of(shop.platform))).expired == 1
    assert await late() == ["LEASE_EXPIRED"]
    assert decode_id(assignment_id, "MicrotaskAssignment") > 0
