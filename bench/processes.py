"""Claims per second and p50/p99 latency through 1, 2 and 4 server processes on one PostgreSQL database.

    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.processes [claimers] [claims_each]

Starts `crowdgraph serve --workers N` for each N, sends `claimMicrotask` from `claimers` concurrent
clients over HTTP, and checks after every run that no task holds more assignments than its overlap
and no worker holds one task twice.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from bench.microtask.setup import bench
from crowdgraph.core.accounts import issue_token
from crowdgraph.core.models import TokenKind
from crowdgraph.schema.relay import to_global_id

CLAIM = """mutation($input: MicrotaskBatchIdInput!) {
  claimMicrotask(input: $input) { assignment { id } userErrors { code } } }"""
PROCESSES = (1, 2, 4)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, processes: int, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = folder / "plugins.toml"
    config.write_text(
        f"[server]\nrate_limit_per_token = 0\nrate_limit_per_address = 0\n\n"
        f'[database]\nurl = "{url}"\npool_max = 10\n\n[plugins]\nenabled = ["microtask"]\n'
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crowdgraph",
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(processes),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / f"server{processes}.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server with {processes} processes did not start")


async def load(
    base: str, batch_gid: str, tokens: list[str], each: int
) -> tuple[int, float, list[float]]:
    latencies: list[float] = []
    claimed = 0
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def client(token: str) -> None:
            nonlocal claimed
            for _ in range(each):
                started = time.perf_counter()
                response = await http.post(
                    "/graphql",
                    json={"query": CLAIM, "variables": {"input": {"batchId": batch_gid}}},
                    headers={"authorization": f"Bearer {token}"},
                )
                latencies.append(time.perf_counter() - started)
                if response.json()["data"]["claimMicrotask"]["assignment"]:
                    claimed += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(token) for token in tokens))
        return claimed, time.perf_counter() - started, latencies


async def over_assigned(batch_id: int) -> tuple[int, int]:
    from crowdgraph.plugins.microtask.models import Assignment, Task

    db = Task._meta.db
    _, over = await db.execute_query(
        "SELECT count(*) AS n FROM microtask_task t WHERE t.batch_id = $1 AND "
        "(SELECT count(*) FROM microtask_assignment a WHERE a.task_id = t.id) > t.answers_needed",
        [batch_id],
    )
    _, twice = await db.execute_query(
        "SELECT count(*) AS n FROM (SELECT task_id, worker_id FROM microtask_assignment "
        "GROUP BY 1, 2 HAVING count(*) > 1) x"
    )
    del Assignment
    return int(over[0]["n"]), int(twice[0]["n"])


async def main(claimers: int, each: int) -> None:
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if not postgres:
        raise SystemExit("set BENCH_POSTGRES_URL: several processes need PostgreSQL")
    tasks = claimers * each * len(PROCESSES)
    async with bench(tasks=tasks, workers=claimers, overlap=3, postgres=postgres) as setup:
        url = setup.platform.settings.database.url
        tokens = []
        for actor in setup.workers:
            assert actor.account is not None
            token, _ = await issue_token(actor.account, TokenKind.API, "bench", timedelta(hours=2))
            tokens.append(token)
        batch_gid = to_global_id("MicrotaskBatch", setup.batch.id)
        print(
            f"{claimers} concurrent claimers x {each} claims, batch of {tasks} tasks (overlap 3), PostgreSQL"
        )
        print(
            f"{'processes':>9} {'claims/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'claimed':>8} {'over-assigned':>14}"
        )
        with tempfile.TemporaryDirectory() as folder:
            for processes in PROCESSES:
                process, base = start_server(url, processes, Path(folder))
                try:
                    claimed, seconds, latencies = await load(base, batch_gid, tokens, each)
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                latencies.sort()
                p50 = statistics.median(latencies) * 1000
                p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
                over, twice = await over_assigned(setup.batch.id)
                print(
                    f"{processes:>9} {claimed / seconds:>9.0f} {p50:>8.1f} {p99:>8.1f} {claimed:>8} {over + twice:>14}"
                )


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(arguments or [100, 10])))
