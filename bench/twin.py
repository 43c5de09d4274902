"""The key operations over HTTP: crowdgraph's GraphQL server next to its raw twin, each in its own
uvicorn process, the load from a third process.

1. A world of 100 rows per list is seeded through the services (on the real clock: the servers run
   on it). Both servers start on it with the same pool size.
2. Counting pass (event delivery and sweepers off): each operation's first response on both sides
   is compared, byte for byte (a write's new row ID aside), then a few more are sent one at a time
   while the database round trips are counted (PostgreSQL: a proxy counting the protocol's Sync and
   Query messages; SQLite: every statement the server process runs).
3. Timed pass (servers as in production): per operation, rounds A B B A of at most ``count``
   operations over ``concurrency`` connections; throughput, p50/p99, and the server process's own
   CPU time (/proc utime + stime) per operation. Figures are GraphQL / raw ratios.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.http_path import cpu_seconds
from bench.load import client_command
from bench.operations import claim_batch
from bench.pgproxy import CountingProxy, counting_proxy
from bench.scenarios import OPERATIONS, Http, Operation, Params, same_body
from bench.world import World, world
from crowdgraph.plugins import BUILTINS
from crowdgraph.plugins.contest.models import ContestSubmission
from crowdgraph.schema.relay import to_global_id

ROWS = 100
POOL_MAX = 10
SIDES = ("graphql", "raw")
ROUNDS = ("graphql", "raw", "raw", "graphql")
COUNTED = 5
"""Operations sent one at a time, per side, while round trips are counted."""


@dataclass(frozen=True)
class Mode:
    count: int
    """Most operations per round (claim and submit: half as many)."""
    seconds: float
    """Longest round."""
    concurrency: int


QUICK = Mode(count=150, seconds=4, concurrency=8)
FULL = Mode(count=600, seconds=20, concurrency=8)


@dataclass
class Server:
    side: str
    process: subprocess.Popen[bytes]
    base: str

    def statements_url(self) -> str:
        return f"{self.base}/__statements"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config(folder: Path, url: str) -> Path:
    path = folder / f"plugins-{abs(hash(url))}.toml"
    enabled = ", ".join(f'"{name}"' for name in BUILTINS)
    path.write_text(
        "[server]\nrate_limit_per_token = 0\nrate_limit_per_address = 0\n\n"
        f'[database]\nurl = "{url}"\npool_max = {POOL_MAX}\n\n[plugins]\nenabled = [{enabled}]\n'
    )
    return path


async def wait_healthy(server: Server, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the {server.side} server exited ({server.process.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{server.base}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the {server.side} server did not answer /healthz in {seconds} s")


def spawn(side: str, port: int, env: dict[str, str], log: Path) -> Server:
    """``python -m bench.serve SIDE``, its output in ``log``."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", side, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
        )
    return Server(side, process, f"http://127.0.0.1:{port}")


@contextlib.asynccontextmanager
async def servers(
    urls: dict[str, str], folder: Path, counting: bool
) -> AsyncIterator[dict[str, Server]]:
    """Both servers, each on its database URL; stopped (killed if need be) on the way out."""
    started: dict[str, Server] = {}
    try:
        for side in SIDES:
            port = free_port()
            env = {
                **os.environ,
                "CROWDGRAPH_CONFIG": str(config(folder, urls[side])),
                "BENCH_RAW_DATABASE_URL": urls[side],
                "BENCH_POOL_MAX": str(POOL_MAX),
            }
            if counting:
                env.update(BENCH_COUNT_STATEMENTS="1", BENCH_NO_BACKGROUND="1")
            log = folder / f"{side}{'-counting' if counting else ''}.log"
            started[side] = spawn(side, port, env, log)
        for server in started.values():
            await wait_healthy(server)
        yield started
    finally:
        for server in started.values():
            server.process.terminate()
        for server in started.values():
            await stopped(server.process)


