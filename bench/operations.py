"""The key operations in-process, GraphQL next to the services-based baseline (``bench/baseline.py``),
for profiling (``python -m bench.profile``) and the HTTP-path breakdown (``python -m bench.http_path``).

The suite's comparison is over HTTP against the raw twin instead (``bench/twin.py``): this baseline
calls the same services through the same ORM, so it cannot show what those cost.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.microtask.setup import fill_tasks
from bench.scenarios import CLAIM, FEED, LEADERBOARD, SUBMIT, TALENT
from bench.world import LABELS, World
from crowdgraph.plugins.microtask import batches
from crowdgraph.plugins.microtask.batches import BatchFields
from crowdgraph.plugins.microtask.config import Config
from crowdgraph.plugins.microtask.models import Batch
from crowdgraph.schema.relay import to_global_id

Call = Callable[[int], Awaitable[dict[str, Any]]]


@dataclass
class Pair:
    """One operation as a GraphQL call and as a baseline call; ``i`` picks the worker."""

    name: str
    graphql: Call
    baseline: Call
    compare: bool = True


class FullCollections:
    """The collector's full passes (generation 2) while the block runs, and how long each took."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


async def timed(call: Call, count: int) -> dict[str, float]:
    """Requests per second, p50/p99 wall time, CPU time per request and the collector's pauses."""
    for i in range(3):  # warm caches and pools
        await call(i)
    latencies = []
    with FullCollections() as collections:
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            began = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - began)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    ordered = sorted(latencies)
    return {
        "per_second": round(count / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(count - 1, int(count * 0.99))] * 1000, 2),
        "cpu_ms": round(cpu / count * 1000, 2),
        "full_gc_passes": len(collections.pauses),
        "full_gc_max_ms": round(max(collections.pauses, default=0) * 1000, 1),
    }


async def claim_batch(w: World, tasks: int) -> Batch:
    """A fresh open batch of ``tasks`` tasks, one answer each, for the claim-and-submit loop."""
    config = Config.of(w.platform)
    fields = BatchFields(title="Claims", answer_spec=LABELS, reward=10, overlap=1)
    batch = await batches.create_batch(w.owner.actor, config, w.project_id, fields)
    await fill_tasks(batch, tasks)
    return await batches.open_batch(w.owner.actor, batch.id)


def pairs(w: World, gql: httpx.AsyncClient, base: httpx.AsyncClient, batch: Batch) -> list[Pair]:
    def bearer(name: str) -> dict[str, str]:
        return {"authorization": f"Bearer {w.tokens[name]}"}

    worker_headers = [{"authorization": f"Bearer {t}"} for t in w.worker_tokens]

    async def graphql(query: str, variables: dict[str, Any], headers: dict[str, str]) -> Any:
        response = await gql.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body

    async def gql_claim_submit(i: int) -> dict[str, Any]:
        headers = worker_headers[i % len(worker_headers)]
        claim_input = {"input": {"batchId": to_global_id("MicrotaskBatch", batch.id)}}
        claimed = await graphql(CLAIM, claim_input, headers)
        held = claimed["data"]["claimMicrotask"]["assignment"]
        submit_input = {"input": {"assignmentId": held["id"], "answer": "cat"}}
        return await graphql(SUBMIT, submit_input, headers)

    async def base_claim_submit(i: int) -> dict[str, Any]:
        headers = worker_headers[i % len(worker_headers)]
        batch_id = to_global_id("MicrotaskBatch", batch.id)
        claimed = (await base.post("/claim", json={"batchId": batch_id}, headers=headers)).json()
        held = claimed["data"]["claimMicrotask"]["assignment"]
        body = {"assignmentId": held["id"], "answer": "cat"}
        return (await base.post("/submit", json=body, headers=headers)).json()

    contest = w.ids["Contest"]
    return [
        Pair(
            "worker feed",
            lambda i: graphql(FEED, {}, bearer("worker")),
            lambda i: _json(base.get("/feed", headers=bearer("worker"))),
        ),
        Pair("claim and submit", gql_claim_submit, base_claim_submit, compare=False),
        Pair(
            "contest leaderboard",
            lambda i: graphql(LEADERBOARD, {"id": contest}, bearer("owner")),
            lambda i: _json(
                base.get("/leaderboard", params={"id": contest}, headers=bearer("owner"))
            ),
        ),
        Pair(
            "talent search",
            lambda i: graphql(TALENT, {}, bearer("owner")),
            lambda i: _json(
                base.get("/talent", params={"skill": "python"}, headers=bearer("owner"))
            ),
        ),
    ]


async def _json(request: Awaitable[httpx.Response]) -> Any:
    return (await request).json()
