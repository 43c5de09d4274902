"""A worker sees the task their next claim would take, without claiming it, where the batch allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client
from tests.plugins.microtask import api
from tests.plugins.microtask.conftest import Shop

PREVIEW = "query($id: ID!) { microtaskTaskPreview(batchId: $id) { input } }"


async def _preview(client: Client, batch_gid: str) -> Any:
    return await client.query(PREVIEW, {"id": batch_gid})


async def test_the_preview_shows_the_task_the_next_claim_takes_and_claims_nothing(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=2, overlap=1, max_overlap=1, allow_preview=True)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    amara, priya = [make_client((await shop.factory.worker()).token) for _ in range(2)]

    seen = (await _preview(amara, batch_gid)).data["microtaskTaskPreview"]
    assert (await _preview(priya, batch_gid)).data["microtaskTaskPreview"] == seen

    claimed = await api.claim(amara, batch_gid)
    assert claimed["assignment"]["task"]["input"] == seen["input"] == {"image": "img0.jpg"}
    after = (await _preview(priya, batch_gid)).data["microtaskTaskPreview"]
    assert after == {"input": {"image": "img1.jpg"}}
    await api.claim(priya, batch_gid)
    assert (await _preview(priya, batch_gid)).data["microtaskTaskPreview"] is None


async def test_a_batch_that_does_not_allow_previews_refuses_them(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=1)
    worker = make_client((await shop.factory.worker()).token)
    refused = await _preview(worker, to_global_id("MicrotaskBatch", batch.id))
    [problem] = refused.errors[0]["extensions"]["problems"]
    assert (problem["field"], problem["code"]) == ("batchId", "PREVIEW_NOT_ALLOWED")


async def test_a_preview_follows_the_claims_rules(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=1, allow_preview=True)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    person = await shop.factory.worker()
    assert person.worker is not None
    await api.ok(
        make_client(shop.owner.token),
        "blockMicrotaskWorker",
        "BlockMicrotaskWorkerInput",
        "blocked",
        {"workerId": to_global_id("Worker", person.worker.id), "reason": "x", "batchId": batch_gid},
    )
    refused = await _preview(make_client(person.token), batch_gid)
    assert [p["code"] for p in refused.errors[0]["extensions"]["problems"]] == ["BLOCKED"]
    requester = await _preview(make_client(shop.owner.token), batch_gid)
    assert requester.codes == ["FORBIDDEN"]


async def test_previews_need_a_batch_without_gold_draws(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    requester = make_client(shop.owner.token)
    payload = await api.call(
        requester,
        "createMicrotaskBatch",
        "CreateMicrotaskBatchInput",
        "batch { id }",
        {
            "projectId": to_global_id("Project", shop.project.id),
            "batch": {
                "title": "Gold and previews",
                "answerSpec": {"kind": "label", "labels": ["cat", "dog"]},
                "reward": 5,
                "goldRate": 0.1,
                "allowPreview": True,
            },
        },
    )
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("allowPreview", "PREVIEW_WITH_GOLD")
    ]
    batch = await shop.batch(tasks=1, gold_rate=0.2)
    opened = await api.call(
        requester,
        "updateMicrotaskBatch",
        "UpdateMicrotaskBatchInput",
        "batch { allowPreview }",
        {"batchId": to_global_id("MicrotaskBatch", batch.id), "batch": {"allowPreview": True}},
    )
    assert [e["code"] for e in opened["userErrors"]] == ["PREVIEW_WITH_GOLD"]


async def test_an_open_batch_may_start_allowing_previews(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=1)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    updated = await api.ok(
        make_client(shop.owner.token),
        "updateMicrotaskBatch",
        "UpdateMicrotaskBatchInput",
        "batch { allowPreview }",
        {"batchId": batch_gid, "batch": {"allowPreview": True}},
    )
    assert updated["batch"] == {"allowPreview": True}
    worker = make_client((await shop.factory.worker()).token)
    assert (await _preview(worker, batch_gid)).data["microtaskTaskPreview"] == {
        "input": {"image": "img0.jpg"}
    }