async def stopped(process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Wait for a terminated server to exit, killing it after ``seconds``; the event loop keeps
    running meanwhile (the counting proxies in it carry the server's goodbyes to the database)."""
    try:
        await asyncio.to_thread(process.wait, seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        await asyncio.to_thread(process.wait)


def http_of(server: Server) -> Http:
    port = int(server.base.rsplit(":", 1)[1])
    return Http("127.0.0.1", port)


async def statements(server: Server) -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(server.statements_url())).json()["statements"])


class RoundTrips:
    """Round trips at the database: a proxy per server (PostgreSQL) or the server's statement
    counter (SQLite)."""

    def __init__(self, proxies: dict[str, CountingProxy] | None) -> None:
        self.proxies = proxies

    async def read(self, server: Server) -> tuple[int, int]:
        """(round trips, all messages) so far; on SQLite both are statements."""
        if self.proxies is None:
            found = await statements(server)
            return found, found
        proxy = self.proxies[server.side]
        return proxy.round_trips, proxy.total


async def counting_pass(
    operations: list[Operation], params: Params, urls: dict[str, str], folder: Path, postgres: bool
) -> dict[str, dict[str, Any]]:
    """Compare first responses and count round trips per operation, one request at a time."""
    found: dict[str, dict[str, Any]] = {op.name: {} for op in operations}
    async with contextlib.AsyncExitStack() as stack:
        proxies = None
        if postgres:
            proxies = {
                side: await stack.enter_async_context(counting_proxy(urls[side])) for side in SIDES
            }
            urls = {side: proxies[side].url() for side in SIDES}
        live = await stack.enter_async_context(servers(urls, folder, counting=True))
        trips = RoundTrips(proxies)
        clients = {side: http_of(live[side]) for side in SIDES}
        try:
            for op in operations:
                first = {}
                for side in SIDES:
                    step = op.graphql if side == "graphql" else op.raw
                    first[side] = await step(clients[side], params, 0)
                    before = await trips.read(live[side])
                    for i in range(1, COUNTED + 1):
                        await step(clients[side], params, i)
                    await asyncio.sleep(0.05)  # let a pool's release (its reset) reach the proxy
                    after = await trips.read(live[side])
                    found[op.name][side] = {
                        "round_trips": round((after[0] - before[0]) / COUNTED, 1),
                        "messages": round((after[1] - before[1]) / COUNTED, 1),
                    }
                same = all(
                    same_body(g, r) for g, r in zip(first["graphql"], first["raw"], strict=True)
                )
                found[op.name]["same_body"] = same
                if not same:
                    found[op.name]["bodies"] = {
                        side: [b.decode()[:2000] for b in bodies] for side, bodies in first.items()
                    }
        finally:
            for client in clients.values():
                await client.close()
    return found


@contextlib.contextmanager
def load_generator(params: Params, folder: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        client_command(params, folder), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def ask(load: subprocess.Popen[str], command: dict[str, Any]) -> dict[str, Any]:
    assert load.stdin is not None and load.stdout is not None
    load.stdin.write(json.dumps(command) + "\n")
    load.stdin.flush()
    answer = json.loads(await asyncio.to_thread(load.stdout.readline))
    if "error" in answer:
        raise RuntimeError(f"load generator: {answer['error']} ({command['operation']})")
    return dict(answer)


async def timed_pass(
    operations: list[Operation], params: Params, urls: dict[str, str], folder: Path, mode: Mode
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    offset = 10_000  # past what the counting pass used (scores and claims pick rows by i)
    async with servers(urls, folder, counting=False) as live:
        with load_generator(params, folder) as load:
            for op in operations:
                count = mode.count // op.requests
                rounds: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
                for side in SIDES:  # warm up: connections, prepared statements, caches
                    warm = {"side": side, "base": live[side].base, "operation": op.name}
                    await ask(
                        load,
                        {
                            **warm,
                            "count": 20,
                            "concurrency": mode.concurrency,
                            "seconds": 5,
                            "offset": offset,
                        },
                    )
                    offset += 20
                for side in ROUNDS:
                    command = {
                        "side": side,
                        "base": live[side].base,
                        "operation": op.name,
                        "count": count,
                        "concurrency": mode.concurrency,
                        "seconds": mode.seconds,
                        "offset": offset,
                    }
                    pid = live[side].process.pid
                    cpu = cpu_seconds(pid)
                    answer = await ask(load, command)
                    answer["cpu_ms"] = (cpu_seconds(pid) - cpu) * 1000 / max(answer["done"], 1)
                    offset += answer["done"]
                    rounds[side].append(answer)
                found[op.name] = {side: summary(rounds[side]) for side in SIDES}
    return found


def summary(rounds: list[dict[str, Any]]) -> dict[str, float]:
    """Both rounds of a side: operations per second over both, medians of the rest."""
    done = sum(r["done"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    return {
        "operations": done,
        "per_second": round(done / seconds, 1),
        "p50_ms": round(statistics.mean(r["p50_ms"] for r in rounds), 2),
        "p99_ms": round(max(r["p99_ms"] for r in rounds), 2),
        "cpu_ms": round(statistics.mean(r["cpu_ms"] for r in rounds), 2),
    }


def progress(what: str, began: float) -> None:
    print(
        f"bench: operations: {what} ({time.perf_counter() - began:.0f} s)",
        file=sys.stderr,
        flush=True,
    )


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


async def params_of(w: World, claims: int) -> Params:
    batch = await claim_batch(w, claims)
    submissions = await ContestSubmission.filter(contest_id=w.review.id, judged=True).order_by("id")
    return Params(
        owner=w.tokens["owner"],
        judge=w.tokens["judge"],
        workers=w.worker_tokens,
        organization=w.ids["Organization"],
        contest=w.ids["Contest"],
        claims_batch=to_global_id("MicrotaskBatch", batch.id),
        submissions=[to_global_id("ContestSubmission", s.id) for s in submissions],
    )


async def run(quick: bool) -> dict[str, Any]:
    mode = QUICK if quick else FULL
    postgres = bool(os.environ.get("BENCH_POSTGRES_URL"))
    start = datetime.now(UTC).replace(microsecond=0)
    began = time.perf_counter()
    async with world(ROWS, start=start) as w:
        params = await params_of(w, claims=6 * mode.count + 500)
        await w.platform.deliver_events()  # what seeding emitted is not the servers' to deliver
        progress(f"world of {ROWS} rows seeded", began)
        url = w.platform.settings.database.url
        urls = {side: url for side in SIDES}
        with tempfile.TemporaryDirectory(prefix="bench-twin-") as name:
            folder = Path(name)
            counted = await counting_pass(OPERATIONS, params, urls, folder, postgres)
            progress("bodies compared, round trips counted", began)
            timed = await timed_pass(OPERATIONS, params, urls, folder, mode)
            progress("rounds timed", began)
    measured = []
    for op in OPERATIONS:
        g, r = timed[op.name]["graphql"], timed[op.name]["raw"]
        trips = counted[op.name]
        measured.append(
            {
                "operation": op.name,
                "requests": op.requests,
                "graphql": {**g, **trips["graphql"]},
                "raw": {**r, **trips["raw"]},
                "same_body": trips["same_body"],
                **({"bodies": trips["bodies"]} if "bodies" in trips else {}),
                "throughput_ratio": ratio(g["per_second"], r["per_second"]),
                "cpu_ratio": ratio(g["cpu_ms"], r["cpu_ms"]),
                "p50_ratio": ratio(g["p50_ms"], r["p50_ms"]),
                "p99_ratio": ratio(g["p99_ms"], r["p99_ms"]),
                "round_trip_ratio": ratio(
                    trips["graphql"]["round_trips"], trips["raw"]["round_trips"]
                ),
            }
        )
    return {
        "rows": ROWS,
        "count": mode.count,
        "seconds": mode.seconds,
        "concurrency": mode.concurrency,
        "round_trips_at": "proxy (Sync + Query messages)"
        if postgres
        else "sqlite3 trace (statements)",
        "operations": measured,
    }
