"""The raw twin answers every benchmarked operation with the bytes the GraphQL endpoint answers.

Both apps run in-process on one small SQLite world; a change to a GraphQL response that the twin
does not follow fails here, before it skews the benchmark's comparison.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bench.raw.app import create_app as create_raw_app
from bench.scenarios import OPERATIONS, Operation, Params, same_body
from bench.twin import params_of
from bench.world import world
from crowdgraph.app import create_app


class AsgiClient:
    """The benchmark's request interface over httpx's ASGI transport."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(
        self, method: str, path: str, token: str, body: bytes | None = None
    ) -> tuple[int, bytes]:
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        response = await self.client.request(method, path, content=body, headers=headers)
        return response.status_code, response.content


async def test_raw_twin_answers_every_operation_with_the_graphql_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BENCH_POSTGRES_URL", raising=False)
    async with world(5, start=datetime.now(UTC).replace(microsecond=0)) as w:
        w.clock.set(datetime.now(UTC))  # the twin reads the real clock
        params = await params_of(w, claims=20)
        raw_app = create_raw_app(w.platform.settings.database.url)
        async with (
            raw_app.router.lifespan_context(raw_app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(platform=w.platform)),
                base_url="http://graphql",
            ) as graphql,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=raw_app), base_url="http://raw"
            ) as raw,
        ):
            differ = [
                op.name
                for op in OPERATIONS
                if not await answers_alike(op, AsgiClient(graphql), AsgiClient(raw), params)
            ]
    assert differ == []


async def answers_alike(
    operation: Operation, graphql: AsgiClient, raw: AsgiClient, params: Params
) -> bool:
    expected = await operation.graphql(graphql, params, 0)
    answered = await operation.raw(raw, params, 0)
    assert len(expected) == len(answered) == operation.requests
    return all(same_body(g, r) for g, r in zip(expected, answered, strict=True))
