"""What a worker sees of a task they answer: its input, never its key or the answers so far."""

from __future__ import annotations

from collections.abc import Callable

from crowdgraph.plugins.microtask.task_input import task_key
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import Client
from tests.plugins.microtask import api
from tests.plugins.microtask.conftest import Shop

TASK = """query($id: ID!) { node(id: $id) { ... on MicrotaskAssignment {
  task { key input result confidence } } } }"""


async def test_a_worker_never_reads_a_tasks_key_nor_its_result_so_far(
    shop: Shop, make_client: Callable[..., Client]
) -> None:
    batch = await shop.batch(tasks=1, overlap=2, max_overlap=2)
    batch_gid = to_global_id("MicrotaskBatch", batch.id)
    first = make_client((await shop.factory.worker()).token)
    await api.answer(first, batch_gid, "cat")
    second = make_client((await shop.factory.worker()).token)
    claimed = await api.claim(second, batch_gid)
    assignment_id = claimed["assignment"]["id"]

    seen = (await second.query(TASK, {"id": assignment_id})).data["node"]["task"]

    # A key is a digest of input and gold answer: a worker could try each label against it and
    # tell gold tasks, and their answers, apart. The result so far would sway their answer.
    assert seen == {"key": None, "input": {"image": "img0.jpg"}, "result": None, "confidence": None}
    requester = (await make_client(shop.owner.token).query(TASK, {"id": assignment_id})).data
    assert requester["node"]["task"]["key"] == task_key({"image": "img0.jpg"}, None)
    assert requester["node"]["task"]["result"] == "cat"
