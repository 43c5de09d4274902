from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.plugins.microtask import work
from crowdgraph.schema.relay import to_global_id
from tests.plugins.microtask.conftest import LABELS, Shop

FEED = """query { microtaskFeed(first: 100) { nodes { id title reward { amount currency } hourlyPay { amount } medianSeconds } } }"""
FEED_STATEMENTS = 4
"""Authentication (token, account, memberships and worker profile in one), the page of batches
(blocks and restrictions as its subqueries), requirement checks, median times."""
REVIEW_STATEMENTS = 7
"""Authentication (one statement), the batch, the page of answers, then their tasks and standings
in one each."""
REVIEW = """query($id: ID!) { node(id: $id) { ... on MicrotaskBatch { answers(first: 100) {
  nodes { id status answer timeOnTask workerGoldAccuracy task { id input } } } } } }"""


async def test_a_requester_and_a_worker_run_a_batch_through_graphql(
    shop: Shop, make_client: Any
) -> None:
    owner = make_client(shop.owner.token)
    created = await owner.mutate(
        "createMicrotaskBatch",
        """mutation($input: CreateMicrotaskBatchInput!) { createMicrotaskBatch(input: $input) {
          batch { id status reward { amount } } userErrors { field code message } } }""",
        {
            "input": {
                "projectId": to_global_id("Project", shop.project.id),
                "batch": {"title": "Pets", "answerSpec": LABELS, "reward": 5, "overlap": 1},
            }
        },
    )
    batch_id = created["batch"]["id"]
    await owner.mutate(
        "addMicrotaskTasks",
        "mutation($input: AddMicrotaskTasksInput!) { addMicrotaskTasks(input: $input) { added userErrors { field code message } } }",
        {"input": {"batchId": batch_id, "tasks": [{"input": {"image": "a.jpg"}}]}},
    )
    await owner.mutate(
        "openMicrotaskBatch",
        "mutation($input: MicrotaskBatchIdInput!) { openMicrotaskBatch(input: $input) { batch { status } userErrors { field code message } } }",
        {"input": {"batchId": batch_id}},
    )
    worker = await shop.factory.worker()
    client = make_client(worker.token)
    claimed = await client.mutate(
        "claimMicrotask",
        "mutation($input: MicrotaskBatchIdInput!) { claimMicrotask(input: $input) { assignment { id task { input } } userErrors { field code message } } }",
        {"input": {"batchId": batch_id}},
    )
    assignment_id = claimed["assignment"]["id"]
    assert claimed["assignment"]["task"]["input"] == {"image": "a.jpg"}
    wrong = (
        await client.query(
            "mutation($input: SubmitMicrotaskAnswerInput!) { submitMicrotaskAnswer(input: $input) { userErrors { field code } } }",
            {"input": {"assignmentId": assignment_id, "answer": 7}},
        )
    ).data["submitMicrotaskAnswer"]
    assert wrong["userErrors"] == [{"field": "answer", "code": "INVALID_ANSWER"}]
    await client.mutate(
        "submitMicrotaskAnswer",
        "mutation($input: SubmitMicrotaskAnswerInput!) { submitMicrotaskAnswer(input: $input) { assignment { status } userErrors { field code message } } }",
        {"input": {"assignmentId": assignment_id, "answer": "dog"}},
    )
    approved = await owner.mutate(
        "approveMicrotaskAnswer",
        "mutation($input: MicrotaskAssignmentIdInput!) { approveMicrotaskAnswer(input: $input) { assignment { status } userErrors { field code message } } }",
        {"input": {"assignmentId": assignment_id}},
    )
    assert approved["assignment"]["status"] == "APPROVED"


