"""A requester lifts a block through GraphQL, where it was made: one batch, or the organization."""

from __future__ import annotations

from collections.abc import Callable

from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client
from tests.plugins.microtask import api
from tests.plugins.microtask.conftest import Shop

BLOCKED = "blocked"


async def _block(requester: Client, scope: dict[str, str], worker_gid: str) -> None:
    await api.ok(
        requester,
        "blockMicrotaskWorker",
        "BlockMicrotaskWorkerInput",
        BLOCKED,
        {"workerId": worker_gid, "reason": "answers too fast", **scope},
    )


async def _unblock(requester: Client, scope: dict[str, str], worker_gid: str) -> dict:
    return await api.call(
        requester,
        "unblockMicrotaskWorker",
        "UnblockMicrotaskWorkerInput",
        "unblocked",
        {"workerId": worker_gid, **scope},
    )


async def test_an_unblocked_worker_claims_again(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=2)
    person = await shop.factory.worker()
    worker, requester = make_client(person.token), make_client(shop.owner.token)
    assert person.worker is not None
    worker_gid = to_global_id("Worker", person.worker.id)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    await _block(requester, {"batchId": batch_gid}, worker_gid)
    refused = await api.claim(worker, batch_gid)
    assert [e["code"] for e in refused["userErrors"]] == ["BLOCKED"]

    lifted = await _unblock(requester, {"batchId": batch_gid}, worker_gid)

    assert lifted == {"unblocked": True, "userErrors": []}
    claimed = await api.claim(worker, batch_gid)
    assert claimed["userErrors"] == [] and claimed["assignment"]["status"] == "CLAIMED"


async def test_unblocking_where_no_block_was_made_names_the_worker_and_changes_nothing(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=2)
    person = await shop.factory.worker()
    worker, requester = make_client(person.token), make_client(shop.owner.token)
    assert person.worker is not None
    worker_gid = to_global_id("Worker", person.worker.id)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    org_gid = to_global_id("Organization", shop.org.id)
    await _block(requester, {"organizationId": org_gid}, worker_gid)

    wrong_scope = await _unblock(requester, {"batchId": batch_gid}, worker_gid)

    assert wrong_scope["unblocked"] is False
    [error] = wrong_scope["userErrors"]
    assert (error["field"], error["code"]) == ("workerId", "NOT_BLOCKED")
    assert "elsewhere in the organization" in error["message"]
    still = await api.claim(worker, batch_gid)
    assert [e["code"] for e in still["userErrors"]] == ["BLOCKED"]
    assert (await _unblock(requester, {"organizationId": org_gid}, worker_gid))["unblocked"]
    again = await _unblock(requester, {"organizationId": org_gid}, worker_gid)
    assert [e["code"] for e in again["userErrors"]] == ["NOT_BLOCKED"]


async def test_only_the_batchs_organization_may_unblock(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=2)
    person = await shop.factory.worker()
    assert person.worker is not None
    worker_gid = to_global_id("Worker", person.worker.id)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    await _block(make_client(shop.owner.token), {"batchId": batch_gid}, worker_gid)
    _, stranger = await shop.factory.organization()

    for caller in (make_client(stranger.token), make_client(person.token)):
        result = await caller.query(
            "mutation($input: UnblockMicrotaskWorkerInput!) { unblockMicrotaskWorker(input: $input)"
            " { unblocked userErrors { code } } }",
            {"input": {"workerId": worker_gid, "batchId": batch_gid}},
        )
        assert result.errors and result.errors[0]["extensions"]["code"] in {
            "NOT_FOUND",
            "FORBIDDEN",
        }

    refused = await api.claim(make_client(person.token), batch_gid)
    assert [e["code"] for e in refused["userErrors"]] == ["BLOCKED"]


async def test_unblocking_needs_an_organization_or_a_batch(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    person = await shop.factory.worker()
    assert person.worker is not None
    result = await _unblock(
        make_client(shop.owner.token), {}, to_global_id("Worker", person.worker.id)
    )
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        ("organizationId", "REQUIRED")
    ]
