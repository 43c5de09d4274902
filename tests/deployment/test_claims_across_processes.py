"""Claims through several server processes on one PostgreSQL database stay exact."""

from __future__ import annotations

import asyncio
import itertools

import asyncpg
import httpx

from tests.deployment.test_processes import CREATE_ORG, CREATE_PROJECT, REGISTER, gql

FUND = """mutation($input: FundBudgetInput!) { fundBudget(input: $input) { userErrors { message } } }"""
CREATE_BATCH = """mutation($input: CreateMicrotaskBatchInput!) {
  createMicrotaskBatch(input: $input) { batch { id } userErrors { message } } }"""
ADD_TASKS = """mutation($input: AddMicrotaskTasksInput!) { addMicrotaskTasks(input: $input) { userErrors { message } } }"""
OPEN = """mutation($input: MicrotaskBatchIdInput!) { openMicrotaskBatch(input: $input) { userErrors { message } } }"""
CLAIM = """mutation($input: MicrotaskBatchIdInput!) {
  claimMicrotask(input: $input) { assignment { id } userErrors { code message } } }"""
TASKS, OVERLAP, WORKERS = 20, 3, 24


async def test_concurrent_claims_through_two_processes_never_over_assign(
    start_servers, shared_database
):
    servers = start_servers(2, plugins=["microtask"])
    urls = itertools.cycle([s.url for s in servers])
    async with httpx.AsyncClient(timeout=30) as http:
        owner = (
            await gql(
                http,
                next(urls),
                REGISTER,
                {
                    "input": {
                        "email": "owner@claims.example",
                        "name": "Owner",
                        "password": "long enough pw",
                        "role": "CLIENT",
                    }
                },
            )
        )["register"]["token"]
        org = await gql(
            http, next(urls), CREATE_ORG, {"input": {"name": "Claims", "slug": "claims"}}, owner
        )
        org_id = org["createOrganization"]["organization"]["id"]
        await gql(
            http,
            next(urls),
            FUND,
            {"input": {"organizationId": org_id, "amount": 100_000, "idempotencyKey": "k"}},
            owner,
        )
        project = await gql(
            http,
            next(urls),
            CREATE_PROJECT,
            {"input": {"organizationId": org_id, "name": "P"}},
            owner,
        )
        batch = await gql(
            http,
            next(urls),
            CREATE_BATCH,
            {
                "input": {
                    "projectId": project["createProject"]["project"]["id"],
                    "batch": {
                        "title": "Labels",
                        "answerSpec": {"kind": "label", "labels": ["a", "b"]},
                        "reward": 5,
                        "overlap": OVERLAP,
                    },
                }
            },
            owner,
        )
        batch_id = batch["createMicrotaskBatch"]["batch"]["id"]
        await gql(
            http,
            next(urls),
            ADD_TASKS,
            {"input": {"batchId": batch_id, "tasks": [{"input": {"n": i}} for i in range(TASKS)]}},
            owner,
        )
        await gql(http, next(urls), OPEN, {"input": {"batchId": batch_id}}, owner)
        workers = [
            (
                await gql(
                    http,
                    next(urls),
                    REGISTER,
                    {
                        "input": {
                            "email": f"w{i}@claims.example",
                            "name": f"W{i}",
                            "password": "long enough pw",
                            "role": "WORKER",
                        }
                    },
                )
            )["register"]["token"]
            for i in range(WORKERS)
        ]

        async def claim_until_none(token: str, url: str) -> int:
            claimed = 0
            while True:
                response = await http.post(
                    f"{url}/graphql",
                    json={"query": CLAIM, "variables": {"input": {"batchId": batch_id}}},
                    headers={"authorization": f"Bearer {token}"},
                )
                payload = response.json()["data"]["claimMicrotask"]
                if payload["assignment"] is None:
                    return claimed
                claimed += 1

        counts = await asyncio.gather(
            *(claim_until_none(token, servers[i % 2].url) for i, token in enumerate(workers))
        )

    assert sum(counts) == TASKS * OVERLAP
    db = await asyncpg.connect(shared_database)
    try:
        per_task = await db.fetch(
            "SELECT task_id, count(*) AS n FROM microtask_assignment GROUP BY task_id"
        )
        twice = await db.fetchval(
            "SELECT count(*) FROM (SELECT task_id, worker_id FROM microtask_assignment GROUP BY 1, 2 HAVING count(*) > 1) x"
        )
    finally:
        await db.close()
    assert len(per_task) == TASKS
    assert {row["n"] for row in per_task} == {OVERLAP}
    assert twice == 0