@pytest.mark.parametrize("rows", [10, 100])
async def test_the_worker_feed_costs_the_same_statements_for_any_page_size(
    shop: Shop, make_client: Any, count_statements: Any, rows: int
) -> None:
    for _ in range(rows):
        await shop.batch(tasks=1)
    worker = await shop.factory.worker()
    client = make_client(worker.token)
    count_statements.statements.clear()
    data = (await client.query(FEED)).data
    assert len(data["microtaskFeed"]["nodes"]) == rows
    assert len(count_statements.statements) == FEED_STATEMENTS, count_statements.statements


@pytest.mark.parametrize("rows", [10, 100])
async def test_the_review_list_costs_the_same_statements_for_any_page_size(
    shop: Shop, make_client: Any, count_statements: Any, rows: int
) -> None:
    batch = await shop.batch(tasks=rows, overlap=1)
    for _ in range(rows):
        worker = await shop.factory.worker()
        assignment = await work.claim_next(worker.actor, batch.id)
        assert assignment is not None
        await work.submit(worker.actor, shop.config, assignment.id, "cat")
    client = make_client(shop.owner.token)
    count_statements.statements.clear()
    data = (await client.query(REVIEW, {"id": to_global_id("MicrotaskBatch", batch.id)})).data
    assert len(data["node"]["answers"]["nodes"]) == rows
    assert len(count_statements.statements) == REVIEW_STATEMENTS, count_statements.statements


async def test_an_assignment_is_its_engagements_detail_and_a_batch_is_a_project_stage(
    shop: Shop, make_client: Any
) -> None:
    batch = await shop.batch(tasks=1, gold=["cat"])
    worker = await shop.factory.worker()
    assignment = await work.claim_next(worker.actor, batch.id)
    assert assignment is not None
    client = make_client(worker.token)
    data = (
        await client.query(
            """{ engagements(first: 5) { nodes { model detail { __typename id model
                 ... on MicrotaskAssignment { status task { input } } } } } }"""
        )
    ).data
    detail = data["engagements"]["nodes"][0]["detail"]
    assert detail["__typename"] == "MicrotaskAssignment"
    assert detail["status"] == "CLAIMED" and "image" in detail["task"]["input"]
    owner = make_client(shop.owner.token)
    stages = (
        await owner.query(
            """query($id: ID!) { node(id: $id) { ... on Project { stages { __typename title model } } } }""",
            {"id": to_global_id("Project", shop.project.id)},
        )
    ).data["node"]["stages"]
    assert stages == [
        {"__typename": "MicrotaskBatch", "title": "Label animals", "model": "microtask"}
    ]
    stranger = make_client((await shop.factory.worker()).token)
    hidden = await stranger.query(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": to_global_id("MicrotaskAssignment", assignment.id)},
    )
    assert hidden.data["node"] is None
    standing = await client.query(
        "query($id: ID!) { myMicrotaskStanding(batchId: $id) { answers } }",
        {"id": to_global_id("MicrotaskBatch", batch.id)},
    )
    assert standing.data["myMicrotaskStanding"] is None


async def test_a_requester_pages_through_batches_and_task_results(
    shop: Shop, make_client: Any
) -> None:
    for _ in range(3):
        await shop.batch(tasks=3)
    owner = make_client(shop.owner.token)
    query = """query($p: ID!, $after: String) { microtaskBatches(projectId: $p, first: 2, after: $after) {
      nodes { title tasks(first: 2) { nodes { input status } pageInfo { hasNextPage } } }
      pageInfo { hasNextPage endCursor } } }"""
    project = to_global_id("Project", shop.project.id)
    first = (await owner.query(query, {"p": project})).data["microtaskBatches"]
    assert len(first["nodes"]) == 2 and first["pageInfo"]["hasNextPage"]
    assert first["nodes"][0]["tasks"]["pageInfo"]["hasNextPage"]
    rest = (await owner.query(query, {"p": project, "after": first["pageInfo"]["endCursor"]})).data
    assert len(rest["microtaskBatches"]["nodes"]) == 1
    worker = make_client((await shop.factory.worker()).token)
    refused = await worker.query(query, {"p": project})
    assert refused.codes == ["FORBIDDEN"]
