"""Where a GraphQL request's time goes: the same operations through the layers of the HTTP path.

    python -m bench.http_path [--requests N] [--server] [--profile OPERATION]

For ``{ me { id } }`` (anonymous and with a token), the worker feed and a claim, measures one layer
at a time, sequentially, in one process: the service call alone, ``schema.execute`` with a ready
context, and the whole ASGI app through httpx (middlewares, token lookup, context, GraphQL, JSON).
``--server`` adds the same requests over TCP to ``crowdgraph serve`` on 127.0.0.1 (one process;
its CPU time per request is read from /proc).
``--profile`` prints a pyinstrument profile of the ASGI path of one operation. Runs on SQLite, or
on a new database of the PostgreSQL server named by BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench import operations
from bench.operations import CLAIM, FEED, timed
from bench.processes import start_server
from bench.world import World, world
from crowdgraph.app import actor_from_header, create_app, settle_startup_objects
from crowdgraph.core.accounts import authenticate
from crowdgraph.core.pages import PageRequest
from crowdgraph.plugins.microtask import work
from crowdgraph.schema.build import build_schema
from crowdgraph.schema.context import Context
from crowdgraph.schema.relay import to_global_id

ME = "{ me { id } }"
ROWS = 10
Call = Callable[[int], Awaitable[Any]]


def checked(body: dict[str, Any]) -> dict[str, Any]:
    assert not body.get("errors"), body["errors"]
    return body


class Operations:
    """Each operation as a call through one layer; ``i`` picks the worker (claims rotate)."""

    def __init__(self, w: World, claims: int) -> None:
        self.w = w
        self.claims = claims
        built = build_schema(w.platform)
        self.schema = built.schema
        self.registry = built.registry
        self.batch_gid = ""
        self.batch_id = 0

    async def prepare(self) -> None:
        batch = await operations.claim_batch(self.w, self.claims)
        self.batch_gid = to_global_id("MicrotaskBatch", batch.id)
        self.batch_id = batch.id

    def token(self, i: int) -> str:
        return self.w.worker_tokens[i % len(self.w.worker_tokens)]

    def request(self, name: str, i: int) -> tuple[str, dict[str, Any], str | None]:
        """The query, variables and token of request ``i`` of an operation."""
        if name == "me, anonymous":
            return ME, {}, None
        if name == "me":
            return ME, {}, self.token(i)
        if name == "worker feed":
            return FEED, {}, self.token(i)
        return CLAIM, {"input": {"batchId": self.batch_gid}}, self.token(i)

    def service(self, name: str) -> Call:
        """The work of the operation without GraphQL: the token lookup plus the service call."""

        async def call(i: int) -> Any:
            _, _, token = self.request(name, i)
            if token is None:
                return None
            actor = await authenticate(token)
            if name == "worker feed":
                return await work.feed(actor, PageRequest(first=20, after=None))
            if name == "claim":
                return await work.claim_next(actor, self.batch_id)
            return actor

        return call

    def execute(self, name: str) -> Call:
        """``schema.execute`` with a context built as the app builds it (the token looked up)."""

        async def call(i: int) -> Any:
            query, variables, token = self.request(name, i)
            actor = await actor_from_header(f"Bearer {token}" if token else None)
            context = Context(self.w.platform, actor, registry=self.registry)
            result = await self.schema.execute(query, variables, context_value=context)
            assert not result.errors, result.errors
            return result.data

        return call

    def http(self, client: httpx.AsyncClient, name: str) -> Call:
        async def call(i: int) -> Any:
            query, variables, token = self.request(name, i)
            headers = {"authorization": f"Bearer {token}"} if token else {}
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            return checked(response.json())

        return call


NAMES = ("me, anonymous", "me", "worker feed", "claim")


async def measure(requests: int, server: bool, profile: str | None) -> None:
    claims_needed = requests * 4 + 40
    async with world(ROWS) as w:
        ops = Operations(w, claims_needed)
        await ops.prepare()
        settle_startup_objects()
        transport = httpx.ASGITransport(app=create_app(platform=w.platform))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            if profile:
                print(await profiled(ops.http(client, profile), requests))
                return
            rows: list[dict[str, Any]] = [{"operation": name} for name in NAMES]
            if server:  # first: the claims measured in-process leave leases the server would sweep
                await over_tcp(w, ops, rows, requests)
            for row in rows:
                row["service"] = await timed(ops.service(row["operation"]), requests)
                row["execute"] = await timed(ops.execute(row["operation"]), requests)
                row["asgi"] = await timed(ops.http(client, row["operation"]), requests)
    print(table(rows, requests, server))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def over_tcp(w: World, ops: Operations, rows: list[dict[str, Any]], requests: int) -> None:
    """The same requests to ``crowdgraph serve`` (one process, microtask only); the CPU figure
    is the server's, per request."""
    await w.platform.deliver_events()  # what seeding emitted is not the server's to deliver
    url = w.platform.settings.database.url
    with tempfile.TemporaryDirectory() as folder:
        process, base = start_server(url, 1, Path(folder))
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                await settled(client)
                for row in rows:
                    call = ops.http(client, row["operation"])
                    await timed(call, 10)  # the server's first requests compile its queries
                    started = cpu_seconds(process.pid)
                    row["tcp"] = await timed(call, requests)
                    server = cpu_seconds(process.pid) - started
                    row["tcp"]["cpu_ms"] = round(server / (requests + 3) * 1000, 2)
        finally:
            process.terminate()
            process.wait(timeout=30)


async def settled(client: httpx.AsyncClient) -> None:
    """Wait (up to 30 s) until the server's start-up work (timers catching up with the real clock)
    is done: no SQL statement in a second but the one each /metrics read sends."""
    previous = -2.0
    for _ in range(30):
        metrics = (await client.get("/metrics")).text
        found = re.search(r"^crowdgraph_sql_statements_total (\S+)$", metrics, re.M)
        count = float(found[1]) if found else 0.0
        if count - previous <= 1:
            return
        previous = count
        await asyncio.sleep(1)


async def profiled(call: Call, requests: int) -> str:
    from pyinstrument import Profiler

    for i in range(5):
        await call(i)
    profiler = Profiler(async_mode="enabled", interval=0.0002)
    with profiler:
        for i in range(requests):
            await call(i)
    return str(profiler.output_text(color=False, show_all=False))


def table(rows: list[dict[str, Any]], requests: int, server: bool) -> str:
    layers = ["service", "execute", "asgi", *(["tcp"] if server else [])]
    head = " | ".join(f"{layer} p50 ms | {layer} CPU ms" for layer in layers)
    lines = [
        f"{requests} sequential requests per cell, {ROWS} rows per list"
        + ("; tcp CPU is the server process's" if server else ""),
        "",
        f"| operation | {head} |",
        "|---|" + "---|" * (2 * len(layers)),
    ]
    for row in rows:
        cells = " | ".join(f"{row[x]['p50_ms']} | {row[x]['cpu_ms']}" for x in layers)
        lines.append(f"| {row['operation']} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http_path", description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--server", action="store_true", help="also through crowdgraph serve")
    parser.add_argument("--profile", choices=NAMES, help="print a profile of one operation")
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.server, args.profile))


if __name__ == "__main__":
    main()
