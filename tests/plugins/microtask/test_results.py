"""A batch's results through GraphQL come from its configured aggregator (Dawid-Skene included),
or from the one `tasks(aggregator:)` names; the export reads the same service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crowdgraph.plugins.microtask.cli import export_rows
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.schema.relay import decode_id
from crowdgraph.testing import Client, Factory
from tests.plugins.microtask import api

# Three workers answer five tasks; Dawid-Skene and the (weighted) vote disagree on tasks 2 and 4.
ANSWERS = {
    "w1": ["cat", "cat", "dog", "cat", "dog"],
    "w2": ["cat", "dog", "dog", "dog", "dog"],
    "w3": ["dog", "dog", "cat", "cat", "cat"],
}
DAWID_SKENE = ["cat", "cat", "dog", "dog", "dog"]
VOTE = ["cat", "dog", "dog", "cat", "dog"]
TASKS = """query($id: ID!, $aggregator: String) { node(id: $id) { ... on MicrotaskBatch {
  aggregator tasks(first: 10, aggregator: $aggregator) { nodes { id input result confidence } } } } }"""


async def _answered_batch(
    factory: Factory, make_client: Callable[..., Client]
) -> tuple[Client, str]:
    org, owner = await factory.organization(funds=10_000)
    project = await factory.project(owner, org)
    requester = make_client(owner.token)
    batch_id = await api.create_batch(
        requester, project.id, reward=1, overlap=3, aggregator="dawid_skene"
    )
    tasks = [{"input": {"n": n}} for n in range(1, 6)]
    assert (await api.add_tasks(requester, batch_id, tasks))["userErrors"] == []
    await api.open_batch(requester, batch_id)
    for answers in ANSWERS.values():
        worker = make_client((await factory.worker()).token)
        for value in answers:  # depth-first: each worker takes the tasks in order
            await api.answer(worker, batch_id, value)
    return requester, batch_id


async def _results(client: Client, batch_id: str, aggregator: str | None = None) -> Any:
    return await client.query(TASKS, {"id": batch_id, "aggregator": aggregator})


async def test_a_dawid_skene_batch_reports_dawid_skene_results_in_graphql(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    requester, batch_id = await _answered_batch(factory, make_client)
    batch = (await _results(requester, batch_id)).data["node"]
    assert batch["aggregator"] == "dawid_skene"
    nodes = sorted(batch["tasks"]["nodes"], key=lambda t: t["input"]["n"])
    assert [t["result"] for t in nodes] == DAWID_SKENE
    assert all(0.5 < t["confidence"] <= 1 for t in nodes)
    # The export gives the same results, from the same service.
    rows, _ = await export_rows(Config.of(platform), decode_id(batch_id, "MicrotaskBatch"))
    assert [r["result"] for r in sorted(rows, key=lambda r: r["input"]["n"])] == DAWID_SKENE


async def test_tasks_take_another_registered_aggregator_by_name(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    requester, batch_id = await _answered_batch(factory, make_client)
    batch = (await _results(requester, batch_id, "majority")).data["node"]
    nodes = sorted(batch["tasks"]["nodes"], key=lambda t: t["input"]["n"])
    assert [t["result"] for t in nodes] == VOTE


async def test_an_unknown_or_unfit_aggregator_is_refused_naming_the_choices(
    platform: Any, factory: Factory, make_client: Callable[..., Client]
) -> None:
    requester, batch_id = await _answered_batch(factory, make_client)
    for name, words in (("nope", "must be one of"), ("median", "does not fit label answers")):
        refused = await _results(requester, batch_id, name)
        assert refused.codes == ["INVALID_INPUT"]
        problem = refused.errors[0]["extensions"]["problems"][0]
        assert (problem["field"], problem["code"]) == ("aggregator", "INVALID_CHOICE")
        assert words in problem["message"]
