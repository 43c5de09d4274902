"""Approving many answers at once through GraphQL, and the review list that shows who answered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from crowdgraph.core import ledger
from crowdgraph.core.models import LedgerEntry
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client, Person
from tests.plugins.microtask import api
from tests.plugins.microtask.conftest import Shop

REWARD = 10
APPROVED = "assignments { id status } approved"


async def _answers(
    shop: Shop, make_client: Callable[..., Client], workers: int
) -> tuple[str, list[Person], list[str]]:
    """An open batch (one task per worker, overlap 1) and one submitted answer per worker."""
    batch = await shop.batch(tasks=workers, overlap=1, max_overlap=1, reward=REWARD)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    people = [await shop.factory.worker() for _ in range(workers)]
    ids = [await api.answer(make_client(p.token), batch_gid, "cat") for p in people]
    return batch_gid, people, ids


async def _approve(client: Client, ids: list[str]) -> Any:
    return await api.call(
        client,
        "approveMicrotaskAnswers",
        "ApproveMicrotaskAnswersInput",
        APPROVED,
        {"assignmentIds": ids},
    )


async def _paid(person: Person) -> int:
    return await ledger.balance(ledger.worker_account(person.account.id))


async def test_bulk_approval_pays_each_answer_once_and_names_each_refused_item(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch_gid, people, ids = await _answers(shop, make_client, 3)
    requester = make_client(shop.owner.token)
    await api.reject(requester, ids[1])
    claimed = await api.claim(make_client((await shop.factory.worker()).token), batch_gid)
    assert claimed["assignment"] is not None  # the rejected answer's slot reopened

    payload = await _approve(requester, [ids[0], ids[1], ids[2], claimed["assignment"]["id"]])

    statuses = [a and a["status"] for a in payload["assignments"]]
    assert statuses == ["APPROVED", None, "APPROVED", None]
    assert payload["approved"] == 2
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("assignmentIds[1]", "NOT_REVIEWABLE"),
        ("assignmentIds[3]", "NOT_REVIEWABLE"),
    ]
    assert [await _paid(p) for p in people] == [REWARD, 0, REWARD]

    retried = await _approve(requester, [ids[0], ids[2]])

    assert retried["userErrors"] == [] and retried["approved"] == 0
    assert [a["status"] for a in retried["assignments"]] == ["APPROVED", "APPROVED"]
    assert [await _paid(p) for p in people] == [REWARD, 0, REWARD]
    money = await api.budget(requester, shop.org.slug)
    assert money.spent == 2 * REWARD and money.adds_up()


async def test_concurrent_bulk_approvals_pay_each_answer_once(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    _, people, ids = await _answers(shop, make_client, 4)
    requester = make_client(shop.owner.token)

    first, second = await asyncio.gather(
        _approve(requester, ids), _approve(requester, list(reversed(ids)))
    )

    assert first["userErrors"] == second["userErrors"] == []
    assert first["approved"] + second["approved"] == 4
    assert [await _paid(p) for p in people] == [REWARD] * 4
    payments = await LedgerEntry.filter(kind=ledger.PAYMENT).count()
    assert payments == 4


async def test_more_than_a_hundred_answers_in_one_call_are_refused_whole(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    _, people, ids = await _answers(shop, make_client, 1)
    payload = await _approve(make_client(shop.owner.token), ids * 101)
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == ("assignmentIds", "OUT_OF_RANGE")
    assert "100" in error["message"] and "got 101" in error["message"]
    assert payload["assignments"] is None and await _paid(people[0]) == 0
    empty = await _approve(make_client(shop.owner.token), [])
    assert [e["code"] for e in empty["userErrors"]] == ["OUT_OF_RANGE"]


async def test_another_organization_approves_nothing(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    _, people, ids = await _answers(shop, make_client, 2)
    _, stranger = await shop.factory.organization(funds=1_000)

    payload = await _approve(make_client(stranger.token), ids)

    assert payload["assignments"] == [None, None] and payload["approved"] == 0
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND", "NOT_FOUND"]
    assert [await _paid(p) for p in people] == [0, 0]


async def test_a_malformed_id_is_named_and_nothing_is_approved(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    _, people, ids = await _answers(shop, make_client, 1)
    payload = await _approve(make_client(shop.owner.token), [ids[0], "not-an-id"])
    assert [e["field"] for e in payload["userErrors"]] == ["assignmentIds[1]"]
    assert await _paid(people[0]) == 0


async def test_the_review_list_shows_who_gave_each_answer(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch_gid, people, _ = await _answers(shop, make_client, 2)
    result = await make_client(shop.owner.token).query(
        """query($id: ID!) { node(id: $id) { ... on MicrotaskBatch {
          answers(first: 10) { nodes { answer worker { id name } } } } } }""",
        {"id": batch_gid},
    )
    nodes = result.data["node"]["answers"]["nodes"]
    assert [n["worker"] for n in nodes] == [
        {"id": to_global_id("Worker", p.worker.id), "name": p.account.name}
        for p in people
        if p.worker is not None
    ]
